using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// One input's buffered events in the order they arrived, which <see cref="EventBuffer"/> keeps sorted: a queue in a
/// ring array, appended at the end and taken from the front. Not a <see cref="Queue{T}"/>: the buffer needs the last
/// entry by reference, and this grows by half, as the heap beside it does, where a queue doubles (the buffer counts in
/// the memory per tracked customer: doubling cost 2 bytes of the 295).
/// </summary>
internal sealed class EventRun
{
    private EventBuffer.Entry[] _items = [];
    private int _head;

    public int Count { get; private set; }

    public ref readonly EventBuffer.Entry First => ref _items[_head];

    public ref readonly EventBuffer.Entry Last => ref _items[Slot(Count - 1)];

    public void Append(in EventBuffer.Entry entry)
    {
        if (Count == _items.Length) Grow();
        _items[Slot(Count)] = entry;
        Count++;
    }

    public EventBuffer.Entry RemoveFirst()
    {
        var first = _items[_head];
        _items[_head] = default; // the event is not kept alive by its old slot
        _head = _head + 1 == _items.Length ? 0 : _head + 1;
        if (--Count == 0) _head = 0;
        return first;
    }

    /// <summary>Writes the run's events, oldest first, to the start of <paramref name="events"/>; returns how many.</summary>
    public int CopyEventsTo(Span<CustomerEvent> events)
    {
        for (var i = 0; i < Count; i++) events[i] = _items[Slot(i)].Event;
        return Count;
    }

    /// <summary>Where the <paramref name="i"/>-th event from the front is.</summary>
    private int Slot(int i)
    {
        var slot = _head + i;
        return slot >= _items.Length ? slot - _items.Length : slot;
    }

    private void Grow()
    {
        var grown = new EventBuffer.Entry[Math.Max(16, _items.Length + _items.Length / 2)];
        for (var i = 0; i < Count; i++) grown[i] = _items[Slot(i)];
        _items = grown;
        _head = 0;
    }
}
