using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The events waiting for the watermark, earliest first in <see cref="EventTimeOrder"/>. A binary min-heap of
/// (event time, event): the comparisons that decide the order almost always end on the time held in the entry, without
/// reading the event; only events of the same instant are compared by content, so their order stays independent of arrival.
/// </summary>
public sealed class EventBuffer
{
    private readonly MinHeap<Entry, Entry> _heap = new();

    public int Count => _heap.Count;

    public void Enqueue(CustomerEvent e) => _heap.Push(new Entry(e.OccurredAtMs, e));

    public bool TryPeek(out CustomerEvent e)
    {
        e = _heap.Count > 0 ? _heap.Min.Event : null!;
        return _heap.Count > 0;
    }

    public CustomerEvent Dequeue()
    {
        if (_heap.Count == 0) throw new InvalidOperationException("the buffer is empty");
        return _heap.Pop().Event;
    }

    /// <summary>The buffered events in no particular order.</summary>
    public CustomerEvent[] ToArray()
    {
        var items = _heap.Items;
        var events = new CustomerEvent[items.Length];
        for (var i = 0; i < items.Length; i++) events[i] = items[i].Event;
        return events;
    }

    private readonly record struct Entry(long At, CustomerEvent Event) : IHeapOrder<Entry>
    {
        public static bool Before(in Entry x, in Entry y) =>
            x.At != y.At ? x.At < y.At : EventTimeOrder.Instance.Compare(x.Event, y.Event) < 0;
    }
}
