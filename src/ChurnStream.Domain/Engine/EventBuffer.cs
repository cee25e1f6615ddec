using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The events waiting for the watermark, earliest first in <see cref="EventTimeOrder"/>, whatever order they arrived in.
/// <para>
/// Each input is a log read in its order, so its events mostly arrive in event time. Such an event is appended to its
/// input's <see cref="EventRun">run</see>, which stays sorted by construction; one that would break the run's order goes
/// to a min-heap instead. The earliest event is the least of the runs' first events and the heap's top, as Kafka Streams
/// takes the record with the earliest time from the heads of its per-partition queues. A backlog buffers hundreds of
/// thousands of events; one heap over all of them took a comparison per level on entries spread over memory at every
/// removal, where the runs take one per input.
/// </para>
/// <para>
/// Entries hold their event's time, so comparisons almost always end there without reading the event; only events of
/// the same instant are compared by content, so their order stays independent of arrival.
/// </para>
/// </summary>
public sealed class EventBuffer
{
    /// <summary>The input of an event whose arrival order says nothing (a restored buffer, a test): it goes to the heap.</summary>
    public const int NoInput = -1;

    private const int FromHeap = -1;
    private const int NotKnown = -2;

    private readonly EventRun[] _runs;
    private readonly MinHeap<Entry, Entry> _outOfOrder = new();
    private int _count;

    // Where the earliest event is: a run's index, FromHeap, or NotKnown (worked out again at the next look).
    private int _earliest = NotKnown;

    /// <param name="inputs">Inputs whose events arrive in their log order (each gets a run).</param>
    public EventBuffer(int inputs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputs);
        _runs = new EventRun[inputs];
        for (var i = 0; i < inputs; i++) _runs[i] = new EventRun();
    }

    public int Count => _count;

    /// <summary>Buffers <paramref name="e"/>, read from <paramref name="input"/> (or <see cref="NoInput"/>).</summary>
    public void Enqueue(CustomerEvent e, int input)
    {
        var entry = new Entry(e.OccurredAtMs, e);
        var run = (uint)input < (uint)_runs.Length ? _runs[input] : null;
        var becomesFirst = true;
        if (run is not null && (run.Count == 0 || !Entry.Before(entry, run.Last)))
        {
            becomesFirst = run.Count == 0;
            run.Append(entry);
        }
        else
        {
            _outOfOrder.Push(entry);
        }
        _count++;
        // Only a new first event of its run, or an event that went to the heap, can be earlier than the earliest so far.
        if (becomesFirst) _earliest = NotKnown;
    }

    public bool TryPeek(out CustomerEvent e)
    {
        if (_count == 0)
        {
            e = null!;
            return false;
        }
        e = First(Earliest()).Event;
        return true;
    }

    public CustomerEvent Dequeue()
    {
        if (_count == 0) throw new InvalidOperationException("the buffer is empty");
        var source = Earliest();
        var taken = source == FromHeap ? _outOfOrder.Pop() : _runs[source].RemoveFirst();
        _count--;
        _earliest = NotKnown;
        return taken.Event;
    }

    /// <summary>The buffered events in no particular order.</summary>
    public CustomerEvent[] ToArray()
    {
        var events = new CustomerEvent[_count];
        var filled = 0;
        foreach (var entry in _outOfOrder.Items) events[filled++] = entry.Event;
        foreach (var run in _runs) filled += run.CopyEventsTo(events.AsSpan(filled));
        return events;
    }

    private int Earliest()
    {
        if (_earliest != NotKnown) return _earliest;
        var best = NotKnown;
        if (_outOfOrder.Count > 0) best = FromHeap;
        for (var i = 0; i < _runs.Length; i++)
            if (_runs[i].Count > 0 && (best == NotKnown || Entry.Before(_runs[i].First, First(best))))
                best = i;
        return _earliest = best;
    }

    private ref readonly Entry First(int source) => ref source == FromHeap ? ref _outOfOrder.Min : ref _runs[source].First;

    internal readonly record struct Entry(long At, CustomerEvent Event) : IHeapOrder<Entry>
    {
        public static bool Before(in Entry x, in Entry y) =>
            x.At != y.At ? x.At < y.At : EventTimeOrder.Instance.Compare(x.Event, y.Event) < 0;
    }
}
