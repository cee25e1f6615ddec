using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class HypergeometricTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(-0.7)]
    [InlineData(0.99)]
    public void Hyp2F1_of_1_1_2_is_minus_log_of_1_minus_z_over_z(double z)
        => Assert.Equal(-Math.Log(1 - z) / z, Hypergeometric.Hyp2F1(1, 1, 2, z), 1e-12);

    [Theory]
    [InlineData(0.3, 2.5)]
    [InlineData(-0.4, 0.7)]
    [InlineData(0.9, 1.3)]
    public void Hyp2F1_with_b_equal_to_c_is_a_binomial_power(double z, double a)
        => Assert.Equal(Math.Pow(1 - z, -a), Hypergeometric.Hyp2F1(a, 3.2, 3.2, z), 1e-10 * Math.Pow(1 - z, -a));

    [Fact]
    public void Hyp2F1_of_half_half_three_halves_is_arcsin()
    {
        const double x = 0.6;
        Assert.Equal(Math.Asin(x) / x, Hypergeometric.Hyp2F1(0.5, 0.5, 1.5, x * x), 1e-12);
    }

    [Fact]
    public void Hyp2F1_terminates_for_a_negative_integer_parameter()
        => Assert.Equal(1 - 2 * 0.3 * 1.5 / 2.0 + 0.3 * 0.3 * 1.5 * 2.5 / (2.0 * 3.0), Hypergeometric.Hyp2F1(-2, 1.5, 2, 0.3), 1e-14);

    [Fact]
    public void Hyp2F1_refuses_arguments_outside_the_unit_disc_and_reports_non_convergence()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Hyp2F1(1, 1, 2, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Hyp2F1(1, 1, -1, 0.5));
        Assert.Throws<ArithmeticException>(() => Hypergeometric.Hyp2F1(1, 1, 2, 0.999999, maxTerms: 100));
    }
}
