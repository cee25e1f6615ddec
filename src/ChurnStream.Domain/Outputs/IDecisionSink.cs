using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Outputs;

/// <summary>Where the engine hands what it decides and what it could not use. Called in event-time order.</summary>
public interface IDecisionSink
{
    void OnAlert(ChurnAlert alert);

    void OnSegmentChange(SegmentChange change);

    /// <summary>An event that arrived behind the watermark: applied when still within the horizon, else dropped.</summary>
    void OnLateEvent(CustomerEvent evt, bool applied);

    void OnDuplicate(CustomerEvent evt);
}

/// <summary>A sink that keeps everything in lists; for tests, backfill and the demo summary.</summary>
public sealed class CollectingSink : IDecisionSink
{
    public List<ChurnAlert> Alerts { get; } = [];
    public List<SegmentChange> SegmentChanges { get; } = [];
    public List<CustomerEvent> LateApplied { get; } = [];
    public List<CustomerEvent> LateDropped { get; } = [];
    public List<CustomerEvent> Duplicates { get; } = [];

    public void OnAlert(ChurnAlert alert) => Alerts.Add(alert);
    public void OnSegmentChange(SegmentChange change) => SegmentChanges.Add(change);
    public void OnLateEvent(CustomerEvent evt, bool applied) => (applied ? LateApplied : LateDropped).Add(evt);
    public void OnDuplicate(CustomerEvent evt) => Duplicates.Add(evt);
}
