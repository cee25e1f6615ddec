using System.Globalization;
using System.Text;

namespace ChurnStream.Observability;

/// <summary>An immutable, order-insensitive set of label name/value pairs (sorted by name).</summary>
internal sealed class LabelSet
{
    public static readonly LabelSet Empty = new([], []);

    private readonly int _hash;

    private LabelSet(string[] names, string[] values)
    {
        Names = names;
        Values = values;
        var hash = 0;
        for (var i = 0; i < names.Length; i++)
        {
            hash += PairHash(names[i], string.GetHashCode(values[i].AsSpan()));
        }
        _hash = hash;
    }

    /// <summary>Label names, sorted ordinally.</summary>
    public string[] Names { get; }

    /// <summary>Label values, aligned with <see cref="Names"/>.</summary>
    public string[] Values { get; }

    public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return Empty;
        }
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(tags[i].Key, PrometheusText.TagValueToString(tags[i].Value));
        }
        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new LabelSet(pairs.Select(p => p.Key).ToArray(), pairs.Select(p => p.Value).ToArray());
    }

    /// <summary>Appends <c>{a="x",b="y"}</c> (with an optional extra label last), or nothing when empty.</summary>
    public void AppendTo(StringBuilder sb, string? extraName = null, string? extraValue = null)
    {
        if (Names.Length == 0 && extraName is null)
        {
            return;
        }
        sb.Append('{');
        for (var i = 0; i < Names.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(PrometheusText.LabelName(Names[i])).Append("=\"");
            PrometheusText.AppendLabelValue(sb, Values[i]);
            sb.Append('"');
        }
        if (extraName is not null)
        {
            if (Names.Length > 0) sb.Append(',');
            sb.Append(extraName).Append("=\"");
            PrometheusText.AppendLabelValue(sb, extraValue ?? string.Empty);
            sb.Append('"');
        }
        sb.Append('}');
    }

    public string SortKey()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Names.Length; i++)
        {
            sb.Append(Names[i]).Append('\u0001').Append(Values[i]).Append('\u0002');
        }
        return sb.ToString();
    }

    internal static int PairHash(string name, int valueHash) => HashCode.Combine(name.GetHashCode(), valueHash);

    public override int GetHashCode() => _hash;

    public override bool Equals(object? obj) => obj is LabelSet other && Comparer.Instance.Equals(this, other);

    /// <summary>
    /// Compares label sets with each other and with the raw tag span a <see cref="System.Diagnostics.Metrics.MeterListener"/>
    /// hands over, so that the hot path finds an existing series without allocating.
    /// </summary>
    internal sealed class Comparer :
        IEqualityComparer<LabelSet>,
        IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, LabelSet>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(LabelSet? x, LabelSet? y)
        {
            if (ReferenceEquals(x, y)) return true;
            if (x is null || y is null || x._hash != y._hash || x.Names.Length != y.Names.Length) return false;
            return x.Names.AsSpan().SequenceEqual(y.Names) && x.Values.AsSpan().SequenceEqual(y.Values);
        }

        public int GetHashCode(LabelSet obj) => obj._hash;

        public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, LabelSet other)
        {
            if (alternate.Length != other.Names.Length) return false;
            foreach (var tag in alternate)
            {
                var index = Array.IndexOf(other.Names, tag.Key);
                if (index < 0 || !ValueEquals(tag.Value, other.Values[index])) return false;
            }
            return true;
        }

        public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate)
        {
            var hash = 0;
            foreach (var tag in alternate)
            {
                hash += PairHash(tag.Key, ValueHash(tag.Value));
            }
            return hash;
        }

        public LabelSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => From(alternate);

        private static int ValueHash(object? value)
        {
            switch (value)
            {
                case null: return string.GetHashCode(ReadOnlySpan<char>.Empty);
                case string s: return string.GetHashCode(s.AsSpan());
                case ISpanFormattable f:
                    Span<char> buffer = stackalloc char[64];
                    if (f.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture))
                    {
                        return string.GetHashCode(buffer[..written]);
                    }
                    break;
            }
            return string.GetHashCode(PrometheusText.TagValueToString(value).AsSpan());
        }

        private static bool ValueEquals(object? value, string other)
        {
            switch (value)
            {
                case null: return other.Length == 0;
                case string s: return string.Equals(s, other, StringComparison.Ordinal);
                case ISpanFormattable f:
                    Span<char> buffer = stackalloc char[64];
                    if (f.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture))
                    {
                        return buffer[..written].SequenceEqual(other);
                    }
                    break;
            }
            return string.Equals(PrometheusText.TagValueToString(value), other, StringComparison.Ordinal);
        }
    }
}
