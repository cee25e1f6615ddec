using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The decisions for one customer at one instant of event time: window reviews at bucket boundaries, inactivity
/// deadlines, and the segment set after each change. Alerts fire when a condition starts to hold and re-arm
/// when the customer recovers.
/// </summary>
public sealed class CustomerDecisions(DetectionOptions options, BucketClock clock)
{
    private static readonly AlertKind[] WindowKinds = [AlertKind.FrequencyDecline, AlertKind.SpendDecline, AlertKind.EngagementDecline];

    public DetectionOptions Options => options;
    public BucketClock Clock => clock;

    /// <summary>A timer of this customer is due at <paramref name="nowMs"/>.</summary>
    public void OnTimer(CustomerProfile p, long nowMs, IDecisionSink sink)
    {
        var deadline = InactivityClock.NextDeadline(p, options);
        if (deadline != CustomerProfile.None && deadline <= nowMs)
            FireInactivity(p, deadline, sink);

        if (clock.IsBoundary(nowMs) && HasDataForReview(p, clock.BucketOf(nowMs)))
            Review(p, clock.BucketOf(nowMs), nowMs, sink);

        PublishSegments(p, nowMs, sink);
    }

    /// <summary>After an event was applied: only the segments can change at an arbitrary instant.</summary>
    public void AfterEvent(CustomerProfile p, long atMs, IDecisionSink sink) => PublishSegments(p, atMs, sink);

    /// <summary>The next instant this customer needs attention without any new event, or <see cref="CustomerProfile.None"/>.</summary>
    public long NextTimer(CustomerProfile p, long afterMs)
    {
        var next = CustomerProfile.None;
        var boundary = clock.NextBoundaryAfter(afterMs);
        if (HasDataForReview(p, clock.BucketOf(boundary))) next = boundary;
        var deadline = InactivityClock.NextDeadline(p, options);
        if (deadline != CustomerProfile.None && (next == CustomerProfile.None || deadline < next))
            next = Math.Max(deadline, afterMs);
        return next;
    }

    /// <summary>A review can change something while any bucket of the horizon before the boundary holds activity.</summary>
    private bool HasDataForReview(CustomerProfile p, long boundaryBucket) =>
        p.Activity.IsAllocated && p.Activity.Head >= boundaryBucket - clock.HorizonBuckets;

    private void Review(CustomerProfile p, long boundaryBucket, long nowMs, IDecisionSink sink)
    {
        foreach (var kind in WindowKinds)
        {
            var f = DeclineRule.Evaluate(kind, p, boundaryBucket, clock, options);
            if (f.Holds && p.IsArmed(kind))
            {
                p.Disarm(kind);
                var metrics = new AlertMetrics(f.CurrentRate, f.BaselineRate, f.Ratio,
                    DeclineRule.OptionsFor(kind, options).RatioThreshold, DeclineRule.UnitOf(kind));
                Emit(p, kind, SeverityPolicy.DropLevel(f.Ratio), nowMs, stage: null, metrics, sink);
            }
            else if (!f.Holds && f.Recovered && !p.IsArmed(kind))
            {
                p.Rearm(kind);
            }
        }

        var d = DissatisfactionRule.Evaluate(p, boundaryBucket, clock, options.Dissatisfaction);
        if (d.Holds && p.IsArmed(AlertKind.Dissatisfaction))
        {
            p.Disarm(AlertKind.Dissatisfaction);
            var metrics = d.ByComplaints
                ? new AlertMetrics(d.Complaints, null, null, options.Dissatisfaction.ComplaintThreshold, "complaints")
                : new AlertMetrics(d.AverageFeedback ?? 0, null, null, options.Dissatisfaction.FeedbackScoreThreshold, "average_feedback_score");
            var level = d.ByComplaints && d.ByFeedback ? 2 : d.Complaints >= 2 * options.Dissatisfaction.ComplaintThreshold ? 2 : 1;
            Emit(p, AlertKind.Dissatisfaction, level, nowMs, stage: null, metrics, sink);
        }
        else if (!d.Holds && !p.IsArmed(AlertKind.Dissatisfaction))
        {
            p.Rearm(AlertKind.Dissatisfaction);
        }
    }

    private void FireInactivity(CustomerProfile p, long deadlineMs, IDecisionSink sink)
    {
        var reached = p.Stage == InactivityStage.Buying ? InactivityStage.Silent : InactivityStage.Lost;
        p.Stage = reached;
        if (reached == InactivityStage.Lost) p.WonBack = false;
        var threshold = InactivityClock.ThresholdDays(p, reached, options);
        var days = (double)(deadlineMs - p.LastPurchaseMs) / EventTime.MillisPerDay;
        var metrics = new AlertMetrics(days, null, null, threshold, "days_without_purchase");
        Emit(p, AlertKind.Inactivity, reached == InactivityStage.Lost ? 2 : 1, deadlineMs,
            reached == InactivityStage.Lost ? "lost" : "silent", metrics, sink);
    }

    private void Emit(CustomerProfile p, AlertKind kind, int dropLevel, long atMs, string? stage, AlertMetrics metrics, IDecisionSink sink)
    {
        // The alert carries the segments as they are once this decision is taken.
        var segments = SegmentPolicy.Classify(p, atMs, clock, options);
        var trailing = SegmentPolicy.Trailing(p, atMs, clock);
        var customer = new CustomerSnapshot(p.LifetimeSpend, p.Orders, p.FirstPurchaseMs, p.LastPurchaseMs, trailing.Spend, trailing.Purchases);
        var severity = SeverityPolicy.For(dropLevel, segments.Value);
        sink.OnAlert(new ChurnAlert(
            AlertIdentity.For(p.CustomerId, kind, atMs, stage), p.CustomerId, kind, severity, atMs, stage, metrics, segments, customer));
    }

    private void PublishSegments(CustomerProfile p, long atMs, IDecisionSink sink)
    {
        var now = SegmentPolicy.Classify(p, atMs, clock, options);
        if (p.HasSegments && now == p.Segments) return;
        var changes = SegmentPolicy.Diff(p.HasSegments ? p.Segments : null, now);
        p.Segments = now;
        p.HasSegments = true;
        sink.OnSegmentChange(new SegmentChange(p.CustomerId, atMs, changes, now));
    }
}
