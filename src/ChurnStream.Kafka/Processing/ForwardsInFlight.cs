namespace ChurnStream.Kafka.Processing;

/// <summary>
/// The events one partition has forwarded to each partition of the repartition topic that the target has not taken in
/// yet, in the order they were sent, with the earliest event time among them. While an event is in flight to a
/// partition of this instance, that partition may not move past it on this source's live watermark
/// (<see cref="PartitionTask.ShareWatermarkWith"/>).
/// <para>
/// One producer appends to a partition in the order it sends, so the target taking in one of them means it has taken
/// in everything sent to it before. An event lost by a refused produce request is never taken in: it holds the target
/// until the transaction aborts, and the rewind starts this over with new tasks.
/// </para>
/// <para>Thread-safe: the source's worker sends, the target's worker takes in, and either may ask.</para>
/// </summary>
public sealed class ForwardsInFlight
{
    private readonly Lane?[] _lanes;
    // Per target, the earliest event time in flight (long.MaxValue: none). Written under the gate whenever it changes,
    // read without it: a share pass asks for every pair of partitions, and a lock per pair cost more than the events.
    private readonly long[] _earliest;
    private readonly Lock _gate = new();

    /// <param name="targetCount">Partitions of the repartition topic.</param>
    public ForwardsInFlight(int targetCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetCount);
        _lanes = new Lane?[targetCount];
        _earliest = new long[targetCount];
        Array.Fill(_earliest, long.MaxValue);
    }

    private readonly record struct Forward(int Input, long Offset, long EventTimeMs);

    // A FIFO plus a deque of candidates for its minimum (the sliding-window minimum): O(1) per forward.
    private sealed class Lane
    {
        public readonly Queue<Forward> Sent = new();
        public readonly LinkedList<Forward> MinCandidates = new();

        public long Earliest => MinCandidates.First is { } first ? first.Value.EventTimeMs : long.MaxValue;
    }

    /// <summary>Events in flight, over every target.</summary>
    public int Count
    {
        get { lock (_gate) return _lanes.Sum(l => l?.Sent.Count ?? 0); }
    }

    /// <summary>The event read at <paramref name="offset"/> of <paramref name="input"/> was sent to <paramref name="target"/>.</summary>
    public void Sent(int target, int input, long offset, long eventTimeMs)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)target, (uint)_lanes.Length, nameof(target));
        lock (_gate)
        {
            var lane = _lanes[target] ??= new Lane();
            var forward = new Forward(input, offset, eventTimeMs);
            lane.Sent.Enqueue(forward);
            while (lane.MinCandidates.Last is { } last && last.Value.EventTimeMs > eventTimeMs) lane.MinCandidates.RemoveLast();
            lane.MinCandidates.AddLast(forward);
            Volatile.Write(ref _earliest[target], lane.Earliest);
        }
    }

    /// <summary>
    /// <paramref name="target"/> took in the event forwarded from <paramref name="offset"/> of <paramref name="input"/>:
    /// it and everything sent to that target before it are no longer in flight. A copy that is not in flight (sent by
    /// an earlier incarnation of the source) changes nothing.
    /// </summary>
    public void Received(int target, int input, long offset)
    {
        if ((uint)target >= (uint)_lanes.Length) return;
        lock (_gate)
        {
            if (_lanes[target] is not { } lane) return;
            // Taken in in the order sent, the event is nearly always the lane's first: the search is for the rare stale copy.
            var atHead = lane.Sent.TryPeek(out var head) && head.Input == input && head.Offset == offset;
            if (!atHead && !lane.Sent.Any(f => f.Input == input && f.Offset == offset)) return;
            while (lane.Sent.TryDequeue(out var f))
            {
                if (lane.MinCandidates.First is { } first && first.Value == f) lane.MinCandidates.RemoveFirst();
                if (f.Input == input && f.Offset == offset) break;
            }
            Volatile.Write(ref _earliest[target], lane.Earliest);
        }
    }

    /// <summary>The earliest event time in flight to <paramref name="target"/>, or <see cref="long.MaxValue"/> when none is.</summary>
    public long EarliestTo(int target) =>
        (uint)target < (uint)_earliest.Length ? Volatile.Read(ref _earliest[target]) : long.MaxValue;
}
