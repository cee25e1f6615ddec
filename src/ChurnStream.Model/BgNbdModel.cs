using static MathNet.Numerics.SpecialFunctions;

namespace ChurnStream.Model;

/// <summary>
/// The BG/NBD model (Fader, Hardie &amp; Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)):
/// while alive a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with probability
/// p ~ Beta(a, b). Times are in the unit of the summaries the model was fitted on (weeks for CDNOW).
/// </summary>
public sealed record BgNbdModel
{
    public BgNbdModel(double r, double alpha, double a, double b, double logLikelihood = double.NaN)
    {
        RequirePositive(r, nameof(r));
        RequirePositive(alpha, nameof(alpha));
        RequirePositive(a, nameof(a));
        RequirePositive(b, nameof(b));
        R = r;
        Alpha = alpha;
        A = a;
        B = b;
        LogLikelihood = logLikelihood;
    }

    public double R { get; }
    public double Alpha { get; }
    public double A { get; }
    public double B { get; }

    /// <summary>The log-likelihood of the data the model was fitted on (NaN when constructed by hand).</summary>
    public double LogLikelihood { get; }

    /// <summary>Maximum-likelihood fit on calibration summaries (every customer, including those with x = 0).</summary>
    public static BgNbdModel Fit(IEnumerable<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var list = customers as IReadOnlyCollection<CustomerSummary> ?? customers.ToArray();
        return Fit(list.Select(c => (c.Frequency, c.RecencyT, c.AgeT)));
    }

    /// <summary>Maximum-likelihood fit on (x, t_x, T) triples. Deterministic: same input, same parameters.</summary>
    public static BgNbdModel Fit(IEnumerable<(int X, double Tx, double T)> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        // Identical (x, t_x, T) triples contribute identically: weight them instead of re-evaluating. The x-dependent
        // gamma and beta functions are evaluated once per distinct x.
        var groups = new Dictionary<(int, double, double), int>();
        var sumT = 0.0;
        var n = 0;
        foreach (var c in customers)
        {
            Validate(c.X, c.Tx, c.T);
            groups[c] = groups.TryGetValue(c, out var k) ? k + 1 : 1;
            sumT += c.T;
            n++;
        }
        if (n == 0) throw new ArgumentException("At least one customer is needed to fit the BG/NBD model.", nameof(customers));
        var byX = groups.GroupBy(g => g.Key.Item1).OrderBy(g => g.Key)
            .Select(g => (X: g.Key, Rows: g.OrderBy(r => r.Key).Select(r => (Tx: r.Key.Item2, T: r.Key.Item3, W: (double)r.Value)).ToArray()))
            .ToArray();

        double NegLl(double[] p)
        {
            double r = p[0], alpha = p[1], a = p[2], b = p[3];
            var shared = -GammaLn(r) + r * Math.Log(alpha) - Hypergeometric.LogBeta(a, b);
            var total = 0.0;
            foreach (var (x, rows) in byX)
            {
                var common = shared + GammaLn(r + x);
                var aliveBeta = Hypergeometric.LogBeta(a, b + x);
                var droppedBeta = x > 0 ? Hypergeometric.LogBeta(a + 1, b + x - 1) : double.NegativeInfinity;
                var sum = 0.0;
                foreach (var (tx, T, w) in rows)
                {
                    var alive = aliveBeta - (r + x) * Math.Log(alpha + T);
                    var ll = x == 0 ? alive : Hypergeometric.LogSumExp(alive, droppedBeta - (r + x) * Math.Log(alpha + tx));
                    sum += w * (common + ll);
                }
                total += sum;
            }
            return -total;
        }

        var start = new[] { 0.0, Math.Log(Math.Max(sumT / n, 1e-3)), 0.0, 0.0 };
        var best = MaximumLikelihood.MinimizeLogParameters(NegLl, start);
        return new BgNbdModel(best[0], best[1], best[2], best[3], -NegLl(best));
    }

    /// <summary>
    /// The log-likelihood of one customer's (x, t_x, T) (Fader, Hardie &amp; Lee 2005, eq. 6), in the stable form
    /// lnΓ(r+x) - lnΓ(r) + r ln α - ln B(a,b) + logsumexp(ln B(a, b+x) - (r+x) ln(α+T), [x&gt;0] ln B(a+1, b+x-1) - (r+x) ln(α+t_x)).
    /// </summary>
    public static double CustomerLogLikelihood(double r, double alpha, double a, double b, int x, double tx, double T)
    {
        var common = GammaLn(r + x) - GammaLn(r) + r * Math.Log(alpha) - Hypergeometric.LogBeta(a, b);
        var alive = Hypergeometric.LogBeta(a, b + x) - (r + x) * Math.Log(alpha + T);
        if (x == 0) return common + alive;
        var dropped = Hypergeometric.LogBeta(a + 1, b + x - 1) - (r + x) * Math.Log(alpha + tx);
        return common + Hypergeometric.LogSumExp(alive, dropped);
    }

