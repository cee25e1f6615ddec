using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Segments;

/// <summary>Where a customer stands in each dimension, from the profile alone.</summary>
public static class SegmentPolicy
{
    public static SegmentSet Classify(CustomerProfile p, long nowMs, BucketClock clock, DetectionOptions options)
    {
        var trailing = Trailing(p, nowMs, clock);
        return new SegmentSet(TierOf(trailing, options.Segments), LifecycleOf(p, trailing, options.Segments), ActivityOf(p));
    }

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
               || !p.IsArmed(AlertKind.EngagementDecline) => ActivityStatus.Declining,
        _ => ActivityStatus.Active,
    };

    /// <summary>The dimensions that differ between two sets; every dimension when there was none before.</summary>
    public static List<Outputs.SegmentTransition> Diff(SegmentSet? before, SegmentSet after)
    {
        var changes = new List<Outputs.SegmentTransition>(3);
        if (before?.Value != after.Value)
            changes.Add(new(SegmentDimension.Value, before?.Value.Name(), after.Value.Name()));
        if (before?.Lifecycle != after.Lifecycle)
            changes.Add(new(SegmentDimension.Lifecycle, before?.Lifecycle.Name(), after.Lifecycle.Name()));
        if (before?.Activity != after.Activity)
            changes.Add(new(SegmentDimension.Activity, before?.Activity.Name(), after.Activity.Name()));
        return changes;
    }
}
