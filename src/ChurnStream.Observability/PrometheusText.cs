using System.Globalization;
using System.Text;

namespace ChurnStream.Observability;

/// <summary>Text-format 0.0.4 primitives: names, escaping, number formatting.</summary>
internal static class PrometheusText
{
    /// <summary>
    /// Maps a .NET instrument name to a Prometheus metric name: every character outside
    /// <c>[a-zA-Z0-9_:]</c> becomes <c>_</c> (so <c>churnstream.events.consumed</c> becomes
    /// <c>churnstream_events_consumed</c>), a leading digit gets a <c>_</c> prefix, and counters get the
    /// <c>_total</c> suffix unless the name already ends with it. The instrument unit is not appended:
    /// names carry their base unit themselves (<c>_seconds</c>, <c>_bytes</c>).
    /// </summary>
    public static string MetricName(string instrumentName, bool isCounter)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        return name;
    }

    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }
        var sb = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            sb.Append('_');
        }
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>Escapes HELP text: backslash and line feed.</summary>
    public static void AppendHelp(StringBuilder sb, string help)
    {
        foreach (var c in help)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "+Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    public static string FormatLong(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts a tag value to its label string (invariant culture; null becomes empty).</summary>
    public static string TagValueToString(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
