using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Segments;

/// <summary>Where a customer stands in each dimension, from the profile alone.</summary>
public static class SegmentPolicy
{
    /// <summary>Every dimension, with the value tier from the trailing amounts (no model, no quantiles).</summary>
    public static SegmentSet Classify(CustomerProfile p, long nowMs, BucketClock clock, DetectionOptions options)
    {
        var trailing = Trailing(p, nowMs, clock);
        return Classify(p, nowMs, clock, options, TierOf(trailing, options.Segments));
    }

    /// <summary>Every dimension, with the value tier decided by the caller (the model or the quantile sketch).</summary>
    public static SegmentSet Classify(CustomerProfile p, long nowMs, BucketClock clock, DetectionOptions options, ValueTier tier) =>
        Classify(p, nowMs, clock, options, tier, Trailing(p, nowMs, clock));

    /// <summary>Every dimension, with the value tier decided by the caller and the trailing totals it already summed.</summary>
    public static SegmentSet Classify(CustomerProfile p, long nowMs, BucketClock clock, DetectionOptions options, ValueTier tier, WindowTotals trailing) =>
        new(tier, LifecycleOf(p, trailing, options.Segments), ActivityOf(p), SentimentOf(p, nowMs, clock, options.Segments), SourceOf(p));

    /// <summary>
    /// From the current window ending with the bucket <paramref name="nowMs"/> falls in: <c>dissatisfied</c> with a complaint
    /// or an average feedback at or below <c>DissatisfiedMaxFeedback</c>; <c>satisfied</c> with feedback averaging at least
    /// <c>SatisfiedMinFeedback</c> and no complaint; else <c>neutral</c> (also with no feedback at all).
    /// </summary>
    public static Sentiment SentimentOf(CustomerProfile p, long nowMs, BucketClock clock, SegmentOptions o)
    {
        var ring = p.Sentiment;
        if (!ring.IsAllocated) return Sentiment.Neutral;
        var now = clock.BucketOf(nowMs);
        var windowStart = now - clock.CurrentBuckets + 1;
        if (ring.Head < windowStart) return Sentiment.Neutral; // nothing said within the window
        var s = SentimentTotals.Over(ring, windowStart, now + 1);
        var avg = s.AverageFeedback;
        if (s.Complaints > 0 || avg <= o.DissatisfiedMaxFeedback) return Sentiment.Dissatisfied;
        if (avg >= o.SatisfiedMinFeedback) return Sentiment.Satisfied;
        return Sentiment.Neutral;
    }

    /// <summary>The <c>customers</c> topic's source when a record was joined, else the first purchase's channel.</summary>
    public static AcquisitionSource SourceOf(CustomerProfile p) =>
        p.HasAttributes && p.AttributeSource != AcquisitionSource.Unknown ? p.AttributeSource : AcquisitionSources.FromName(p.FirstChannel);

    /// <summary>Tier from amount boundaries on the model's expected customer value over its horizon.</summary>
    public static ValueTier TierOfExpectedValue(double value, SegmentOptions o) =>
        value >= o.HighMinExpectedValue ? ValueTier.High : value >= o.MediumMinExpectedValue ? ValueTier.Medium : ValueTier.Low;

    /// <summary>Purchases and spend over the horizon ending with the bucket <paramref name="nowMs"/> falls in.</summary>
    public static WindowTotals Trailing(CustomerProfile p, long nowMs, BucketClock clock)
    {
        var now = clock.BucketOf(nowMs);
        return WindowTotals.Over(p.Activity, now - clock.HorizonBuckets + 1, now + 1);
    }

    public static ValueTier TierOf(WindowTotals trailing, SegmentOptions o)
    {
        if (trailing.Spend >= o.HighMinSpend && trailing.Purchases >= o.HighMinPurchases) return ValueTier.High;
        if (trailing.Spend >= o.MediumMinSpend || trailing.Purchases >= o.MediumMinPurchases) return ValueTier.Medium;
        return ValueTier.Low;
    }

    public static Lifecycle LifecycleOf(CustomerProfile p, WindowTotals trailing, SegmentOptions o)
    {
        if (!p.HasPurchased) return Lifecycle.Prospect;
        if (p.Stage == InactivityStage.Lost) return Lifecycle.Lost;
        if (trailing.Purchases >= o.LoyalMinPurchases) return Lifecycle.Loyal;
        if (p.WonBack) return Lifecycle.WonBack;
        return p.Orders == 1 ? Lifecycle.New : Lifecycle.Repeat;
    }

    public static ActivityStatus ActivityOf(CustomerProfile p) => p.Stage switch
    {
        InactivityStage.Lost => ActivityStatus.Lost,
        InactivityStage.Silent => ActivityStatus.Silent,
        _ when !p.IsArmed(AlertKind.FrequencyDecline) || !p.IsArmed(AlertKind.SpendDecline)
               || !p.IsArmed(AlertKind.EngagementDecline) || !p.IsArmed(AlertKind.ChurnRisk) => ActivityStatus.Declining,
        _ => ActivityStatus.Active,
    };

    /// <summary>The dimensions that differ between two sets; every dimension when there was none before.</summary>
    public static List<Outputs.SegmentTransition> Diff(SegmentSet? before, SegmentSet after)
    {
        var changes = new List<Outputs.SegmentTransition>(5);
        if (before?.Value != after.Value)
            changes.Add(new(SegmentDimension.Value, before?.Value.Name(), after.Value.Name()));
        if (before?.Lifecycle != after.Lifecycle)
            changes.Add(new(SegmentDimension.Lifecycle, before?.Lifecycle.Name(), after.Lifecycle.Name()));
        if (before?.Activity != after.Activity)
            changes.Add(new(SegmentDimension.Activity, before?.Activity.Name(), after.Activity.Name()));
        if (before?.Sentiment != after.Sentiment)
            changes.Add(new(SegmentDimension.Sentiment, before?.Sentiment.Name(), after.Sentiment.Name()));
        if (before?.Source != after.Source)
            changes.Add(new(SegmentDimension.Source, before?.Source.Name(), after.Source.Name()));
        return changes;
    }
}
