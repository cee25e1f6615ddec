using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Time;
using ChurnStream.Model;

namespace ChurnStream.Domain.Scoring;

/// <summary>A customer's BG/NBD inputs at one instant, in model time units: x repeat purchase days, t_x, T, and the mean repeat spend.</summary>
public readonly record struct ModelInputs(int X, double Tx, double T, double MeanRepeatSpend);

/// <summary>What the model says about a customer at one instant. <see cref="ExpectedValue"/> is null without a usable Gamma-Gamma model.</summary>
public readonly record struct ModelScore(double PAlive, double ExpectedPurchases, double? ExpectedValue, ModelInputs Inputs);

/// <summary>
/// The fitted BG/NBD (+ Gamma-Gamma) model as the stream uses it: immutable, built once from a model file by the host and
/// handed to the engine (<c>PartitionEngine.SetModel</c>); swapping it changes only the decisions taken after the swap,
/// since profiles keep the raw inputs (purchase days, first/last purchase, first-day and repeat spend).
/// <para>Inputs, with the model's time unit u = <c>timeUnitDays</c> days: x = distinct UTC purchase days − 1 (refunds
/// excluded); t_x = (last purchase day − first purchase day) / u; T = (evaluation instant − start of the first purchase
/// day) / u (at least t_x); mean repeat spend = spend of the purchase days after the first / x.</para>
/// </summary>
public sealed class ChurnModel
{
    public ChurnModel(BgNbdModel purchases, GammaGammaModel? spend, int timeUnitDays, double horizonPeriods)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeUnitDays, 1);
        if (!(horizonPeriods > 0) || !double.IsFinite(horizonPeriods)) throw new ArgumentOutOfRangeException(nameof(horizonPeriods), horizonPeriods, "the horizon must be positive");
        Purchases = purchases;
        Spend = spend is { Q: > 1 } ? spend : null; // E[Z] is infinite for q <= 1: no value then
        TimeUnitDays = timeUnitDays;
        HorizonPeriods = horizonPeriods;
        _unitMs = timeUnitDays * (double)EventTime.MillisPerDay;
    }

    /// <summary>From a model file (<c>churnstream model fit</c>) and the <c>Detection:Model</c> options.</summary>
    public static ChurnModel FromFile(ModelFile file, ChurnModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        return new ChurnModel(file.ToBgNbd(), file.ToGammaGamma(), file.TimeUnitDays, options.HorizonPeriods);
    }

    private readonly double _unitMs;

    public BgNbdModel Purchases { get; }
    public GammaGammaModel? Spend { get; }
    public int TimeUnitDays { get; }
    public double HorizonPeriods { get; }

    /// <summary>A one-line description for the start-up log.</summary>
    public string Describe() =>
        FormattableString.Invariant($"BG/NBD r={Purchases.R:0.####} alpha={Purchases.Alpha:0.####} a={Purchases.A:0.####} b={Purchases.B:0.####}, ") +
        (Spend is null ? "no Gamma-Gamma (no customer value)" : FormattableString.Invariant($"Gamma-Gamma p={Spend.P:0.####} q={Spend.Q:0.####} v={Spend.V:0.####}")) +
        FormattableString.Invariant($", unit {TimeUnitDays} days, horizon {HorizonPeriods} units");

    /// <summary>The inputs of a customer who has purchased, at <paramref name="atMs"/>; null before the first purchase.</summary>
    public ModelInputs? InputsOf(CustomerProfile p, long atMs)
    {
        if (p.PurchaseDays < 1 || p.FirstPurchaseMs == CustomerProfile.None || p.LastPurchaseMs == CustomerProfile.None) return null;
        var firstDay = EventTime.DayIndex(p.FirstPurchaseMs);
        var lastDay = EventTime.DayIndex(p.LastPurchaseMs);
        var x = p.PurchaseDays - 1;
        var tx = x == 0 ? 0.0 : Math.Max(0, lastDay - firstDay) / (double)TimeUnitDays;
        var T = Math.Max(tx, (atMs - firstDay * EventTime.MillisPerDay) / _unitMs);
        var mean = x == 0 ? 0.0 : Math.Max(0, p.RepeatSpend) / x;
        return new ModelInputs(x, tx, T, mean);
    }

    public ModelScore? Score(CustomerProfile p, long atMs) => InputsOf(p, atMs) is { } i ? Score(i) : null;

    public ModelScore Score(ModelInputs i)
    {
        var alive = Purchases.ProbabilityAlive(i.X, i.Tx, i.T);
        double expected;
        try
        {
            expected = Purchases.ExpectedPurchases(HorizonPeriods, i.X, i.Tx, i.T);
        }
        catch (ArithmeticException)
        {
            // Parameters far outside what the series can sum (a model fitted on data it does not describe): no figure
            // rather than a wrong one; the alert says null and the value tier falls back to spend and frequency.
            expected = double.NaN;
        }
        double? value = Spend is null || !double.IsFinite(expected) ? null : expected * Spend.ExpectedAverageSpend(i.X, i.MeanRepeatSpend);
        if (value is { } v && !double.IsFinite(v)) value = null;
        return new ModelScore(alive, expected, value, i);
    }

    public double ProbabilityAlive(CustomerProfile p, long atMs) =>
        InputsOf(p, atMs) is { } i ? Purchases.ProbabilityAlive(i.X, i.Tx, i.T) : 1.0;

    /// <summary>
    /// The instant from which P(alive) is below <paramref name="threshold"/> if the customer buys nothing more, or
    /// <see cref="CustomerProfile.None"/> when it never is (x = 0) or not within a century. P(alive) only falls with T while
    /// x and t_x stay, so: (α+T*) = (α+t_x)·[((1−θ)/θ)·(b+x−1)/a]^(1/(r+x)).
    /// </summary>
    public long BelowThresholdFromMs(CustomerProfile p, double threshold)
    {
        if (InputsOf(p, p.LastPurchaseMs) is not { X: > 0 } i) return CustomerProfile.None;
        var m = Purchases;
        var log = Math.Log(m.Alpha + i.Tx)
                  + (Math.Log((1 - threshold) / threshold) + Math.Log(m.B + i.X - 1) - Math.Log(m.A)) / (m.R + i.X);
        var tStar = Math.Exp(log) - m.Alpha;
        if (!double.IsFinite(tStar) || tStar * TimeUnitDays > 36_500) return CustomerProfile.None;
        var firstDayStart = EventTime.DayIndex(p.FirstPurchaseMs) * EventTime.MillisPerDay;
        return firstDayStart + (long)Math.Ceiling(Math.Max(tStar, i.Tx) * _unitMs);
    }
}
