using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// Event-time timers, one per customer at most: the inactivity deadlines and window reviews that must fire
/// without a new event from the customer. A superseded entry stays in the heap and is skipped when it surfaces
/// (the profile remembers its one live timer).
/// </summary>
public sealed class TimerQueue
{
    private readonly PriorityQueue<CustomerProfile, (long At, string CustomerId)> _heap = new(new DueOrder());

    public int Count => _heap.Count;

    public void Schedule(CustomerProfile p, long atMs)
    {
        if (p.ScheduledTimerMs == atMs) return;
        p.ScheduledTimerMs = atMs;
        if (atMs != CustomerProfile.None) _heap.Enqueue(p, (atMs, p.CustomerId));
    }

    /// <summary>The earliest live timer due at or before <paramref name="upToMs"/>, removing superseded entries on the way.</summary>
    public bool TryPeekDue(long upToMs, out CustomerProfile profile, out long atMs)
    {
        while (_heap.TryPeek(out profile!, out var key))
        {
            if (profile.ScheduledTimerMs != key.At) { _heap.Dequeue(); continue; }
            atMs = key.At;
            return key.At <= upToMs;
        }
        atMs = CustomerProfile.None;
        return false;
    }

    public void RemoveDue(CustomerProfile p)
    {
        _heap.Dequeue();
        p.ScheduledTimerMs = CustomerProfile.None;
    }

    /// <summary>Drops every entry (the profiles are being dropped too, e.g. on partition revoke).</summary>
    public void Clear() => _heap.Clear();

    private sealed class DueOrder : IComparer<(long At, string CustomerId)>
    {
        public int Compare((long At, string CustomerId) x, (long At, string CustomerId) y)
        {
            var c = x.At.CompareTo(y.At);
            return c != 0 ? c : string.CompareOrdinal(x.CustomerId, y.CustomerId);
        }
    }
}
