namespace ChurnStream.Model;

/// <summary>The Gaussian hypergeometric function 2F1 and the small numerical helpers of the models.</summary>
public static class Hypergeometric
{
    /// <summary>Default maximum number of series terms before <see cref="Hyp2F1"/> gives up.</summary>
    public const int DefaultMaxTerms = 1_000_000;

    /// <summary>
    /// 2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z^n by its power series, for |z| &lt; 1.
    /// Stops when a term no longer changes the sum (relative 1e-16) once the term ratio is below one in magnitude;
    /// throws <see cref="ArithmeticException"/> when the series has not converged after <paramref name="maxTerms"/> terms
    /// or overflows.
    /// </summary>
    public static double Hyp2F1(double a, double b, double c, double z, int maxTerms = DefaultMaxTerms)
    {
        if (double.IsNaN(a) || double.IsNaN(b) || double.IsNaN(c) || double.IsNaN(z)) return double.NaN;
        if (!(Math.Abs(z) < 1.0)) throw new ArgumentOutOfRangeException(nameof(z), z, "The 2F1 series needs |z| < 1.");
        if (c <= 0 && c == Math.Floor(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "2F1 is undefined for c = 0, -1, -2, ...");
        var term = 1.0;
        var sum = 1.0;
        for (var n = 0; n < maxTerms; n++)
        {
            var ratio = (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
            term *= ratio;
            if (term == 0.0) return sum; // a or b is a non-positive integer: the series terminates
            sum += term;
            if (double.IsInfinity(sum) || double.IsNaN(sum)) throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) overflows.");
            if (Math.Abs(ratio) < 1.0 && Math.Abs(term) <= 1e-16 * Math.Abs(sum)) return sum;
        }
        throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) did not converge in {maxTerms} terms.");
    }

    /// <summary>exp(u) - 1, accurate for small u (Kahan's trick).</summary>
    internal static double ExpM1(double u)
    {
        if (Math.Abs(u) > 0.5) return Math.Exp(u) - 1.0;
        var e = Math.Exp(u);
        if (e == 1.0) return u;
        var em1 = e - 1.0;
        if (em1 == -1.0) return -1.0;
        return em1 * u / Math.Log(e);
    }

    /// <summary>log(exp(x) + exp(y)) without overflow.</summary>
    internal static double LogSumExp(double x, double y)
    {
        if (double.IsNegativeInfinity(x)) return y;
        if (double.IsNegativeInfinity(y)) return x;
        var m = Math.Max(x, y);
        return m + Math.Log(Math.Exp(x - m) + Math.Exp(y - m));
    }

    /// <summary>ln B(a, b) = lnΓ(a) + lnΓ(b) - lnΓ(a + b).</summary>
    internal static double LogBeta(double a, double b)
        => MathNet.Numerics.SpecialFunctions.GammaLn(a) + MathNet.Numerics.SpecialFunctions.GammaLn(b) - MathNet.Numerics.SpecialFunctions.GammaLn(a + b);
}
