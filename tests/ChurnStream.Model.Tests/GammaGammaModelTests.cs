using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class GammaGammaModelTests
{
    private static readonly GammaGammaModel Cdnow = new(6.25, 3.74, 15.44);

    [Fact]
    public void Expected_average_spend_is_the_posterior_mean_of_the_gamma_gamma_model()
    {
        Assert.Equal(6.25 * (15.44 + 3 * 30.0) / (6.25 * 3 + 3.74 - 1), Cdnow.ExpectedAverageSpend(3, 30.0), 12);
        Assert.Equal(6.25 * 15.44 / 2.74, Cdnow.ExpectedAverageSpend(0, 0), 12);
    }

    [Fact]
    public void Expected_average_spend_tends_to_the_observed_mean_for_frequent_buyers()
        => Assert.Equal(42.0, Cdnow.ExpectedAverageSpend(100_000, 42.0), 2);

    [Fact]
    public void Log_likelihood_of_one_customer_is_the_density_of_the_mean_spend()
    {
        // The mean of x Gamma(p, ν) spends is Gamma(p x, ν x); integrate its density against ν ~ Gamma(q, v) numerically.
        double p = 6.25, q = 3.74, v = 15.44, m = 25.0;
        const int x = 3;
        var nu = new MathNet.Numerics.Distributions.Gamma(q, v);
        double F(double n) => n <= 0 ? 0 : nu.Density(n) * MathNet.Numerics.Distributions.Gamma.PDF(p * x, n * x, m);
        const int intervals = 100_000;
        const double upper = 3.0, step = upper / intervals;
        var sum = F(0) + F(upper);
        for (var i = 1; i < intervals; i++) sum += (i % 2 == 1 ? 4 : 2) * F(i * step);
        var density = sum * step / 3; // Simpson

        Assert.Equal(Math.Log(density), GammaGammaModel.CustomerLogLikelihood(p, q, v, x, m), 6);
    }

    [Fact]
    public void Customer_value_is_expected_purchases_times_expected_spend()
    {
        var purchases = new BgNbdModel(0.243, 4.414, 0.793, 2.426);

        var value = CustomerValue.Expected(purchases, Cdnow, new CustomerSummary("c", 2, 30.43, 38.86, 22.35), 52);

        Assert.Equal(purchases.ExpectedPurchases(52, 2, 30.43, 38.86) * Cdnow.ExpectedAverageSpend(2, 22.35), value, 12);
        Assert.True(value > 0);
    }

    [Fact]
    public void Fit_ignores_customers_without_repeat_purchases_and_rejects_an_empty_set()
    {
        Assert.Throws<ArgumentException>(() => GammaGammaModel.Fit(new[] { new CustomerSummary("c", 0, 0, 10, 0) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaGammaModel.Fit(new[] { (0, 10.0) }));
    }
}
