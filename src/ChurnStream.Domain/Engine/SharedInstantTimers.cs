using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The timers of one instant that many customers share, in customer-id order, each held as its profile's position in the
/// partition's <see cref="ProfileTable"/>. They are appended in any order, in blocks that grow to <see cref="PositionBlocks.MaxBlock"/>
/// (4 bytes a timer, little slack at any count), and ordered once, when the instant is first peeked. Most arrive already
/// in order (the reviews of one boundary schedule the next one's as they fire, in customer-id order): those are kept as
/// one run apart from the others, and only the others are sorted before the two are merged. A timer added after that
/// waits in a small heap that is merged with the ordered ones.
/// </summary>
internal sealed class SharedInstantTimers(long at, ProfileTable profiles)
{
    private PositionBlocks _inOrder = new();
    private PositionBlocks _outOfOrder = new();
    private CustomerProfile? _lastInOrder;
    private int[]? _sorted;
    private int _next;
    private MinHeap<ById, ById>? _late;

    public long At { get; } = at;

    /// <summary>Timers not yet popped: all appended ones before the first sort, then the rest of the sorted and the late ones.</summary>
    public int Count => (_sorted is null ? _inOrder.Count + _outOfOrder.Count : _sorted.Length - _next) + (_late?.Count ?? 0);

    public void Add(CustomerProfile p)
    {
        if (_sorted is not null)
        {
            (_late ??= new()).Push(new ById(p));
            return;
        }
        if (_lastInOrder is null || string.CompareOrdinal(_lastInOrder.CustomerId, p.CustomerId) < 0)
        {
            _inOrder.Add(p.TablePosition);
            _lastInOrder = p;
        }
        else
        {
            _outOfOrder.Add(p.TablePosition);
        }
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

    /// <summary>The in-order run and the others, sorted, merged from the back into one array of every timer.</summary>
    private int[] SortAppended()
    {
        var all = new int[_inOrder.Count + _outOfOrder.Count];
        var runLength = _inOrder.CopyTo(all);
        var others = new int[_outOfOrder.Count];
        _outOfOrder.CopyTo(others);
        _inOrder = _outOfOrder = default; // later timers go to the heap
        _lastInOrder = null;
        Array.Sort(others, (x, y) => string.CompareOrdinal(profiles.At(x).CustomerId, profiles.At(y).CustomerId));
        int run = runLength - 1, other = others.Length - 1;
        for (var to = all.Length - 1; other >= 0; to--)
        {
            // Ties take the run's timer last, so equal ids keep run-then-others order (either order fires the same live timer).
            if (run >= 0 && string.CompareOrdinal(profiles.At(all[run]).CustomerId, profiles.At(others[other]).CustomerId) > 0)
                all[to] = all[run--];
            else
                all[to] = others[other--];
        }
        return all;
    }

    private readonly record struct ById(CustomerProfile Profile) : IHeapOrder<ById>
    {
        public static bool Before(in ById x, in ById y) => string.CompareOrdinal(x.Profile.CustomerId, y.Profile.CustomerId) < 0;
    }
}

/// <summary>Table positions appended in blocks that grow with the count up to <see cref="MaxBlock"/>: 4 bytes each, little slack.</summary>
internal struct PositionBlocks()
{
    private const int MinBlock = 4;
    public const int MaxBlock = 2048;

    private readonly List<int[]> _blocks = [];
    private int _lastBlockUsed;

    public int Count { get; private set; }

    public void Add(int position)
    {
        if (_blocks.Count == 0 || _lastBlockUsed == _blocks[^1].Length)
        {
            _blocks.Add(new int[Math.Clamp(Count, MinBlock, MaxBlock)]);
            _lastBlockUsed = 0;
        }
        _blocks[^1][_lastBlockUsed++] = position;
        Count++;
    }

    /// <summary>Copies the positions in the order they were added to the start of <paramref name="to"/>; returns their count.</summary>
    public readonly int CopyTo(Span<int> to)
    {
        var at = 0;
        foreach (var block in _blocks)
        {
            var n = Math.Min(block.Length, Count - at);
            block.AsSpan(0, n).CopyTo(to[at..]);
            at += n;
        }
        return at;
    }
}
