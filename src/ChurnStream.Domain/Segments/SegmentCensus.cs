using ChurnStream.Domain.Outputs;

namespace ChurnStream.Domain.Segments;

/// <summary>
/// Customers per segment of every dimension (value, lifecycle, activity, sentiment, source), kept from the stream of
/// segment changes (a customer's first change has no <c>from</c>). For the <c>churnstream_customers_in_segment</c> gauge.
/// </summary>
public static class SegmentCensus
{
    public const int Size = 3 + 6 + 4 + 3 + 5;

    public static void Apply(long[] counts, SegmentChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var i = 0; i < change.Changes.Count; i++) // by index: foreach over the interface boxes an enumerator
        {
            var t = change.Changes[i];
            if (t.From is not null) counts[IndexOf(t.Dimension, t.From)]--;
            counts[IndexOf(t.Dimension, t.To)]++;
        }
    }

    /// <summary>Every (dimension, segment) with its index in the counts array.</summary>
    public static IEnumerable<(string Dimension, string Segment, int Index)> All()
    {
        foreach (var v in Enum.GetValues<ValueTier>()) yield return ("value", v.Name(), (int)v);
        foreach (var l in Enum.GetValues<Lifecycle>()) yield return ("lifecycle", l.Name(), 3 + (int)l);
        foreach (var a in Enum.GetValues<ActivityStatus>()) yield return ("activity", a.Name(), 9 + (int)a);
        foreach (var s in Enum.GetValues<Sentiment>()) yield return ("sentiment", s.Name(), 13 + (int)s);
        foreach (var s in Enum.GetValues<AcquisitionSource>()) yield return ("source", s.Name(), 16 + (int)s);
    }

    private static readonly Dictionary<(SegmentDimension, string), int> Index =
        All().ToDictionary(x => (Dimension(x.Dimension), x.Segment), x => x.Index);

    private static SegmentDimension Dimension(string name) => Enum.GetValues<SegmentDimension>().First(d => d.Name() == name);

    public static int IndexOf(SegmentDimension dimension, string segment) =>
        Index.TryGetValue((dimension, segment), out var i) ? i : throw new ArgumentException($"unknown segment {dimension.Name()}={segment}");
}
