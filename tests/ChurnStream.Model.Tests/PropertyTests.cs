using ChurnStream.Model;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Model.Tests;

public class PropertyTests
{
    /// <summary>A customer (x, t_x, T) with T up to 104 units and t_x in [0, T] (0 when x = 0).</summary>
    private static readonly Gen<(int X, double Tx, double T)> CustomerGen =
        from x in Gen.Choose(0, 60)
        from tMilli in Gen.Choose(0, 104_000)
        from fraction in Gen.Choose(0, 1000)
        let T = tMilli / 1000.0
        select (x, x == 0 ? 0.0 : T * fraction / 1000.0, T);

    /// <summary>Parameters over a wide range: r in [0.05, 5], α in [0.1, 50], a and b in [0.1, 10].</summary>
    private static readonly Gen<BgNbdModel> ModelGen =
        from r in Gen.Choose(5, 500)
        from alpha in Gen.Choose(10, 5000)
        from a in Gen.Choose(10, 1000)
        from b in Gen.Choose(10, 1000)
        select new BgNbdModel(r / 100.0, alpha / 100.0, a / 100.0, b / 100.0);

    private static readonly Arbitrary<(BgNbdModel Model, (int X, double Tx, double T) Customer)> Cases =
        Arb.From(ModelGen.Zip(CustomerGen));

    [Property(MaxTest = 300)]
    public Property Probability_alive_is_one_for_customers_without_repeat_purchases()
        => Prop.ForAll(Cases, c => c.Model.ProbabilityAlive(0, 0, c.Customer.T) == 1.0);

    [Property(MaxTest = 300)]
    public Property Probability_alive_decreases_as_the_customer_ages_without_buying()
        => Prop.ForAll(Cases, c =>
        {
            var (x, tx, T) = c.Customer;
            if (x == 0) return true;
            var now = c.Model.ProbabilityAlive(x, tx, T);
            var later = c.Model.ProbabilityAlive(x, tx, T + 1.0);
            return now is >= 0 and <= 1 && later <= now;
        });

    [Property(MaxTest = 300)]
    public Property Expected_purchases_are_nonnegative_and_increase_with_the_horizon()
        => Prop.ForAll(Cases, c =>
        {
            var (x, tx, T) = c.Customer;
            var previous = 0.0;
            foreach (var t in new[] { 0.5, 1.0, 4.0, 13.0, 39.0, 104.0 })
            {
                var e = c.Model.ExpectedPurchases(t, x, tx, T);
                if (!(e >= 0) || e < previous * (1 - 1e-12)) return false;
                previous = e;
            }
            return true;
        });

    [Property(MaxTest = 300)]
    public Property Conditional_expectation_agrees_with_equation_10_as_printed()
        => Prop.ForAll(Cases, c =>
        {
            var m = c.Model;
            var (x, tx, T) = c.Customer;
            if (Math.Abs(m.A - 1) < 0.05 || x > 20) return true; // the printed form loses digits there
            var expected = ClosedForm.ConditionalExpectation(m.R, m.Alpha, m.A, m.B, x, tx, T, 13.0);
            return Math.Abs(expected - m.ExpectedPurchases(13.0, x, tx, T)) <= 1e-7 * Math.Max(1, Math.Abs(expected));
        });

    [Property(MaxTest = 200)]
    public Property Expected_spend_lies_between_the_customer_mean_and_the_population_mean()
        => Prop.ForAll(Arb.From(Gen.Choose(1, 50).Zip(Gen.Choose(1, 100_000))), c =>
        {
            var model = new GammaGammaModel(6.25, 3.74, 15.44);
            var (x, cents) = c;
            var mean = cents / 100.0;
            var population = model.ExpectedAverageSpend(0, 0);
            var e = model.ExpectedAverageSpend(x, mean);
            return e >= Math.Min(mean, population) - 1e-9 && e <= Math.Max(mean, population) + 1e-9;
        });
}
