using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Scoring;

namespace ChurnStream.Domain.Tests.Support;

/// <summary>Feeds events to a fresh <see cref="PartitionEngine"/> (purchases on input 0, engagements on input 1) and collects what it decides.</summary>
public sealed class Driver
{
    public Driver(DetectionOptions? options = null, bool singleInput = false, ChurnModel? model = null)
    {
        Options = options ?? new DetectionOptions();
        Engine = new PartitionEngine(Options, singleInput ? 1 : 2, model);
        SingleInput = singleInput;
    }

    public DetectionOptions Options { get; }
    public PartitionEngine Engine { get; }
    public bool SingleInput { get; }
    public RecordingSink Sink { get; } = new();

    public Driver Feed(params CustomerEvent[] events) => Feed((IEnumerable<CustomerEvent>)events);

    public Driver Feed(IEnumerable<CustomerEvent> events)
    {
        foreach (var e in events) Engine.Accept(e, SingleInput || e.IsPurchase ? 0 : 1, Sink);
        return this;
    }

    /// <summary>Feeds the events sorted by event time.</summary>
    public Driver FeedInOrder(IEnumerable<CustomerEvent> events) =>
        Feed(events.OrderBy(e => e.OccurredAtMs).ThenBy(e => e.CustomerId, StringComparer.Ordinal));

    public Driver Flush()
    {
        Engine.Flush(Sink);
        return this;
    }

    public static Driver Run(IEnumerable<CustomerEvent> events, DetectionOptions? options = null, ChurnModel? model = null) =>
        new Driver(options, model: model).FeedInOrder(events).Flush();

    public Driver Attributes(CustomerAttributes attributes)
    {
        Engine.ApplyAttributes(attributes, Sink);
        return this;
    }

    public CustomerProfile Profile(string customer) => Engine.Profiles[customer];

    public IReadOnlyList<ChurnAlert> AlertsFor(string customer, AlertKind? kind = null) =>
        Sink.Alerts.Where(a => a.CustomerId == customer && (kind is null || a.Kind == kind)).ToList();

    public IReadOnlyList<SegmentChange> ChangesFor(string customer) =>
        Sink.SegmentChanges.Where(c => c.CustomerId == customer).ToList();

    /// <summary>The successive values of one segment dimension, starting with the first classification.</summary>
    public IReadOnlyList<string> Path(string customer, Segments.SegmentDimension dimension) =>
        ChangesFor(customer).SelectMany(c => c.Changes).Where(t => t.Dimension == dimension).Select(t => t.To).ToList();

    /// <summary>Every output record as its wire bytes (OutputJson), alerts and segment changes interleaved in emission order.</summary>
    public IReadOnlyList<byte[]> Wire() => Sink.Wire;

    public string WireText() => string.Join("\n", Sink.Wire.Select(b => System.Text.Encoding.UTF8.GetString(b)));
}

/// <summary>A collecting sink that also keeps one ordered log of the serialized outputs.</summary>
public sealed class RecordingSink : IDecisionSink
{
    public List<ChurnAlert> Alerts { get; } = [];
    public List<SegmentChange> SegmentChanges { get; } = [];
    public List<CustomerEvent> LateApplied { get; } = [];
    public List<CustomerEvent> LateDropped { get; } = [];
    public List<CustomerEvent> Duplicates { get; } = [];
    public List<byte[]> Wire { get; } = [];

    public void OnAlert(ChurnAlert alert)
    {
        Alerts.Add(alert);
        Wire.Add(OutputJson.Serialize(alert));
    }

    public void OnSegmentChange(SegmentChange change)
    {
        SegmentChanges.Add(change);
        Wire.Add(OutputJson.Serialize(change));
    }

    public void OnLateEvent(CustomerEvent evt, bool applied) => (applied ? LateApplied : LateDropped).Add(evt);
    public void OnDuplicate(CustomerEvent evt) => Duplicates.Add(evt);
}
