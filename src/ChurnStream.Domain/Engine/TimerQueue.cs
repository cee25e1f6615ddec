using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// Event-time timers, one per customer at most: the inactivity deadlines and window reviews that must fire
/// without a new event from the customer. They fire in order of instant, then customer id. A superseded entry stays
/// queued and is skipped when it surfaces (the profile remembers its one live timer).
/// <para>Two lanes with that one order. Timers on a shared instant (a multiple of <c>sharedEveryMs</c>: the bucket
/// boundaries, where every active customer's window review falls) are kept per instant as the profile's position in the
/// partition's table, 4 bytes each (<see cref="SharedInstantTimers"/>); at a million customers almost every timer is
/// there, on the next boundary. The others (inactivity deadlines, at any millisecond) are in a binary heap of (instant, profile), 16 bytes an entry.</para>
/// </summary>
public sealed class TimerQueue
{
    private readonly long _sharedEveryMs;
    private readonly ProfileTable _profiles;
    private readonly MinHeap<Entry, Entry> _heap = new();

    /// <summary>The shared instants with timers, earliest first; a handful at most (the boundaries of the horizon).</summary>
    private readonly List<SharedInstantTimers> _shared = [];

    // The earliest live timer, found once and kept until a change could put another before it: the engine asks before
    // every event it releases.
    private Entry? _earliest;
    private bool _earliestKnown;

    /// <param name="sharedEveryMs">Instants that are multiples of this are shared by many timers.</param>
    /// <param name="profiles">The table every scheduled profile is in.</param>
    public TimerQueue(long sharedEveryMs, ProfileTable profiles)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sharedEveryMs);
        _sharedEveryMs = sharedEveryMs;
        _profiles = profiles;
    }

    /// <summary>Entries queued, superseded ones included.</summary>
    public int Count
    {
        get
        {
            var n = _heap.Count;
            foreach (var timers in _shared) n += timers.Count;
            return n;
        }
    }

    public void Schedule(CustomerProfile p, long atMs)
    {
        if (p.ScheduledTimerMs == atMs) return;
        if (_earliestKnown && (_earliest is not { } earliest || ReferenceEquals(earliest.Profile, p)
                               || (atMs != CustomerProfile.None && Entry.Before(new Entry(atMs, p), earliest))))
            _earliestKnown = false;
        p.ScheduledTimerMs = atMs;
        if (atMs == CustomerProfile.None) return;
        if (IsShared(atMs)) SharedAt(atMs).Add(p);
        else _heap.Push(new Entry(atMs, p));
    }

    /// <summary>The earliest live timer due at or before <paramref name="upToMs"/>, removing superseded entries on the way.</summary>
    public bool TryPeekDue(long upToMs, out CustomerProfile profile, out long atMs)
    {
        if (!_earliestKnown)
        {
            var fromHeap = EarliestInHeap();
            var fromShared = EarliestShared();
            _earliest = fromShared is { } s && (fromHeap is not { } h || s.At < h.At) ? fromShared : fromHeap;
            _earliestKnown = true;
        }
        if (_earliest is not { } earliest)
        {
            profile = null!;
            atMs = CustomerProfile.None;
            return false;
        }
        (atMs, profile) = earliest;
        return atMs <= upToMs;
    }

    /// <summary>Removes the timer <see cref="TryPeekDue"/> just returned.</summary>
    public void RemoveDue(CustomerProfile p)
    {
        if (IsShared(p.ScheduledTimerMs)) _shared[0].Pop();
        else _heap.Pop();
        p.ScheduledTimerMs = CustomerProfile.None;
        _earliestKnown = false;
    }

    /// <summary>Drops every entry (the profiles are being dropped too, e.g. on partition revoke).</summary>
    public void Clear()
    {
        _heap.Clear();
        _shared.Clear();
        _earliestKnown = false;
    }

    private Entry? EarliestInHeap()
    {
        while (_heap.Count > 0)
        {
            var top = _heap.Min;
            if (top.Profile.ScheduledTimerMs == top.At) return top;
            _heap.Pop();
        }
        return null;
    }

    private Entry? EarliestShared()
    {
        while (_shared.Count > 0)
        {
            var timers = _shared[0];
            while (timers.Count > 0)
            {
                var p = timers.Peek();
                if (p.ScheduledTimerMs == timers.At) return new Entry(timers.At, p);
                timers.Pop();
            }
            _shared.RemoveAt(0);
        }
        return null;
    }

    /// <summary>Whether a timer at <paramref name="atMs"/> is in the shared lane (the heap holds every other instant).</summary>
    private bool IsShared(long atMs) => atMs % _sharedEveryMs == 0;

    private SharedInstantTimers SharedAt(long atMs)
    {
        int lo = 0, hi = _shared.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_shared[mid].At < atMs) lo = mid + 1;
            else hi = mid;
        }
        if (lo < _shared.Count && _shared[lo].At == atMs) return _shared[lo];
        var timers = new SharedInstantTimers(atMs, _profiles);
        _shared.Insert(lo, timers);
        return timers;
    }

    private readonly record struct Entry(long At, CustomerProfile Profile) : IHeapOrder<Entry>
    {
        public static bool Before(in Entry x, in Entry y) =>
            x.At != y.At ? x.At < y.At : string.CompareOrdinal(x.Profile.CustomerId, y.Profile.CustomerId) < 0;
    }
}
