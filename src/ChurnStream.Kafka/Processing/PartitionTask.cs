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

    private readonly long[] _sourceWatermarks;
    private long _lastMarker = long.MinValue;
    private long _lastMarkerWallMs;

    public PartitionTask(int partition, int partitionCount, DetectionOptions detection, OutputProducer output, ChurnStreamMetrics metrics)
    {
        Partition = partition;
        Engine = new PartitionEngine(detection, inputCount: 3);
        Engine.DriveByWatermarks(RepartitionInput);
        _sourceWatermarks = Enumerable.Repeat(long.MinValue, partitionCount).ToArray();
        _output = output;
        _metrics = metrics;
    }

    /// <summary>
    /// A watermark record from partition <paramref name="source"/> arrived on this partition of the repartition
    /// topic. The repartition input advances to the smallest watermark over all sources (as Flink combines the
    /// watermarks of a shuffle), so forwarded events are applied in event-time order with the local ones.
    /// </summary>
    public void ObserveSourceWatermark(int source, long watermarkMs)
    {
        if ((uint)source >= (uint)_sourceWatermarks.Length || watermarkMs <= _sourceWatermarks[source]) return;
        _sourceWatermarks[source] = watermarkMs;
        var min = long.MaxValue;
        foreach (var w in _sourceWatermarks) min = Math.Min(min, w);
        if (min == long.MinValue) return; // some source has not spoken yet
        if (min == long.MaxValue) Engine.SetInputIdle(RepartitionInput, idle: true, this);
        else Engine.ObserveInputWatermark(RepartitionInput, min, this);
    }

    /// <summary>
    /// The watermark this partition announces to every partition of the repartition topic, when it moved by at
    /// least <paramref name="minStepMs"/> of event time or <paramref name="maxQuietMs"/> of wall time passed; null when
    /// there is nothing new to say. <see cref="long.MaxValue"/> means: no input here at all.
    /// </summary>
    public long? NextMarker(long minStepMs, long maxQuietMs)
    {
        var w = Engine.OwnInputsWatermark;
        if (w == long.MinValue && Engine.IsInputIdle(PurchasesInput) && Engine.IsInputIdle(EngagementsInput)) w = long.MaxValue;
        if (w == long.MinValue || w <= _lastMarker) return null;
        var now = Environment.TickCount64;
        if (w != long.MaxValue && w - _lastMarker < minStepMs && now - _lastMarkerWallMs < maxQuietMs) return null;
        _lastMarker = w;
        _lastMarkerWallMs = now;
        return w;
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
        _endReachedAt[input] = 0;
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

    private readonly long[] _endReachedAt = new long[3];

    /// <summary>The consumer reached the end of this input's partition.</summary>
    public void EndReached(int input)
    {
        if (input == RepartitionInput) return; // its progress comes from watermark records, not from being at the end
        if (_endReachedAt[input] == 0) _endReachedAt[input] = Environment.TickCount64;
    }

    /// <summary>
    /// An input that has stayed at its end for <paramref name="idleAfterMs"/> stops holding the watermark back. A
    /// momentary end (the consumer caught up with a producer that is still writing) does not count.
    /// </summary>
    public void MarkIdleInputs(long idleAfterMs)
    {
        for (var input = 0; input < _endReachedAt.Length; input++)
            if (_endReachedAt[input] != 0 && Environment.TickCount64 - _endReachedAt[input] >= idleAfterMs)
                Engine.SetInputIdle(input, idle: true, this);
    }

    /// <summary>An event read here but forwarded to the partition that owns its customer.</summary>
    public void Forwarded(int input, long eventTimeMs)
    {
        LastEventWallMs = Environment.TickCount64;
        _endReachedAt[input] = 0;
        Engine.ObserveInputTime(input, eventTimeMs, this);
    }

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
