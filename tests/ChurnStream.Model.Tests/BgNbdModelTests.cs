using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class BgNbdModelTests
{
    // The published CDNOW parameters.
    private static readonly BgNbdModel Cdnow = new(0.243, 4.414, 0.793, 2.426);

    public static TheoryData<int, double, double> Customers => new()
    {
        { 0, 0.0, 38.86 },
        { 0, 0.0, 32.0 },
        { 1, 1.71, 38.86 },
        { 2, 30.43, 38.86 },
        { 4, 20.0, 39.0 },
        { 7, 35.0, 38.0 },
        { 10, 12.0, 36.0 },
        { 25, 31.5, 32.0 },
    };

    [Theory]
    [MemberData(nameof(Customers))]
    public void Probability_alive_matches_the_closed_form(int x, double tx, double T)
    {
        var expected = ClosedForm.ProbabilityAlive(0.243, 4.414, 0.793, 2.426, x, tx, T);

        Assert.Equal(expected, Cdnow.ProbabilityAlive(x, tx, T), 12);
    }

    [Theory]
    [MemberData(nameof(Customers))]
    public void Conditional_expectation_matches_equation_10_with_a_direct_2F1_series(int x, double tx, double T)
    {
        foreach (var t in new[] { 1.0, 10.0, 39.0, 78.0 })
        {
            var expected = ClosedForm.ConditionalExpectation(0.243, 4.414, 0.793, 2.426, x, tx, T, t);

            Assert.Equal(expected, Cdnow.ExpectedPurchases(t, x, tx, T), 1e-9 * Math.Max(1, expected));
        }
    }

    [Theory]
    [InlineData(0, 0.0, 38.86, 39.0)]
    [InlineData(2, 30.43, 38.86, 39.0)]
    [InlineData(7, 35.0, 38.0, 39.0)]
    [InlineData(3, 5.0, 30.0, 52.0)]
    public void Conditional_expectation_matches_numerical_integration_over_the_dropout_probability(int x, double tx, double T, double t)
    {
        var expected = ClosedForm.ConditionalExpectationByIntegration(0.243, 4.414, 0.793, 2.426, x, tx, T, t);

        Assert.Equal(expected, Cdnow.ExpectedPurchases(t, x, tx, T), 1e-6 * Math.Max(1, expected));
    }

    [Theory]
    [InlineData(0.243, 4.414, 0.793, 2.426)]
    [InlineData(1.5, 10.0, 2.5, 4.0)]
    [InlineData(0.5, 2.0, 1.0 + 1e-9, 3.0)] // a next to 1, where eq. 7 divides by ~0
    public void Unconditional_expectation_matches_equation_7(double r, double alpha, double a, double b)
    {
        var m = new BgNbdModel(r, alpha, a, b);
        foreach (var t in new[] { 0.5, 5.0, 39.0, 78.0 })
        {
            var expected = Math.Abs(a - 1) < 1e-6
                ? ClosedForm.ConditionalExpectationByIntegration(r, alpha, a, b, 0, 0, 0, t)
                : ClosedForm.UnconditionalExpectation(r, alpha, a, b, t);

            Assert.Equal(expected, m.UnconditionalExpectedPurchases(t), 1e-6 * Math.Max(1, expected));
        }
    }

    [Fact]
    public void Unconditional_expectation_is_the_conditional_one_of_a_customer_seen_at_their_first_purchase()
        => Assert.Equal(Cdnow.ExpectedPurchases(39, 0, 0, 0), Cdnow.UnconditionalExpectedPurchases(39), 12);

    [Fact]
    public void Expected_purchases_stay_finite_for_heavy_buyers_far_into_the_future()
    {
        var e = Cdnow.ExpectedPurchases(5_000, 300, 1.9, 2.0);

        Assert.True(double.IsFinite(e) && e > 0, $"got {e}");
        Assert.Equal(0.0, Cdnow.ExpectedPurchases(0, 3, 10, 20));
    }

    [Fact]
    public void Expected_purchases_of_a_customer_sure_to_be_dead_vanish()
    {
        Assert.True(Cdnow.ProbabilityAlive(60, 0.1, 300) < 1e-100);
        Assert.True(Cdnow.ExpectedPurchases(39, 60, 0.1, 300) < 1e-90);
    }

    [Fact]
    public void Log_likelihood_of_one_customer_matches_the_paper_form()
    {
        // Eq. 6 with the Beta and Gamma functions evaluated directly.
        double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, tx = 30.43, T = 38.86;
        const int x = 2;
        double G(double v) => MathNet.Numerics.SpecialFunctions.Gamma(v);
        double B(double p, double q) => G(p) * G(q) / G(p + q);
        var likelihood = B(a, b + x) / B(a, b) * G(r + x) * Math.Pow(alpha, r) / (G(r) * Math.Pow(alpha + T, r + x))
            + B(a + 1, b + x - 1) / B(a, b) * G(r + x) * Math.Pow(alpha, r) / (G(r) * Math.Pow(alpha + tx, r + x));

        Assert.Equal(Math.Log(likelihood), BgNbdModel.CustomerLogLikelihood(r, alpha, a, b, x, tx, T), 10);
    }

    [Fact]
    public void Fit_recovers_the_parameters_of_simulated_customers()
    {
        var truth = new BgNbdModel(0.8, 6.0, 1.2, 3.0);
        var customers = Simulate(truth, 4000, 52.0, new Random(20250101));

        var fit = BgNbdModel.Fit(customers);

        Assert.InRange(fit.R, 0.8 * 0.8, 0.8 * 1.25);
        Assert.InRange(fit.Alpha, 6.0 * 0.75, 6.0 * 1.33);
        Assert.True(fit.LogLikelihood >= truth.LogLikelihoodOf(customers) - 1e-6);
    }

    [Fact]
    public void Fit_rejects_an_empty_customer_base_and_inconsistent_summaries()
    {
        Assert.Throws<ArgumentException>(() => BgNbdModel.Fit(Array.Empty<CustomerSummary>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbdModel.Fit(new[] { new CustomerSummary("c", 1, 5, 4, 10) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdModel(0, 1, 1, 1));
    }

    private static CustomerSummary[] Simulate(BgNbdModel m, int n, double T, Random random)
    {
        var gammaLambda = new MathNet.Numerics.Distributions.Gamma(m.R, m.Alpha, random);
        var beta = new MathNet.Numerics.Distributions.Beta(m.A, m.B, random);
        var result = new CustomerSummary[n];
        for (var i = 0; i < n; i++)
        {
            var lambda = gammaLambda.Sample();
            var p = beta.Sample();
            double time = 0, last = 0;
            var x = 0;
            while (true)
            {
                time += -Math.Log(1 - random.NextDouble()) / lambda;
                if (time > T) break;
                x++;
                last = time;
                if (random.NextDouble() < p) break; // drops out after this purchase
            }
            result[i] = new CustomerSummary($"c{i}", x, last, T, 0);
        }
        return result;
    }
}
