using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Advice;

/// <summary>
/// What an alert's reason rests on. Window figures are over the current window ending at the alert (complaints, average
/// feedback) and current rate / baseline rate (purchases, interactions; null without a baseline); the stated reason and
/// the last service signal count when within the horizon (current + baseline window) before the alert.
/// </summary>
public readonly record struct ReasonEvidence(
    int Complaints,
    double? AverageFeedback,
    double? InteractionRatio,
    double? PurchaseRatio,
    StatedReason StatedReason,
    long ServiceSignalMs);

/// <summary>
/// The suspected reason of an alert, in this order:
/// <list type="number">
/// <item>a reason the customer stated (feedback or complaint <c>reason</c>) within the horizon: <c>price</c>, <c>service</c>,
/// <c>need</c> → price, service, need_change;</item>
/// <item><c>service</c> when a complaint or low feedback (1-2, or a current-window average at or below the dissatisfaction
/// threshold) preceded the alert within the horizon (current window or baseline);</item>
/// <item>when purchases fell (the alert is about purchases: frequency, spend, inactivity, churn_risk; or the purchase rate
/// is at most <c>PurchaseFellRatio</c> of the baseline): <c>price</c> if the customer keeps engaging (interaction rate at
/// least <c>EngagementKeptRatio</c> of the baseline), <c>need_change</c> if engagement fell too (at most
/// <c>EngagementFellRatio</c>);</item>
/// <item>else <c>unknown</c> (also without an interaction baseline).</item>
/// </list>
/// </summary>
public static class ReasonAnalyzer
{
    public static (SuspectedReason Reason, ReasonEvidence Evidence) Infer(
        AlertKind kind, CustomerProfile p, long atMs, BucketClock clock, DetectionOptions options)
    {
        // Windows end with the boundary at a review, or include the bucket in progress at a deadline.
        var end = clock.IsBoundary(atMs) ? clock.BucketOf(atMs) : clock.BucketOf(atMs) + 1;
        var currentStart = end - clock.CurrentBuckets;
        var baselineStart = currentStart - clock.BaselineBuckets;
        var firstBucket = p.FirstSeenMs == CustomerProfile.None ? currentStart : clock.BucketOf(p.FirstSeenMs);
        var observedBaselineBuckets = Math.Clamp(currentStart - Math.Max(firstBucket, baselineStart), 0, clock.BaselineBuckets);
        var current = WindowTotals.Over(p.Activity, currentStart, end);
        var baseline = WindowTotals.Over(p.Activity, baselineStart, currentStart);
        var sentiment = SentimentTotals.Over(p.Sentiment, currentStart, end);
        var baselineDays = (double)observedBaselineBuckets * options.BucketDays;

        double? Ratio(double now, double before) =>
            baselineDays > 0 && before > 0 ? now / options.CurrentWindowDays / (before / baselineDays) : null;
        var interactionRatio = Ratio(current.Interactions, baseline.Interactions);
        var purchaseRatio = Ratio(current.Purchases, baseline.Purchases);
        var spendRatio = Ratio(Math.Max(0, current.Spend), Math.Max(0, baseline.Spend));

        var horizonStart = atMs - options.HorizonDays * EventTime.MillisPerDay;
        bool InHorizon(long t) => t != CustomerProfile.None && t <= atMs && t >= horizonStart;
        var stated = InHorizon(p.LastStatedReasonMs) ? p.LastStatedReason : StatedReason.None;
        var serviceSignal = InHorizon(p.LastServiceSignalMs) ? p.LastServiceSignalMs : CustomerProfile.None;
        var evidence = new ReasonEvidence(sentiment.Complaints, sentiment.AverageFeedback, interactionRatio, purchaseRatio, stated, serviceSignal);

        switch (stated)
        {
            case StatedReason.Price: return (SuspectedReason.Price, evidence);
            case StatedReason.Service: return (SuspectedReason.Service, evidence);
            case StatedReason.Need: return (SuspectedReason.NeedChange, evidence);
        }
        var lowFeedback = sentiment.AverageFeedback is { } avg && avg <= options.Dissatisfaction.FeedbackScoreThreshold;
        if (sentiment.Complaints > 0 || lowFeedback || serviceSignal != CustomerProfile.None)
            return (SuspectedReason.Service, evidence);

        var r = options.Reasons;
        var purchasesFell = kind is AlertKind.FrequencyDecline or AlertKind.SpendDecline or AlertKind.Inactivity or AlertKind.ChurnRisk
                            || purchaseRatio <= r.PurchaseFellRatio || spendRatio <= r.PurchaseFellRatio;
        if (purchasesFell && interactionRatio is { } ir)
        {
            if (ir >= r.EngagementKeptRatio) return (SuspectedReason.Price, evidence);
            if (ir <= r.EngagementFellRatio) return (SuspectedReason.NeedChange, evidence);
        }
        return (SuspectedReason.Unknown, evidence);
    }
}