    /// <summary>The total log-likelihood of the summaries under this model's parameters.</summary>
    public double LogLikelihoodOf(IEnumerable<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return customers.Sum(c => CustomerLogLikelihood(R, Alpha, A, B, c.Frequency, c.RecencyT, c.AgeT));
    }

    /// <summary>
    /// P(alive | x, t_x, T) = 1 / (1 + [x&gt;0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x)) (eq. 11 of the technical note).
    /// </summary>
    public double ProbabilityAlive(int x, double tx, double T)
    {
        Validate(x, tx, T);
        return 1.0 / (1.0 + DeadOverAliveOdds(x, tx, T));
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T], the expected number of purchases in the next <paramref name="t"/> time units of a customer
    /// with calibration summary (x, t_x, T) (eq. 10 of the paper):
    /// (a+b+x-1)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] / (1 + [x&gt;0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x)).
    /// Evaluated through Euler's transformation of 2F1, which turns the bracket into a series with the factor (a-1)
    /// taken out, so it stays accurate for large x, for t much larger than α+T and for a close to 1.
    /// </summary>
    public double ExpectedPurchases(double t, int x, double tx, double T)
    {
        Validate(x, tx, T);
        if (!(t >= 0) || double.IsPositiveInfinity(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "t must be finite and nonnegative.");
        if (t == 0) return 0.0;
        return ConditionalBracket(t, x, T) / (1.0 + DeadOverAliveOdds(x, tx, T));
    }

    /// <summary>E[X(t)], the expected number of repeat purchases of a new customer in the first t units after the first purchase (eq. 7).</summary>
    public double UnconditionalExpectedPurchases(double t)
    {
        if (!(t >= 0) || double.IsPositiveInfinity(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "t must be finite and nonnegative.");
        return t == 0 ? 0.0 : ConditionalBracket(t, 0, 0.0);
    }

    // (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)] with c = a+b+x-1, z = t/(α+T+t).
    // Euler: 2F1(r+x, b+x; c; z) = (1-z)^(a-1-r-x) 2F1(a+b-1-r, a-1; c; z) = (1-z)^(a-r-x-1) [1 + (a-1) G],
    // G = sum_{n>=1} (a+b-1-r)_n (a)_{n-1} / ((c)_n n!) z^n, so the bracket is
    // c [ (1 - (1-z)^(a-1)) / (a-1) - (1-z)^(a-1) G ].
    private double ConditionalBracket(double t, int x, double T)
    {
        var c = A + B + x - 1.0;
        var z = t / (Alpha + T + t);
        var logOneMinusZ = Math.Log((Alpha + T) / (Alpha + T + t));
        var u = (A - 1.0) * logOneMinusZ;
        var first = Math.Abs(A - 1.0) < 1e-12 ? -logOneMinusZ * (1.0 + 0.5 * u) : -Hypergeometric.ExpM1(u) / (A - 1.0);
        var g = EulerSeries(A + B - 1.0 - R, A, c, z);
        return Math.Max(0.0, c * (first - Math.Exp(u) * g));
    }

    // sum_{n>=1} (p)_n (a)_{n-1} / ((c)_n n!) z^n, 0 <= z < 1, c > 0, a > 0.
    private static double EulerSeries(double p, double a, double c, double z)
    {
        var term = p / c * z;
        var sum = term;
        for (var n = 1; n < Hypergeometric.DefaultMaxTerms; n++)
        {
            if (term == 0.0) return sum;
            var ratio = (p + n) * (a + n - 1.0) / ((c + n) * (n + 1.0)) * z;
            term *= ratio;
            sum += term;
            if (!double.IsFinite(sum)) throw new ArithmeticException("The BG/NBD conditional expectation series overflows.");
            if (Math.Abs(ratio) < 1.0 && Math.Abs(term) <= 1e-17 * Math.Max(Math.Abs(sum), 1e-300)) return sum;
        }
        throw new ArithmeticException($"The BG/NBD conditional expectation series did not converge (z = {z}).");
    }

    // [x>0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x), computed in logs and saturating at +∞ (P(alive) = 0).
    private double DeadOverAliveOdds(int x, double tx, double T)
    {
        if (x == 0) return 0.0;
        var log = Math.Log(A) - Math.Log(B + x - 1.0) + (R + x) * (Math.Log(Alpha + T) - Math.Log(Alpha + tx));
        return Math.Exp(Math.Min(log, 700.0));
    }

    private static void Validate(int x, double tx, double T)
    {
        if (x < 0) throw new ArgumentOutOfRangeException(nameof(x), x, "x must be nonnegative.");
        if (!(tx >= 0) || !double.IsFinite(tx)) throw new ArgumentOutOfRangeException(nameof(tx), tx, "t_x must be finite and nonnegative.");
        if (!(T >= tx) || !double.IsFinite(T)) throw new ArgumentOutOfRangeException(nameof(T), T, "T must be finite and at least t_x.");
        if (x == 0 && tx != 0) throw new ArgumentOutOfRangeException(nameof(tx), tx, "t_x must be 0 when x = 0.");
    }

    private static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || !double.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, "BG/NBD parameters must be finite and positive.");
    }
}
