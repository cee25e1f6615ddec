namespace ChurnStream.Domain.Scoring;

/// <summary>
/// A deterministic streaming quantile sketch of the customers' value scores in one partition: a fixed log-scale
/// histogram (bins 2 % wide from 0.01 to 10^9; bin 1 holds everything below 0.01, including zero and negatives) in which
/// every customer counts once, in the bin of their latest score (the profile remembers its bin, so a new score moves the
/// customer instead of adding a sample). Counts are kept in a Fenwick tree, so "how many customers are below this bin"
/// costs O(log bins). The same input order gives the same state; the state is the sum of the profiles' bins, so a
/// partition restored from its changelog rebuilds it exactly (<see cref="Add"/> per restored profile).
/// <para>The quantiles are those of the partition's population at the customers' last classification: tiers by quantile
/// differ slightly between partitions and move as the population does.</para>
/// </summary>
public sealed class ValueSketch
{
    public const double MinValue = 0.01;
    public const double Growth = 1.02;
    public const double MaxValue = 1e9;

    /// <summary>Bins 1..<see cref="BinCount"/>; 0 means "not in the sketch".</summary>
    public static readonly int BinCount = 2 + (int)Math.Ceiling(Math.Log(MaxValue / MinValue) / Math.Log(Growth));

    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _tree = new long[BinCount + 1];

    public long Count { get; private set; }

    /// <summary>The bin of a score: 1 below <see cref="MinValue"/>, else 2 + ⌊log(v / 0.01) / log 1.02⌋, capped at the last bin.</summary>
    public static ushort BinOf(double value)
    {
        if (!(value >= MinValue)) return 1; // also NaN
        var k = 2 + (int)Math.Floor(Math.Log(value / MinValue) / LogGrowth);
        return (ushort)Math.Min(k, BinCount);
    }

    /// <summary>The smallest score of a bin (0 for bin 1).</summary>
    public static double LowerEdge(int bin) => bin <= 1 ? 0 : MinValue * Math.Pow(Growth, bin - 2);

    public void Add(int bin)
    {
        Check(bin);
        for (var i = bin; i <= BinCount; i += i & -i) _tree[i]++;
        Count++;
    }

    public void Remove(int bin)
    {
        Check(bin);
        if (CountAtOrBelow(bin) - CountAtOrBelow(bin - 1) <= 0) throw new InvalidOperationException($"bin {bin} is empty");
        for (var i = bin; i <= BinCount; i += i & -i) _tree[i]--;
        Count--;
    }

    /// <summary>Moves a customer from bin <paramref name="from"/> (0 = not in the sketch) to <paramref name="to"/>.</summary>
    public void Move(int from, int to)
    {
        if (from == to) return;
        if (from != 0) Remove(from);
        Add(to);
    }

    /// <summary>Customers whose bin is at most <paramref name="bin"/>.</summary>
    public long CountAtOrBelow(int bin)
    {
        long sum = 0;
        for (var i = Math.Min(bin, BinCount); i > 0; i -= i & -i) sum += _tree[i];
        return sum;
    }

    /// <summary>The share of the population strictly below bin <paramref name="bin"/> (0 when empty).</summary>
    public double ShareBelow(int bin) => Count == 0 ? 0 : (double)CountAtOrBelow(bin - 1) / Count;

    /// <summary>The q-quantile as the lower edge of the first bin whose cumulative count reaches q·n (relative error ≤ 2 % above 0.01).</summary>
    public double Quantile(double q)
    {
        if (Count == 0) return double.NaN;
        var target = Math.Max(1, (long)Math.Ceiling(q * Count));
        // Fenwick descent: the largest position whose prefix sum is below target, plus one.
        int pos = 0;
        long acc = 0;
        for (var step = HighestPowerOfTwo(BinCount); step > 0; step >>= 1)
        {
            var next = pos + step;
            if (next <= BinCount && acc + _tree[next] < target)
            {
                pos = next;
                acc += _tree[next];
            }
        }
        return LowerEdge(pos + 1);
    }

    private static int HighestPowerOfTwo(int n)
    {
        var p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }

    private static void Check(int bin)
    {
        if (bin < 1 || bin > BinCount) throw new ArgumentOutOfRangeException(nameof(bin), bin, $"bins are 1..{BinCount}");
    }
}
