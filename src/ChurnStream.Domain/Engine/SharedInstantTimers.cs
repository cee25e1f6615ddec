using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The timers of one instant that many customers share, in customer-id order, each held as its profile's position in the
/// partition's <see cref="ProfileTable"/>. They are appended in any order, in blocks that grow to <see cref="MaxBlock"/>
/// (4 bytes a timer, little slack at any count), and sorted once, when the instant is first peeked. A timer added after
/// that waits in a small heap that is merged with the sorted ones.
/// </summary>
internal sealed class SharedInstantTimers(long at, ProfileTable profiles)
{
    private const int MinBlock = 4;
    private const int MaxBlock = 2048;

    private readonly List<int[]> _blocks = [];
    private int _appended;
    private int _lastBlockUsed;
    private int[]? _sorted;
    private int _next;
    private MinHeap<ById, ById>? _late;

    public long At { get; } = at;

    /// <summary>Timers not yet popped: all appended ones before the first sort, then the rest of the sorted and the late ones.</summary>
    public int Count => _appended - _next + (_late?.Count ?? 0);

    public void Add(CustomerProfile p)
    {
        if (_sorted is not null)
        {
            (_late ??= new()).Push(new ById(p));
            return;
        }
        if (_blocks.Count == 0 || _lastBlockUsed == _blocks[^1].Length)
        {
            _blocks.Add(new int[Math.Clamp(_appended, MinBlock, MaxBlock)]);
            _lastBlockUsed = 0;
        }
        _blocks[^1][_lastBlockUsed++] = p.TablePosition;
        _appended++;
    }

    /// <summary>The first timer in customer-id order; only when <see cref="Count"/> is not 0.</summary>
    public CustomerProfile Peek()
    {
        var sorted = _sorted ??= SortAppended();
        var fromSorted = _next < sorted.Length ? profiles.At(sorted[_next]) : null;
        if (_late is null || _late.Count == 0) return fromSorted!;
        var late = _late.Min.Profile;
        return fromSorted is not null && string.CompareOrdinal(fromSorted.CustomerId, late.CustomerId) <= 0 ? fromSorted : late;
    }

    /// <summary>Removes the timer <see cref="Peek"/> returns.</summary>
    public void Pop()
    {
        var first = Peek();
        if (_next < _sorted!.Length && ReferenceEquals(profiles.At(_sorted[_next]), first)) _next++;
        else _late!.Pop();
    }

    private int[] SortAppended()
    {
        var all = new int[_appended];
        var at = 0;
        foreach (var block in _blocks)
        {
            var n = Math.Min(block.Length, _appended - at);
            Array.Copy(block, 0, all, at, n);
            at += n;
        }
        _blocks.Clear();
        Array.Sort(all, (x, y) => string.CompareOrdinal(profiles.At(x).CustomerId, profiles.At(y).CustomerId));
        return all;
    }

    private readonly record struct ById(CustomerProfile Profile) : IHeapOrder<ById>
    {
        public static bool Before(in ById x, in ById y) => string.CompareOrdinal(x.Profile.CustomerId, y.Profile.CustomerId) < 0;
    }
}
