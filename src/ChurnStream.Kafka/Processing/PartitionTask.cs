using Confluent.Kafka;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Segments;
using ChurnStream.Observability;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// The processor of one partition number: partition p of every input topic feeds one <see cref="PartitionEngine"/>,
/// whose decisions go straight to the output producer.
/// </summary>
public sealed class PartitionTask : IDecisionSink
{
    public const int PurchasesInput = 0, EngagementsInput = 1, RepartitionInput = 2;

    private readonly OutputProducer _output;
    private readonly ChurnStreamMetrics _metrics;
    private readonly long[] _segmentCounts = new long[SegmentCounter.Size];
    private ConsumeResult<byte[], byte[]>? _current;
    private CustomerEvent? _currentEvent;

    public PartitionTask(int partition, DetectionOptions detection, OutputProducer output, ChurnStreamMetrics metrics)
    {
        Partition = partition;
        Engine = new PartitionEngine(detection, inputCount: 3);
        _output = output;
        _metrics = metrics;
    }

    public int Partition { get; }
    public PartitionEngine Engine { get; }
    public long LastEventWallMs { get; private set; } = Environment.TickCount64;
    public ReadOnlySpan<long> SegmentCounts => _segmentCounts;

    public void Accept(ConsumeResult<byte[], byte[]> source, CustomerEvent evt, int input)
    {
        _current = source;
        _currentEvent = evt;
        LastEventWallMs = Environment.TickCount64;
        try
        {
            Engine.Accept(evt, input, this);
        }
        finally
        {
            _current = null;
            _currentEvent = null;
        }
    }

    public void SetIdle(int input) => Engine.SetInputIdle(input, idle: true, this);

    public void AdvanceWatermark(long watermarkMs) => Engine.AdvanceWatermarkTo(watermarkMs, this);

    public void OnAlert(ChurnAlert alert) => _output.Alert(alert, _current?.Message.Timestamp ?? default);

    public void OnSegmentChange(SegmentChange change)
    {
        SegmentCounter.Apply(_segmentCounts, change);
        _output.SegmentChange(change, _current?.Message.Timestamp ?? default);
    }

    public void OnLateEvent(CustomerEvent evt, bool applied)
    {
        _metrics.LateEvent(applied ? LateEventDisposition.Applied : LateEventDisposition.Dropped);
        // A dropped late event is decided while its own message is being handled: keep its bytes in the DLQ.
        if (!applied && _current is not null && ReferenceEquals(evt, _currentEvent))
            _output.DeadLetter(_current, new Rejection(RejectReason.Late,
                $"event time {Domain.Time.EventTime.Format(evt.OccurredAtMs)} is older than the profile horizon behind the watermark"));
    }

    public void OnDuplicate(CustomerEvent evt) => _metrics.DuplicateEvent();
}

/// <summary>Customers per segment, kept from the stream of segment changes (a customer's first change has no 'from').</summary>
public static class SegmentCounter
{
    public const int Size = 3 + 6 + 4;

    public static void Apply(long[] counts, SegmentChange change)
    {
        foreach (var t in change.Changes)
        {
            if (t.From is not null) counts[IndexOf(t.Dimension, t.From)]--;
            counts[IndexOf(t.Dimension, t.To)]++;
        }
    }

    public static IEnumerable<(string Dimension, string Segment, int Index)> All()
    {
        foreach (var v in Enum.GetValues<ValueTier>()) yield return ("value", v.Name(), (int)v);
        foreach (var l in Enum.GetValues<Lifecycle>()) yield return ("lifecycle", l.Name(), 3 + (int)l);
        foreach (var a in Enum.GetValues<ActivityStatus>()) yield return ("activity", a.Name(), 9 + (int)a);
    }

    private static int IndexOf(SegmentDimension dimension, string name)
    {
        foreach (var (d, s, i) in All())
            if (d == dimension.Name() && s == name) return i;
        throw new ArgumentException($"unknown segment {dimension.Name()}={name}");
    }
}
