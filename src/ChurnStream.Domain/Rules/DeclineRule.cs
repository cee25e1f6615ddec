using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Rules;

/// <summary>The customer's current rate against their own baseline rate, for one measure.</summary>
public readonly record struct DeclineFinding(
    double CurrentRate, double BaselineRate, double Ratio, bool HasBaseline, bool Holds, bool Recovered);

/// <summary>
/// Frequency, spend and engagement decline: the rate over the current window against the rate over the
/// baseline window right before it, both ending at a bucket boundary. A baseline is real when it counted at
/// least <see cref="DeclineRuleOptions.MinBaselineCount"/> events and predicts at least
/// <see cref="DeclineRuleOptions.MinExpectedCurrentCount"/> in the current window. The alert needs the ratio at or
/// below the threshold and a shortfall of at least <see cref="DeclineRuleOptions.MinShortfall"/> typical events (for
/// spend, or an average order worth at most the threshold share of a typical order).
/// </summary>
public static class DeclineRule
{
    public static DeclineFinding Evaluate(
        AlertKind kind, CustomerProfile p, long boundaryBucket, BucketClock clock, DetectionOptions options)
    {
        var windows = default(ReviewWindows);
        return Evaluate(kind, p, boundaryBucket, clock, options, ref windows);
    }

    /// <summary>As above; <paramref name="windows"/> carries the window sums from one kind to the next at the same review.</summary>
    public static DeclineFinding Evaluate(
        AlertKind kind, CustomerProfile p, long boundaryBucket, BucketClock clock, DetectionOptions options, ref ReviewWindows windows)
    {
        var rule = OptionsFor(kind, options);
        var currentStart = boundaryBucket - clock.CurrentBuckets;
        var baselineStart = currentStart - clock.BaselineBuckets;

        // Only the part of the baseline window the customer has existed for counts towards its length.
        var firstBucket = clock.BucketOf(p.FirstSeenMs);
        var observedBaselineBuckets = Math.Clamp(currentStart - Math.Max(firstBucket, baselineStart), 0, clock.BaselineBuckets);
        // Without a real baseline nothing can be said either way: an alert already given stays given.
        if (!rule.Enabled || observedBaselineBuckets == 0 || observedBaselineBuckets * options.BucketDays < rule.MinBaselineDays)
            return new DeclineFinding(0, 0, double.NaN, HasBaseline: false, Holds: false, Recovered: !rule.Enabled);

        if (!windows.Summed) windows = ReviewWindows.Sum(p, currentStart, baselineStart, boundaryBucket);
        var (current, baseline) = (windows.Current, windows.Baseline);
        var currentDays = options.CurrentWindowDays;
        var baselineDays = observedBaselineBuckets * options.BucketDays;

        var baselineCount = kind == AlertKind.EngagementDecline ? baseline.Interactions : baseline.Purchases;
        var (currentMeasure, baselineMeasure) = kind switch
        {
            AlertKind.FrequencyDecline => ((double)current.Purchases, (double)baseline.Purchases),
            AlertKind.SpendDecline => (Math.Max(0, current.Spend), Math.Max(0, baseline.Spend)),
            AlertKind.EngagementDecline => ((double)current.Interactions, (double)baseline.Interactions),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var currentRate = currentMeasure / currentDays;
        var baselineRate = baselineMeasure / baselineDays;
        var expectedCurrentCount = (double)baselineCount / baselineDays * currentDays;
        var hasBaseline = baselineCount >= rule.MinBaselineCount
                          && expectedCurrentCount >= rule.MinExpectedCurrentCount
                          && baselineRate > 0;
        if (!hasBaseline)
            return new DeclineFinding(currentRate, baselineRate, double.NaN, HasBaseline: false, Holds: false, Recovered: false);

        // The drop must also be worth at least MinShortfall typical events, so that a customer who buys every two
        // weeks is not 'declining' because one 30-day window happened to hold one purchase instead of two.
        var ratio = currentRate / baselineRate;
        var typical = baselineMeasure / baselineCount;
        var shortfall = (baselineRate * currentDays - currentMeasure) / typical;
        var significant = shortfall >= rule.MinShortfall;
        if (kind == AlertKind.SpendDecline && !significant && current.Purchases > 0)
        {
            // Spend can fall with every order still placed: then each order being worth at most the threshold
            // share of a typical one is the evidence, whatever the count.
            significant = currentMeasure / current.Purchases / typical <= rule.RatioThreshold;
        }
        return new DeclineFinding(currentRate, baselineRate, ratio, HasBaseline: true,
            Holds: ratio <= rule.RatioThreshold && significant, Recovered: ratio >= rule.RecoveryRatio);
    }

    public static DeclineRuleOptions OptionsFor(AlertKind kind, DetectionOptions options) => kind switch
    {
        AlertKind.FrequencyDecline => options.Frequency,
        AlertKind.SpendDecline => options.Spend,
        AlertKind.EngagementDecline => options.Engagement,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string UnitOf(AlertKind kind) => kind switch
    {
        AlertKind.FrequencyDecline => "purchases_per_day",
        AlertKind.SpendDecline => "spend_per_day",
        AlertKind.EngagementDecline => "interactions_per_day",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>The current and baseline window sums of one customer at one review, summed once for every decline kind.</summary>
public readonly record struct ReviewWindows(bool Summed, WindowTotals Current, WindowTotals Baseline)
{
    public static ReviewWindows Sum(CustomerProfile p, long currentStart, long baselineStart, long boundaryBucket) =>
        new(true, WindowTotals.Over(p.Activity, currentStart, boundaryBucket), WindowTotals.Over(p.Activity, baselineStart, currentStart));
}
