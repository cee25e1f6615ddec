namespace ChurnStream.Domain.Engine;

/// <summary>The order of a <see cref="MinHeap{TEntry, TOrder}"/>, static so that the JIT inlines it into the sifts.</summary>
public interface IHeapOrder<TEntry>
{
    static abstract bool Before(in TEntry x, in TEntry y);
}

/// <summary>
/// A binary min-heap of value entries in one array (no node objects): the event buffer and the timer queue, both on the
/// hot path of every event, both holding entries whose order mostly ends on a <c>long</c> instant kept in the entry.
/// </summary>
public sealed class MinHeap<TEntry, TOrder> where TEntry : struct where TOrder : IHeapOrder<TEntry>
{
    private TEntry[] _items = [];
    private int _count;

    public int Count => _count;

    /// <summary>The smallest entry; only when <see cref="Count"/> is not 0.</summary>
    public ref readonly TEntry Min => ref _items[0];

    /// <summary>The entries in no particular order.</summary>
    public ReadOnlySpan<TEntry> Items => _items.AsSpan(0, _count);

    public void Push(in TEntry entry)
    {
        if (_count == _items.Length) Array.Resize(ref _items, Math.Max(16, _items.Length + _items.Length / 2));
        SiftUp(_count++, entry);
    }

    /// <summary>
    /// Removes the smallest entry: the hole goes down along the smaller children to a leaf, then the last entry goes up
    /// from there (Floyd). About half the comparisons of a plain sift-down, which matters because many entries share an
    /// instant (every customer's review at a bucket boundary) and are then compared by content.
    /// </summary>
    public TEntry Pop()
    {
        if (_count == 0) throw new InvalidOperationException("the heap is empty");
        var min = _items[0];
        var last = _items[--_count];
        _items[_count] = default;
        if (_count == 0) return min;
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && TOrder.Before(_items[child + 1], _items[child])) child++;
            _items[i] = _items[child];
            i = child;
        }
        SiftUp(i, last);
        return min;
    }

    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    private void SiftUp(int i, in TEntry entry)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!TOrder.Before(entry, _items[parent])) break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = entry;
    }
}
