using static MathNet.Numerics.SpecialFunctions;

namespace ChurnStream.Model;

/// <summary>
/// The Gamma-Gamma spend model (Fader, Hardie &amp; Lee 2005, "RFM and CLV: using iso-value curves for customer base
/// analysis"; Fader &amp; Hardie, "The Gamma-Gamma model of monetary value"): transaction values z ~ Gamma(p, ν),
/// ν ~ Gamma(q, v) across customers, independent of the purchase process. Fitted on customers with x &gt; 0 from
/// (x, mean spend of the x repeat purchases).
/// </summary>
public sealed record GammaGammaModel
{
    public GammaGammaModel(double p, double q, double v, double logLikelihood = double.NaN)
    {
        if (!(p > 0) || !double.IsFinite(p)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be finite and positive.");
        if (!(q > 0) || !double.IsFinite(q)) throw new ArgumentOutOfRangeException(nameof(q), q, "q must be finite and positive.");
        if (!(v > 0) || !double.IsFinite(v)) throw new ArgumentOutOfRangeException(nameof(v), v, "v must be finite and positive.");
        P = p;
        Q = q;
        V = v;
        LogLikelihood = logLikelihood;
    }

    public double P { get; }
    public double Q { get; }
    public double V { get; }

    /// <summary>The log-likelihood of the data the model was fitted on (NaN when constructed by hand).</summary>
    public double LogLikelihood { get; }

    /// <summary>Fit on the repeat buyers of the summaries (x &gt; 0 and a positive mean repeat spend; the others are skipped).</summary>
    public static GammaGammaModel Fit(IEnumerable<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return Fit(customers.Where(IsUsable).Select(c => (c.Frequency, c.MeanRepeatSpend)));
    }

    /// <summary>Whether the summary takes part in the Gamma-Gamma fit (a repeat buyer with a positive mean spend).</summary>
    public static bool IsUsable(CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return customer.Frequency > 0 && customer.MeanRepeatSpend > 0 && double.IsFinite(customer.MeanRepeatSpend);
    }

    /// <summary>Maximum-likelihood fit on (x, mean spend) pairs, x &gt; 0, mean spend &gt; 0. Deterministic.</summary>
    public static GammaGammaModel Fit(IEnumerable<(int X, double MeanSpend)> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var data = customers.ToArray();
        if (data.Length == 0) throw new ArgumentException("At least one repeat buyer is needed to fit the Gamma-Gamma model.", nameof(customers));
        foreach (var (x, m) in data)
        {
            if (x <= 0) throw new ArgumentOutOfRangeException(nameof(customers), x, "The Gamma-Gamma model is fitted on customers with x > 0.");
            if (!(m > 0) || !double.IsFinite(m)) throw new ArgumentOutOfRangeException(nameof(customers), m, "Mean spends must be finite and positive.");
        }
        Array.Sort(data);

        double NegLl(double[] prm)
        {
            var total = 0.0;
            foreach (var (x, m) in data) total += CustomerLogLikelihood(prm[0], prm[1], prm[2], x, m);
            return -total;
        }

        var meanSpend = data.Average(d => d.MeanSpend);
        var best = MaximumLikelihood.MinimizeLogParameters(NegLl, new[] { 0.0, 0.0, Math.Log(meanSpend) });
        return new GammaGammaModel(best[0], best[1], best[2], -NegLl(best));
    }

    /// <summary>
    /// Log-likelihood of one customer's mean spend m over x transactions (the density of m, as in the lifetimes
    /// library): lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v + x m).
    /// </summary>
    public static double CustomerLogLikelihood(double p, double q, double v, int x, double meanSpend)
    {
        var px = p * x;
        return GammaLn(px + q) - GammaLn(px) - GammaLn(q) + q * Math.Log(v) + (px - 1) * Math.Log(meanSpend)
            + px * Math.Log(x) - (px + q) * Math.Log(v + x * meanSpend);
    }

    /// <summary>
    /// E[Z | x, m] = p (v + x m) / (p x + q - 1), the expected spend per transaction of a customer with x repeat
    /// purchases of mean value m (for x = 0 the population mean p v / (q - 1)). Needs q &gt; 1.
    /// </summary>
    public double ExpectedAverageSpend(int x, double meanSpend)
    {
        if (x < 0) throw new ArgumentOutOfRangeException(nameof(x), x, "x must be nonnegative.");
        if (x > 0 && (!(meanSpend >= 0) || !double.IsFinite(meanSpend))) throw new ArgumentOutOfRangeException(nameof(meanSpend), meanSpend, "The mean spend must be finite and nonnegative.");
        var denominator = P * x + Q - 1.0;
        if (!(denominator > 0)) throw new InvalidOperationException($"The expected spend is infinite for q = {Q} <= 1 and x = {x}.");
        return x == 0 ? P * V / (Q - 1.0) : P * (V + x * meanSpend) / denominator;
    }
}

/// <summary>Customer value: expected purchases over a horizon times the expected spend per purchase (undiscounted).</summary>
public static class CustomerValue
{
    /// <summary>
    /// E[Y(horizon) | x, t_x, T] · E[Z | x, m]: the expected undiscounted spend of the customer in the next
    /// <paramref name="horizon"/> time units (in the unit of the models, e.g. weeks).
    /// </summary>
    public static double Expected(BgNbdModel purchases, GammaGammaModel spend, int x, double tx, double T, double meanSpend, double horizon)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(spend);
        return purchases.ExpectedPurchases(horizon, x, tx, T) * spend.ExpectedAverageSpend(x, meanSpend);
    }

    public static double Expected(BgNbdModel purchases, GammaGammaModel spend, CustomerSummary customer, double horizon)
    {
        ArgumentNullException.ThrowIfNull(customer);
        return Expected(purchases, spend, customer.Frequency, customer.RecencyT, customer.AgeT, customer.MeanRepeatSpend, horizon);
    }
}
