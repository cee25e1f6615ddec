using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The events waiting for the watermark, earliest first in <see cref="EventTimeOrder"/>. A binary min-heap of
/// (event time, event): the comparisons that decide the order almost always end on the time held in the entry, without
/// reading the event; only events of the same instant are compared by content, so their order stays independent of arrival.
/// </summary>
public sealed class EventBuffer
{
    private Entry[] _heap = new Entry[16];
    private int _count;

    public int Count => _count;

    public void Enqueue(CustomerEvent e)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _heap.Length * 2);
        var entry = new Entry(e.OccurredAtMs, e);
        var i = _count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(entry, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    public bool TryPeek(out CustomerEvent e)
    {
        e = _count > 0 ? _heap[0].Event : null!;
        return _count > 0;
    }

    public CustomerEvent Dequeue()
    {
        if (_count == 0) throw new InvalidOperationException("the buffer is empty");
        var first = _heap[0].Event;
        var last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0)
        {
            var i = 0;
            while (true)
            {
                var child = 2 * i + 1;
                if (child >= _count) break;
                if (child + 1 < _count && Before(_heap[child + 1], _heap[child])) child++;
                if (!Before(_heap[child], last)) break;
                _heap[i] = _heap[child];
                i = child;
            }
            _heap[i] = last;
        }
        return first;
    }

    /// <summary>The buffered events in no particular order.</summary>
    public CustomerEvent[] ToArray()
    {
        var events = new CustomerEvent[_count];
        for (var i = 0; i < _count; i++) events[i] = _heap[i].Event;
        return events;
    }

    private static bool Before(in Entry x, in Entry y) =>
        x.At != y.At ? x.At < y.At : EventTimeOrder.Instance.Compare(x.Event, y.Event) < 0;

    private readonly record struct Entry(long At, CustomerEvent Event);
}
