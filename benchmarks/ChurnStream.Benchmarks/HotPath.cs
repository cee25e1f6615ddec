using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Time;
using ChurnStream.Simulation;

BenchmarkSwitcher.FromAssembly(typeof(Population).Assembly).Run(args);

/// <summary>One generated population (200 customers over a year, seed 7), parsed once, shared by every benchmark.</summary>
public static class Population
{
    public static readonly (InputTopic Topic, byte[] Json)[] Messages = new PopulationGenerator(new GeneratorOptions { Customers = 200, Days = 365, Seed = 7 })
        .GenerateEvents()
        .Select(e => (e.Topic == Topics.Purchases ? InputTopic.Purchases : InputTopic.Engagements, e.Json))
        .ToArray();

    public static readonly CustomerEvent[] Events = Messages
        .Select(m => EventParser.Default.TryParse(m.Json, m.Topic, out var e, out _) ? e : throw new InvalidOperationException("unparsable"))
        .ToArray();

    public static readonly DetectionOptions Options = new();

    /// <summary>What the engine decides over the population (for the serialisation benchmarks).</summary>
    public static readonly CollectingSink Decisions = Decide();

    private static CollectingSink Decide()
    {
        var sink = new CollectingSink();
        var engine = new PartitionedEngine(Options, 6);
        foreach (var e in Events) engine.Accept(e, sink);
        engine.Flush(sink);
        return sink;
    }
}

/// <summary>A sink that keeps nothing.</summary>
public sealed class NullSink : IDecisionSink
{
    public static readonly NullSink Instance = new();
    public void OnAlert(ChurnAlert alert) { }
    public void OnSegmentChange(SegmentChange change) { }
    public void OnLateEvent(CustomerEvent evt, bool applied) { }
    public void OnDuplicate(CustomerEvent evt) { }
}

/// <summary>Per-event costs; OperationsPerInvoke = events, so every figure is per event.</summary>
[MemoryDiagnoser]
public class HotPath
{
    private const int Ops = 1000;
    private (InputTopic Topic, byte[] Json)[] _messages = null!;
    private CustomerEvent[] _events = null!;
    private BucketClock _clock = null!;
    private SegmentChange[] _changes = null!;
    private ChurnAlert[] _alerts = null!;

    [GlobalSetup]
    public void Setup()
    {
        _messages = Population.Messages.Take(Ops).ToArray();
        _events = Population.Events.Take(Ops).ToArray();
        _clock = new BucketClock(Population.Options);
        _changes = Population.Decisions.SegmentChanges.Take(Ops).ToArray();
        _alerts = Population.Decisions.Alerts.Take(Ops).ToArray();
    }

    /// <summary>Bytes to event (Utf8JsonReader, timestamp, ids).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public int Parse()
    {
        var n = 0;
        foreach (var (topic, json) in _messages)
            if (EventParser.Default.TryParse(json, topic, out _, out _)) n++;
        return n;
    }

    /// <summary>Folding events into profiles (no buffer, no decision).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public int ProfileUpdate()
    {
        var profiles = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
        var n = 0;
        foreach (var e in _events)
        {
            if (!profiles.TryGetValue(e.CustomerId, out var p)) profiles[e.CustomerId] = p = new CustomerProfile(e.CustomerId);
            if (ProfileUpdater.Apply(p, e, _clock) == ApplyOutcome.Applied) n++;
        }
        return n;
    }

    /// <summary>The engine on parsed events: buffer, watermark, update, decisions (segments, timers, alerts).</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long Engine()
    {
        var engine = new PartitionedEngine(Population.Options, 6);
        foreach (var e in _events) engine.Accept(e, NullSink.Instance);
        engine.Flush(NullSink.Instance);
        return engine.Partitions.Sum(p => p.EventsApplied);
    }

    /// <summary>Parse + engine: what <c>engine_events_per_s</c> of <c>churnstream bench</c> measures.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public long ParseAndEngine()
    {
        var engine = new PartitionedEngine(Population.Options, 6);
        foreach (var (topic, json) in _messages)
            if (EventParser.Default.TryParse(json, topic, out var e, out _)) engine.Accept(e, NullSink.Instance);
        engine.Flush(NullSink.Instance);
        return engine.Partitions.Sum(p => p.EventsApplied);
    }

    /// <summary>Output serialisation, per segment-change record.</summary>
    [Benchmark]
    public int SerializeSegmentChanges()
    {
        var n = 0;
        foreach (var c in _changes) n += OutputJson.Serialize(c).Length;
        return n;
    }

    /// <summary>Output serialisation, per alert record.</summary>
    [Benchmark]
    public int SerializeAlerts()
    {
        var n = 0;
        foreach (var a in _alerts) n += OutputJson.Serialize(a).Length;
        return n;
    }

    /// <summary>Profile changelog codec (encode + decode), per profile.</summary>
    [Benchmark]
    public int ProfileCodecRoundTrip()
    {
        var n = 0;
        var engine = new PartitionedEngine(Population.Options, 1);
        foreach (var e in _events) engine.Accept(e, NullSink.Instance);
        foreach (var p in engine.Partitions[0].Profiles.Values)
        {
            var bytes = ProfileCodec.Encode(p, _clock);
            n += ProfileCodec.Decode(p.CustomerId, bytes, _clock).Orders;
        }
        return n;
    }
}

/// <summary>
/// The event buffer in a backlog: 100,000 events of three inputs (each in event time, as a log is read) all buffered
/// before any is taken out, as when the watermark waits for another input, then drained; per event. One heap over
/// everything (how the buffer held them before) against a run per input.
/// </summary>
[MemoryDiagnoser]
public class BacklogBuffer
{
    private const int Ops = 100_000;
    private CustomerEvent[] _events = null!;
    private int[] _inputs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var source = Population.Events.OrderBy(e => e.OccurredAtMs).ToArray();
        var span = source[^1].OccurredAtMs - source[0].OccurredAtMs + 1;
        _events = new CustomerEvent[Ops];
        _inputs = new int[Ops];
        for (var i = 0; i < Ops; i++)
        {
            var e = source[i % source.Length];
            _events[i] = e with { OccurredAtMs = e.OccurredAtMs + span * (i / source.Length) };
            _inputs[i] = i % 100 == 0 ? 2 : e.IsPurchase ? 0 : 1;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Ops)]
    public int OneHeap() => FillAndDrain(useInputs: false);

    [Benchmark(OperationsPerInvoke = Ops)]
    public int RunPerInput() => FillAndDrain(useInputs: true);

    private int FillAndDrain(bool useInputs)
    {
        var buffer = new EventBuffer(inputs: 3);
        for (var i = 0; i < _events.Length; i++) buffer.Enqueue(_events[i], useInputs ? _inputs[i] : EventBuffer.NoInput);
        var n = 0;
        while (buffer.TryPeek(out _))
        {
            buffer.Dequeue();
            n++;
        }
        return n;
    }
}
