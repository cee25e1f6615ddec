using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Kpi;

/// <summary>Counts of one (value tier, source) cell, and the rates derived from them.</summary>
public readonly record struct KpiCounts(long Customers, long LostNow, long LostEver, long WonBackEver)
{
    /// <summary>Churn rate = customers currently lost / customers who ever bought; null with no customer.</summary>
    public double? ChurnRate => Customers == 0 ? null : (double)LostNow / Customers;

    /// <summary>Retention = 1 − churn rate.</summary>
    public double? RetentionRate => ChurnRate is { } c ? 1 - c : null;

    /// <summary>Win-back rate = customers ever won back / customers ever lost; null when nobody was lost.</summary>
    public double? WinBackRate => LostEver == 0 ? null : (double)WonBackEver / LostEver;

    public static KpiCounts operator +(KpiCounts a, KpiCounts b) =>
        new(a.Customers + b.Customers, a.LostNow + b.LostNow, a.LostEver + b.LostEver, a.WonBackEver + b.WonBackEver);
}

/// <summary>
/// Churn KPIs per value tier and source, fed by the <see cref="SegmentChange"/> records of one partition (pure: no
/// clock). Definitions, per customer:
/// <list type="bullet">
/// <item>a customer counts from their first purchase (lifecycle other than <c>prospect</c>);</item>
/// <item>lost now: lifecycle <c>lost</c>; lost ever: reached <c>lost</c> at least once; won back ever: reached
/// <c>won_back</c> at least once (only possible after lost);</item>
/// <item>the cell is (the <b>highest value tier the customer ever had</b>, their current source): a lost customer's
/// trailing value falls to low by construction, so the current tier would put every churner in <c>low</c>.</item>
/// </list>
/// Rates per cell: churn = lost now / customers; retention = 1 − churn; win-back = won back ever / lost ever.
/// Counts of several partitions add up (<see cref="Combine"/>). The tracker keeps 2 bytes of state per customer; after
/// a restart rebuild it by replaying the <c>customer-segments</c> topic (every change is there).
/// </summary>
public sealed class KpiTracker
{
    private const int Tiers = 3, Sources = 5;

    // per customer: bits 0-1 highest tier, 2-4 source, 5 counted (ever bought), 6 lost now, 7 lost ever, 8 won back ever
    private readonly Dictionary<string, ushort> _customers = new(StringComparer.Ordinal);
    private readonly long[,] _customersCount = new long[Tiers, Sources];
    private readonly long[,] _lostNow = new long[Tiers, Sources];
    private readonly long[,] _lostEver = new long[Tiers, Sources];
    private readonly long[,] _wonBackEver = new long[Tiers, Sources];

    private const ushort Counted = 1 << 5, LostNowBit = 1 << 6, LostEverBit = 1 << 7, WonBackEverBit = 1 << 8;

    public int TrackedCustomers => _customers.Count;

    public void Apply(SegmentChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var s = change.Segments;
        _customers.TryGetValue(change.CustomerId, out var state);
        var before = state;
        if ((before & Counted) != 0) Add(before, -1);

        var tier = Math.Max(state & 3, (int)s.Value);
        var flags = state & (LostEverBit | WonBackEverBit);
        if (s.Lifecycle != Lifecycle.Prospect) flags |= Counted;
        if (s.Lifecycle == Lifecycle.Lost) flags |= LostNowBit | LostEverBit;
        if (s.Lifecycle == Lifecycle.WonBack) flags |= WonBackEverBit;
        state = (ushort)(tier | (int)s.Source << 2 | flags);
        _customers[change.CustomerId] = state;
        if ((state & Counted) != 0) Add(state, +1);
    }

    private void Add(ushort state, int sign)
    {
        int tier = state & 3, source = (state >> 2) & 7;
        _customersCount[tier, source] += sign;
        if ((state & LostNowBit) != 0) _lostNow[tier, source] += sign;
        if ((state & LostEverBit) != 0) _lostEver[tier, source] += sign;
        if ((state & WonBackEverBit) != 0) _wonBackEver[tier, source] += sign;
    }

    public KpiCounts CountsFor(ValueTier tier, AcquisitionSource source) =>
        new(_customersCount[(int)tier, (int)source], _lostNow[(int)tier, (int)source], _lostEver[(int)tier, (int)source], _wonBackEver[(int)tier, (int)source]);

    /// <summary>Every (tier, source) cell, including empty ones, in enum order.</summary>
    public IEnumerable<(ValueTier Tier, AcquisitionSource Source, KpiCounts Counts)> Cells()
    {
        foreach (var t in Enum.GetValues<ValueTier>())
            foreach (var s in Enum.GetValues<AcquisitionSource>())
                yield return (t, s, CountsFor(t, s));
    }

    public KpiCounts ForTier(ValueTier tier) => Cells().Where(c => c.Tier == tier).Aggregate(default(KpiCounts), (a, c) => a + c.Counts);

    public KpiCounts ForSource(AcquisitionSource source) => Cells().Where(c => c.Source == source).Aggregate(default(KpiCounts), (a, c) => a + c.Counts);

    public KpiCounts Total => Cells().Aggregate(default(KpiCounts), (a, c) => a + c.Counts);

    /// <summary>The cells of several trackers (partitions) added up.</summary>
    public static IReadOnlyList<(ValueTier Tier, AcquisitionSource Source, KpiCounts Counts)> Combine(IEnumerable<KpiTracker> trackers)
    {
        var list = trackers.ToList();
        return Enum.GetValues<ValueTier>().SelectMany(t => Enum.GetValues<AcquisitionSource>().Select(s =>
            (t, s, list.Aggregate(default(KpiCounts), (a, k) => a + k.CountsFor(t, s))))).ToList();
    }

    /// <summary>Forgets the customers of a partition that was revoked (their counts leave with them).</summary>
    public void Clear()
    {
        _customers.Clear();
        Array.Clear(_customersCount);
        Array.Clear(_lostNow);
        Array.Clear(_lostEver);
        Array.Clear(_wonBackEver);
    }
}
