namespace ChurnStream.Domain.Profiles;

/// <summary>
/// A ring of per-bucket aggregates addressed by absolute bucket number (days since the epoch / bucket size).
/// It holds the newest <c>length</c> buckets; older ones fall out as newer ones are written. A mutable struct
/// embedded in the profile, so it costs one array and no object of its own.
/// <para>The array covers the newest buckets up to the head, at least back to the oldest one written that the ring
/// still holds, and grows (by half, up to <c>length</c>) as the customer's history does: a customer seen for two weeks
/// keeps 1-4 buckets, not the whole horizon. Buckets the array does not cover are empty, exactly as in a ring allocated
/// whole.</para>
/// </summary>
public struct BucketRing<T> where T : struct
{
    private T[]? _items;
    private long _head;

    public readonly bool IsAllocated => _items is not null;

    /// <summary>The newest bucket written, or <see cref="long.MinValue"/> when nothing was.</summary>
    public readonly long Head => _items is null ? long.MinValue : _head;

    public readonly T Get(long bucket)
    {
        if (_items is null || bucket > _head || bucket <= _head - _items.Length) return default;
        return _items[Slot(bucket, _items.Length)];
    }

    /// <summary>
    /// The buckets of [<paramref name="fromBucket"/>, <paramref name="toBucketExclusive"/>) that the ring still holds, oldest
    /// first, as at most two contiguous spans (the ring wraps); buckets outside it are empty and left out.
    /// </summary>
    public readonly void Range(long fromBucket, long toBucketExclusive, out ReadOnlySpan<T> first, out ReadOnlySpan<T> second)
    {
        first = second = default;
        if (_items is null) return;
        var lo = Math.Max(fromBucket, _head - _items.Length + 1);
        var hi = Math.Min(toBucketExclusive, _head + 1);
        if (lo >= hi) return;
        var start = Slot(lo, _items.Length);
        var count = (int)(hi - lo);
        var tail = Math.Min(count, _items.Length - start);
        first = new ReadOnlySpan<T>(_items, start, tail);
        if (count > tail) second = new ReadOnlySpan<T>(_items, 0, count - tail);
    }

    /// <summary>A writable slot for <paramref name="bucket"/>, or a null ref when it is older than a ring of <paramref name="length"/> holds.</summary>
    public ref T Write(long bucket, int length)
    {
        if (_items is null)
        {
            _items = new T[1];
            _head = bucket;
        }
        else if (bucket > _head)
        {
            var covered = _items.Length;
            // The buckets kept: those covered now that a ring of `length` ending at `bucket` still holds.
            // (Unsigned: the distance between two buckets far apart does not fit a long.)
            var needed = (int)Math.Min(unchecked((ulong)(bucket - _head)) + (ulong)covered, (ulong)length);
            if (needed > covered)
            {
                var capacity = Grown(needed, length);
                Resize(capacity, oldest: bucket - capacity + 1);
            }
            else
            {
                var advance = (long)Math.Min(unchecked((ulong)(bucket - _head)), (ulong)covered);
                for (long b = bucket - advance + 1; b <= bucket; b++) _items[Slot(b, covered)] = default;
            }
            _head = bucket;
        }
        else if (bucket <= _head - length)
        {
            return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
        }
        else if (bucket <= _head - _items.Length)
        {
            Resize(Grown((int)(_head - bucket + 1), length), oldest: bucket);
        }
        return ref _items[Slot(bucket, _items.Length)];
    }

    /// <summary>Restores a ring from its persisted form (the changelog): the buckets, newest last, ending at <paramref name="head"/>.</summary>
    public void Restore(long head, ReadOnlySpan<T> newestLast, int length)
    {
        var n = Math.Min(newestLast.Length, length);
        _items = new T[Math.Max(1, n)];
        _head = head;
        for (var i = 0; i < n; i++)
            _items[Slot(head - i, _items.Length)] = newestLast[newestLast.Length - 1 - i];
    }

    /// <summary>
    /// At least <paramref name="needed"/> buckets, and at least half as many again as the present ones (so a growing history
    /// costs a few arrays, not one per bucket), never more than the ring's length. Not double: a customer seen over three
    /// buckets, the commonest short history, then keeps three, not four.
    /// </summary>
    private readonly int Grown(int needed, int length) => Math.Min(Math.Max(needed, _items!.Length + (_items.Length + 1) / 2), length);

    /// <summary>Re-lays the covered buckets still at or after <paramref name="oldest"/> into an array of <paramref name="capacity"/>.</summary>
    private void Resize(int capacity, long oldest)
    {
        var items = new T[capacity];
        var from = Math.Max(oldest, _head - _items!.Length + 1);
        for (var b = from; b <= _head; b++) items[Slot(b, capacity)] = _items[Slot(b, _items.Length)];
        _items = items;
    }

    private static int Slot(long bucket, int length)
    {
        var r = bucket % length;
        return (int)(r < 0 ? r + length : r);
    }
}
