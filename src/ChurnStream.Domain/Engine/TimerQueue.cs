using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// Event-time timers, one per customer at most: the inactivity deadlines and window reviews that must fire
/// without a new event from the customer. A superseded entry stays in the heap and is skipped when it surfaces
/// (the profile remembers its one live timer).
/// <para>A binary min-heap of (instant, profile), 16 bytes an entry, ordered by instant and then customer id: one entry
/// per pending timer is part of every tracked customer's memory.</para>
/// </summary>
public sealed class TimerQueue
{
    private Entry[] _heap = [];
    private int _count;

    public int Count => _count;

    public void Schedule(CustomerProfile p, long atMs)
    {
        if (p.ScheduledTimerMs == atMs) return;
        p.ScheduledTimerMs = atMs;
        if (atMs != CustomerProfile.None) Push(new Entry(atMs, p));
    }

    /// <summary>The earliest live timer due at or before <paramref name="upToMs"/>, removing superseded entries on the way.</summary>
    public bool TryPeekDue(long upToMs, out CustomerProfile profile, out long atMs)
    {
        while (_count > 0)
        {
            var top = _heap[0];
            if (top.Profile.ScheduledTimerMs != top.At) { Pop(); continue; }
            profile = top.Profile;
            atMs = top.At;
            return top.At <= upToMs;
        }
        profile = null!;
        atMs = CustomerProfile.None;
        return false;
    }

    public void RemoveDue(CustomerProfile p)
    {
        Pop();
        p.ScheduledTimerMs = CustomerProfile.None;
    }

    /// <summary>Drops every entry (the profiles are being dropped too, e.g. on partition revoke).</summary>
    public void Clear()
    {
        Array.Clear(_heap, 0, _count);
        _count = 0;
    }

    private void Push(Entry entry)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, Math.Max(16, _heap.Length + _heap.Length / 2));
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

    /// <summary>
    /// Removes the root: the hole goes down along the smaller children to a leaf, then the last entry goes up from there
    /// (Floyd). About half the comparisons of a plain sift-down, which matters because entries of one instant (every
    /// customer's review at a bucket boundary) are compared by customer id.
    /// </summary>
    private void Pop()
    {
        var last = _heap[--_count];
        _heap[_count] = default;
        if (_count == 0) return;
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && Before(_heap[child + 1], _heap[child])) child++;
            _heap[i] = _heap[child];
            i = child;
        }
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(last, _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = last;
    }

    private static bool Before(in Entry x, in Entry y) =>
        x.At != y.At ? x.At < y.At : string.CompareOrdinal(x.Profile.CustomerId, y.Profile.CustomerId) < 0;

    private readonly record struct Entry(long At, CustomerProfile Profile);
}
