using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// One input's buffered events in the order they arrived, which <see cref="EventBuffer"/> keeps sorted: a queue in a
/// ring array (a power of two long), appended at the end and taken from the front.
/// </summary>
internal sealed class EventRun
{
    private EventBuffer.Entry[] _items = [];
    private int _head;

    public int Count { get; private set; }

    public ref readonly EventBuffer.Entry First => ref _items[_head];

    public ref readonly EventBuffer.Entry Last => ref _items[(_head + Count - 1) & (_items.Length - 1)];

    public void Append(in EventBuffer.Entry entry)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) & (_items.Length - 1)] = entry;
        Count++;
    }

    public EventBuffer.Entry RemoveFirst()
    {
        var first = _items[_head];
        _items[_head] = default; // the event is not kept alive by its old slot
        _head = (_head + 1) & (_items.Length - 1);
        if (--Count == 0) _head = 0;
        return first;
    }

    public void AddEventsTo(List<CustomerEvent> events)
    {
        for (var i = 0; i < Count; i++) events.Add(_items[(_head + i) & (_items.Length - 1)].Event);
    }

    private void Grow()
    {
        var grown = new EventBuffer.Entry[Math.Max(16, _items.Length * 2)];
        for (var i = 0; i < Count; i++) grown[i] = _items[(_head + i) & (_items.Length - 1)];
        _items = grown;
        _head = 0;
    }
}
