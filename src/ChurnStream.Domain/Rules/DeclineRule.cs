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
/// <see cref="DeclineRuleOptions.MinExpectedCurrentCount"/> in the current window. The ratio compared with the
/// threshold is smoothed: (current + k typical events) / (expected + k typical events), k = PriorCount.
/// </summary>
public static class DeclineRule
{
    public static DeclineFinding Evaluate(
        AlertKind kind, CustomerProfile p, long boundaryBucket, BucketClock clock, DetectionOptions options)
    {
        var rule = OptionsFor(kind, options);
        var currentStart = boundaryBucket - clock.CurrentBuckets;
        var baselineStart = currentStart - clock.BaselineBuckets;

        // Only the part of the baseline window the customer has existed for counts towards its length.
        var firstBucket = clock.BucketOf(p.FirstSeenMs);
        var observedBaselineBuckets = Math.Clamp(currentStart - Math.Max(firstBucket, baselineStart), 0, clock.BaselineBuckets);
        if (!rule.Enabled || observedBaselineBuckets == 0 || observedBaselineBuckets * options.BucketDays < rule.MinBaselineDays)
            return new DeclineFinding(0, 0, double.NaN, HasBaseline: false, Holds: false, Recovered: true);

        var current = WindowTotals.Over(p.Activity, currentStart, boundaryBucket);
        var baseline = WindowTotals.Over(p.Activity, baselineStart, currentStart);
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
            return new DeclineFinding(currentRate, baselineRate, double.NaN, HasBaseline: false, Holds: false, Recovered: true);

        // Shrink both sides towards each other by a prior of PriorCount typical events, so that a customer who
        // buys every two weeks is not 'declining' because one 30-day window happened to hold one purchase.
        var typical = baselineMeasure / baselineCount;
        var prior = rule.PriorCount * typical;
        var ratio = (currentMeasure + prior) / (baselineRate * currentDays + prior);
        return new DeclineFinding(currentRate, baselineRate, ratio, HasBaseline: true,
            Holds: ratio <= rule.RatioThreshold, Recovered: ratio >= rule.RecoveryRatio);
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
