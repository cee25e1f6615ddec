namespace ChurnStream.Model.Tests;

/// <summary>
/// The BG/NBD closed forms written out independently of the library: the formulas of the paper with a plain 2F1 power
/// series, and the same expectations by numerical integration over the posterior of the dropout probability p.
/// </summary>
public static class ClosedForm
{
    public static double ProbabilityAlive(double r, double alpha, double a, double b, int x, double tx, double T)
        => x == 0 ? 1.0 : 1.0 / (1.0 + a / (b + x - 1) * Math.Pow((alpha + T) / (alpha + tx), r + x));

    /// <summary>Eq. 10 of Fader, Hardie &amp; Lee (2005) as printed.</summary>
    public static double ConditionalExpectation(double r, double alpha, double a, double b, int x, double tx, double T, double t)
    {
        var z = t / (alpha + T + t);
        var bracket = (a + b + x - 1) / (a - 1)
            * (1 - Math.Pow((alpha + T) / (alpha + T + t), r + x) * Hyp2F1(r + x, b + x, a + b + x - 1, z));
        var denominator = 1 + (x > 0 ? a / (b + x - 1) * Math.Pow((alpha + T) / (alpha + tx), r + x) : 0);
        return bracket / denominator;
    }

    /// <summary>Eq. 7: E[X(t)] = (a+b-1)/(a-1) [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))].</summary>
    public static double UnconditionalExpectation(double r, double alpha, double a, double b, double t)
        => (a + b - 1) / (a - 1) * (1 - Math.Pow(alpha / (alpha + t), r) * Hyp2F1(r, b, a + b - 1, t / (alpha + t)));

    /// <summary>Direct power series, 200,000 terms at most, stopping when terms fall below 1e-17 of the sum.</summary>
    public static double Hyp2F1(double a, double b, double c, double z)
    {
        double sum = 1, term = 1;
        for (var n = 0; n < 200_000; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (Math.Abs(term) < 1e-17 * Math.Abs(sum)) break;
        }
        return sum;
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T] by integration: given alive, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x), so
    /// E[Y(t) | alive] = E_p[(1 - ((α+T)/(α+T+p t))^(r+x)) / p]; times P(alive).
    /// </summary>
    public static double ConditionalExpectationByIntegration(double r, double alpha, double a, double b, int x, double tx, double T, double t)
    {
        var k = r + x;
        var ifAlive = BetaExpectation(a, b + x, p => (1 - Math.Pow((alpha + T) / (alpha + T + p * t), k)) / p);
        return ProbabilityAlive(r, alpha, a, b, x, tx, T) * ifAlive;
    }

    // E[h(p)] for p ~ Beta(a, b), substituting p = u^(1/a) to remove the p^(a-1) singularity; composite Simpson.
    private static double BetaExpectation(double a, double b, Func<double, double> h)
    {
        const int intervals = 200_000;
        double F(double u)
        {
            var p = Math.Max(Math.Pow(u, 1 / a), 1e-9); // h(p) tends to a finite limit as p -> 0
            return p >= 1 ? 0 : h(p) * Math.Pow(1 - p, b - 1);
        }
        var step = 1.0 / intervals;
        var sum = F(0) + F(1);
        for (var i = 1; i < intervals; i++) sum += (i % 2 == 1 ? 4 : 2) * F(i * step);
        var integral = sum * step / 3;
        var logBeta = MathNet.Numerics.SpecialFunctions.BetaLn(a, b);
        return integral / (a * Math.Exp(logBeta));
    }
}
