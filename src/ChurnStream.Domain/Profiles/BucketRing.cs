namespace ChurnStream.Domain.Profiles;

/// <summary>
/// A ring of per-bucket aggregates addressed by absolute bucket number (days since the epoch / bucket size).
/// It holds the newest <c>Length</c> buckets; older ones fall out as newer ones are written. A mutable struct
/// embedded in the profile, so it costs one array and no object of its own.
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

    /// <summary>A writable slot for <paramref name="bucket"/>, or a null ref when it is older than the ring holds.</summary>
    public ref T Write(long bucket, int length)
    {
        if (_items is null)
        {
            _items = new T[length];
            _head = bucket;
        }
        else if (bucket > _head)
        {
            var advance = Math.Min(bucket - _head, _items.Length);
            for (long b = bucket - advance + 1; b <= bucket; b++) _items[Slot(b, _items.Length)] = default;
            _head = bucket;
        }
        else if (bucket <= _head - _items.Length)
        {
            return ref System.Runtime.CompilerServices.Unsafe.NullRef<T>();
        }
        return ref _items[Slot(bucket, _items.Length)];
    }

    /// <summary>Restores a ring from its persisted form (the changelog): the buckets, newest last, ending at <paramref name="head"/>.</summary>
    public void Restore(long head, ReadOnlySpan<T> newestLast, int length)
    {
        _items = new T[length];
        _head = head;
        var n = Math.Min(newestLast.Length, length);
        for (var i = 0; i < n; i++)
            _items[Slot(head - i, length)] = newestLast[newestLast.Length - 1 - i];
    }

    private static int Slot(long bucket, int length)
    {
        var r = bucket % length;
        return (int)(r < 0 ? r + length : r);
    }
}
