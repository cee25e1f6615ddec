using System.Globalization;

namespace ChurnStream.Simulation;

/// <summary>
/// The generator labels CSV of the contract: header <c>customerId,persona,onsetDay,onsetAt</c>, one line per customer,
/// <c>onsetDay</c> and <c>onsetAt</c> (<c>yyyy-MM-ddTHH:mm:ssZ</c>) empty for personas without onset. Lines end with <c>\n</c>.
/// </summary>
public static class LabelsCsv
{
    public const string Header = "customerId,persona,onsetDay,onsetAt";

    public static void Write(TextWriter writer, IEnumerable<CustomerLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(labels);
        writer.Write(Header);
        writer.Write('\n');
        foreach (var label in labels)
        {
            if (label.CustomerId.Contains(',') || label.Persona.Contains(','))
                throw new ArgumentException($"label of {label.CustomerId} contains a comma", nameof(labels));
            writer.Write(label.CustomerId);
            writer.Write(',');
            writer.Write(label.Persona);
            writer.Write(',');
            if (label.OnsetDay is { } day) writer.Write(day.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            if (label.OnsetAt is { } at) writer.Write(EventWriter.FormatUtc(at));
            writer.Write('\n');
        }
    }

    public static string ToCsv(IEnumerable<CustomerLabel> labels)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(writer, labels);
        return writer.ToString();
    }

    /// <summary>Reads a labels CSV (LF or CRLF line ends; blank lines ignored).</summary>
    /// <exception cref="FormatException">Wrong header or malformed line.</exception>
    public static IReadOnlyList<CustomerLabel> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? header = reader.ReadLine();
        if (header?.TrimStart('\uFEFF').TrimEnd() != Header)
            throw new FormatException($"labels CSV must start with '{Header}'");
        var labels = new List<CustomerLabel>();
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != 4 || fields[0].Length == 0 || fields[1].Length == 0)
                throw new FormatException($"labels CSV line {lineNumber}: expected 4 fields");
            int? onsetDay = null;
            DateTimeOffset? onsetAt = null;
            if (fields[2].Length > 0)
            {
                if (!int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int d))
                    throw new FormatException($"labels CSV line {lineNumber}: bad onsetDay '{fields[2]}'");
                onsetDay = d;
            }
            if (fields[3].Length > 0)
            {
                if (!DateTimeOffset.TryParse(fields[3], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    throw new FormatException($"labels CSV line {lineNumber}: bad onsetAt '{fields[3]}'");
                onsetAt = at.ToUniversalTime();
            }
            if (onsetDay.HasValue != onsetAt.HasValue)
                throw new FormatException($"labels CSV line {lineNumber}: onsetDay and onsetAt must be both set or both empty");
            labels.Add(new CustomerLabel(fields[0], fields[1], onsetDay, onsetAt));
        }
        return labels;
    }

    public static IReadOnlyList<CustomerLabel> Parse(string csv)
    {
        using var reader = new StringReader(csv);
        return Read(reader);
    }
}
