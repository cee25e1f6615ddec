using ChurnStream.Domain.Advice;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The decisions for one customer at one instant of event time: window reviews at bucket boundaries (including the
/// model's <c>churn_risk</c>), inactivity deadlines, and the segment set after each change. Alerts fire when a condition
/// starts to hold and re-arm when the customer recovers. Every alert carries the model's score (when a model is set), a
/// suspected reason with its evidence, a recommended action from the playbook and a priority.
/// </summary>
public sealed class CustomerDecisions
{
    private static readonly AlertKind[] WindowKinds = [AlertKind.FrequencyDecline, AlertKind.SpendDecline, AlertKind.EngagementDecline];

    private readonly DetectionOptions options;
    private readonly BucketClock clock;
    private readonly Playbook _playbook;

    public CustomerDecisions(DetectionOptions options, BucketClock clock, ChurnModel? model = null)
    {
        this.options = options;
        this.clock = clock;
        _playbook = new Playbook(options.Playbook);
        Model = model;
    }

    public DetectionOptions Options => options;
    public BucketClock Clock => clock;

    /// <summary>The churn model, or null (rules only). Swappable at any time: profiles keep the raw inputs.</summary>
    public ChurnModel? Model { get; set; }

    /// <summary>The partition's value-score sketch (used when <c>Detection:Segments:TierBy</c> is <c>quantiles</c>).</summary>
    public ValueSketch Sketch { get; } = new();

    /// <summary>A timer of this customer is due at <paramref name="nowMs"/>.</summary>
    public void OnTimer(CustomerProfile p, long nowMs, IDecisionSink sink)
    {
        var deadline = InactivityClock.NextDeadline(p, options);
        if (deadline != CustomerProfile.None && deadline <= nowMs)
            FireInactivity(p, deadline, sink);

        if (clock.IsBoundary(nowMs))
        {
            if (HasDataForReview(p, clock.BucketOf(nowMs))) Review(p, clock.BucketOf(nowMs), nowMs, sink);
            ReviewChurnRisk(p, nowMs, sink);
        }

        PublishSegments(p, nowMs, sink);
    }

    /// <summary>After an event was applied: only the segments can change at an arbitrary instant.</summary>
    public void AfterEvent(CustomerProfile p, long atMs, IDecisionSink sink) => PublishSegments(p, atMs, sink);

    /// <summary>
    /// Whether <paramref name="e"/>, about to be applied, leaves the published segments as they are, so that classifying
    /// again after it would be wasted: it counts only as an interaction and falls in the bucket the segments were
    /// classified in, with nothing changed since (see <see cref="CustomerProfile.SegmentsBucketAfterHead"/>).
    /// </summary>
    public bool LeavesSegmentsUnchanged(CustomerProfile p, CustomerEvent e) =>
        p.SegmentsBucketAfterHead >= 0 && ProfileUpdater.CountsOnlyAsInteraction(e.Kind)
        && p.Activity.Head + p.SegmentsBucketAfterHead == clock.BucketOf(e.OccurredAtMs);

    /// <summary>An event <see cref="LeavesSegmentsUnchanged"/> was applied: it made the bucket of the segments the head.</summary>
    public static void KeepSegments(CustomerProfile p) => p.SegmentsBucketAfterHead = 0;

    /// <summary>After a <c>customers</c> record was joined: re-publishes the segments (at <paramref name="atMs"/>) if any changed, once the customer has segments.</summary>
    public void AfterAttributes(CustomerProfile p, long atMs, IDecisionSink sink)
    {
        if (p.HasSegments) PublishSegments(p, atMs, sink);
    }

    /// <summary>The next instant this customer needs attention without any new event, or <see cref="CustomerProfile.None"/>.</summary>
    public long NextTimer(CustomerProfile p, long afterMs)
    {
        var next = CustomerProfile.None;
        var boundary = clock.NextBoundaryAfter(afterMs);
        if (HasDataForReview(p, clock.BucketOf(boundary))) next = boundary;
        var deadline = InactivityClock.NextDeadline(p, options);
        if (deadline != CustomerProfile.None && (next == CustomerProfile.None || deadline < next))
            next = Math.Max(deadline, afterMs);
        var risk = NextChurnRiskReview(p, afterMs);
        if (risk != CustomerProfile.None && (next == CustomerProfile.None || risk < next))
            next = risk;
        return next;
    }

    /// <summary>
    /// The first bucket boundary after <paramref name="afterMs"/> at which P(alive) is below the threshold, if the
    /// customer buys nothing more: a timer there makes <c>churn_risk</c> fire on silence alone, at a review point.
    /// </summary>
    private long NextChurnRiskReview(CustomerProfile p, long afterMs)
    {
        if (Model is not { } model || !options.Model.ChurnRiskEnabled || !p.IsArmed(AlertKind.ChurnRisk)
            || p.PurchaseDays - 1 < options.Model.MinRepeatPurchases)
            return CustomerProfile.None;
        var from = model.BelowThresholdFromMs(p, options.Model.ChurnRiskThreshold);
        if (from == CustomerProfile.None) return CustomerProfile.None;
        if (from <= afterMs) return clock.NextBoundaryAfter(afterMs);
        return clock.IsBoundary(from) ? from : clock.NextBoundaryAfter(from);
    }

    /// <summary>A review can change something while any bucket of the horizon before the boundary holds activity.</summary>
    private bool HasDataForReview(CustomerProfile p, long boundaryBucket) =>
        p.Activity.IsAllocated && p.Activity.Head >= boundaryBucket - clock.HorizonBuckets;

    private void Review(CustomerProfile p, long boundaryBucket, long nowMs, IDecisionSink sink)
    {
        var windows = default(ReviewWindows);
        foreach (var kind in WindowKinds)
        {
            var f = DeclineRule.Evaluate(kind, p, boundaryBucket, clock, options, ref windows);
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

    /// <summary>
    /// <c>churn_risk</c> at a bucket boundary: fires when P(alive) is below the threshold for a customer with at least
    /// <c>MinRepeatPurchases</c> repeat purchase days; re-arms at or above the recovery threshold (or when no model is set).
    /// </summary>
    private void ReviewChurnRisk(CustomerProfile p, long nowMs, IDecisionSink sink)
    {
        var o = options.Model;
        if (Model is not { } model || !o.ChurnRiskEnabled)
        {
            if (!p.IsArmed(AlertKind.ChurnRisk)) p.Rearm(AlertKind.ChurnRisk);
            return;
        }
        if (model.InputsOf(p, nowMs) is not { } inputs) return;
        var alive = model.Purchases.ProbabilityAlive(inputs.X, inputs.Tx, inputs.T);
        if (p.IsArmed(AlertKind.ChurnRisk) && inputs.X >= o.MinRepeatPurchases && alive < o.ChurnRiskThreshold)
        {
            p.Disarm(AlertKind.ChurnRisk);
            var metrics = new AlertMetrics(alive, null, null, o.ChurnRiskThreshold, "p_alive");
            Emit(p, AlertKind.ChurnRisk, alive <= 0.1 ? 2 : alive <= 0.3 ? 1 : 0, nowMs, stage: null, metrics, sink);
        }
        else if (!p.IsArmed(AlertKind.ChurnRisk) && alive >= o.RecoveryThreshold)
        {
            p.Rearm(AlertKind.ChurnRisk);
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
        var score = Model?.Score(p, atMs);
        var segments = Classify(p, atMs, score);
        var trailing = SegmentPolicy.Trailing(p, atMs, clock);
        var customer = new CustomerSnapshot(p.LifetimeSpend, p.Orders, p.FirstPurchaseMs, p.LastPurchaseMs, trailing.Spend, trailing.Purchases);
        var severity = SeverityPolicy.For(dropLevel, segments.Value);
        var (reason, evidence) = ReasonAnalyzer.Infer(kind, p, atMs, clock, options);
        var advice = new AlertAdvice(reason, evidence, _playbook.ActionFor(kind, stage, reason, segments.Value),
            PriorityPolicy.For(segments.Value, severity));
        sink.OnAlert(new ChurnAlert(
            AlertIdentity.For(p.CustomerId, kind, atMs, stage), p.CustomerId, kind, severity, atMs, stage, metrics, segments, customer,
            score, advice));
    }

    /// <summary>
    /// The segment set at <paramref name="atMs"/>. Value tier: with a model that has Gamma-Gamma, from the expected value
    /// over the model horizon; else from trailing spend and purchases; by amounts, or (TierBy = quantiles, once the
    /// partition's sketch holds <c>QuantileMinCustomers</c>) by the customer's score's rank in the partition.
    /// </summary>
    private SegmentSet Classify(CustomerProfile p, long atMs, ModelScore? score)
    {
        var so = options.Segments;
        var trailing = SegmentPolicy.Trailing(p, atMs, clock);
        ValueTier tier;
        double value;
        if (score is { ExpectedValue: { } expected })
        {
            tier = SegmentPolicy.TierOfExpectedValue(expected, so);
            value = expected;
        }
        else
        {
            tier = SegmentPolicy.TierOf(trailing, so);
            value = trailing.Spend;
        }
        if (so.TierByQuantiles && p.HasPurchased)
        {
            var bin = ValueSketch.BinOf(value);
            Sketch.Move(p.TierSketchBin, bin);
            p.TierSketchBin = bin;
            if (Sketch.Count >= so.QuantileMinCustomers)
            {
                var below = Sketch.ShareBelow(bin);
                tier = below >= so.HighQuantile ? ValueTier.High : below >= so.MediumQuantile ? ValueTier.Medium : ValueTier.Low;
            }
        }
        return SegmentPolicy.Classify(p, atMs, clock, options, tier, trailing);
    }

    private void PublishSegments(CustomerProfile p, long atMs, IDecisionSink sink)
    {
        var byExpectedValue = Model is { Spend: not null };
        var now = Classify(p, atMs, byExpectedValue ? Model!.Score(p, atMs) : null);
        // Within one bucket the set depends on the profile alone, unless the model's expected value (which moves with
        // every instant) or the partition's quantile sketch (which other customers move) decides the tier.
        p.SegmentsBucketAfterHead = byExpectedValue || options.Segments.TierByQuantiles || !p.Activity.IsAllocated
            ? -1 : (int)Math.Clamp(clock.BucketOf(atMs) - p.Activity.Head, -1, CustomerProfile.MaxSegmentsBucketAfterHead + 1);
        if (p.HasSegments && now == p.Segments) return;
        var changes = SegmentPolicy.Diff(p.HasSegments ? p.Segments : null, now);
        p.Segments = now;
        p.HasSegments = true;
        sink.OnSegmentChange(new SegmentChange(p.CustomerId, atMs, changes, now));
    }
}
