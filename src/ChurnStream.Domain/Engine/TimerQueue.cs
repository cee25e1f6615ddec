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
    private readonly MinHeap<Entry, Entry> _heap = new();

    public int Count => _heap.Count;

    public void Schedule(CustomerProfile p, long atMs)
    {
        if (p.ScheduledTimerMs == atMs) return;
        p.ScheduledTimerMs = atMs;
        if (atMs != CustomerProfile.None) _heap.Push(new Entry(atMs, p));
    }

    /// <summary>The earliest live timer due at or before <paramref name="upToMs"/>, removing superseded entries on the way.</summary>
    public bool TryPeekDue(long upToMs, out CustomerProfile profile, out long atMs)
    {
        while (_heap.Count > 0)
        {
            var top = _heap.Min;
            if (top.Profile.ScheduledTimerMs != top.At) { _heap.Pop(); continue; }
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
        _heap.Pop();
        p.ScheduledTimerMs = CustomerProfile.None;
    }

    /// <summary>Drops every entry (the profiles are being dropped too, e.g. on partition revoke).</summary>
    public void Clear() => _heap.Clear();

    private readonly record struct Entry(long At, CustomerProfile Profile) : IHeapOrder<Entry>
    {
        public static bool Before(in Entry x, in Entry y) =>
            x.At != y.At ? x.At < y.At : string.CompareOrdinal(x.Profile.CustomerId, y.Profile.CustomerId) < 0;
    }
}
