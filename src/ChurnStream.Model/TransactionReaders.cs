using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ChurnStream.Model;

/// <summary>A malformed input line: carries the source (file name) and the 1-based line number.</summary>
public sealed class TransactionFormatException : FormatException
{
    public TransactionFormatException(string sourceName, int lineNumber, string reason)
        : base($"{sourceName}:{lineNumber}: {reason}")
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Reason = reason;
    }

    public string SourceName { get; }
    public int LineNumber { get; }
    public string Reason { get; }
}

/// <summary>
/// Pure parsers of transaction files. Formats: <c>cdnow</c> (whitespace separated, CDNOW_sample.txt's
/// "master id, sample id, YYYYMMDD, CDs, dollars" with the sample id as customer id, or CDNOW_master.txt's
/// "id, YYYYMMDD, CDs, dollars" with an optional header), <c>jsonl</c> (the <c>purchases</c> topic of
/// docs/contracts.md, one object per line; lines with a <c>type</c> field are engagements and are skipped;
/// a repeated eventId of the same customer counts once) and <c>csv</c> (a header naming customerId, occurredAt and
/// amount, case-insensitive, in any order; other columns ignored). Timestamps map to their UTC calendar day; a
/// timestamp without an offset is taken as UTC. Blank lines are skipped; anything else malformed throws a
/// <see cref="TransactionFormatException"/> naming the line.
/// </summary>
public static class TransactionReaders
{
    public static IReadOnlyList<string> Formats { get; } = ["cdnow", "jsonl", "csv"];

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd",
    ];

    /// <summary>Whether <paramref name="format"/> names a supported format (case-insensitive).</summary>
    public static bool IsKnownFormat(string format) => Formats.Contains(format.ToLowerInvariant());

    /// <summary>Reads a whole file; <paramref name="format"/> is cdnow, jsonl or csv.</summary>
    public static IReadOnlyList<Transaction> ReadFile(string path, string format)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(format);
        if (!IsKnownFormat(format)) throw new ArgumentException($"unknown input format '{format}' (expected {string.Join(", ", Formats)})", nameof(format));
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, format, path);
    }

    public static IReadOnlyList<Transaction> Read(TextReader reader, string format, string sourceName) => format.ToLowerInvariant() switch
    {
        "cdnow" => ReadCdnow(reader, sourceName),
        "jsonl" => ReadJsonl(reader, sourceName),
        "csv" => ReadCsv(reader, sourceName),
        _ => throw new ArgumentException($"unknown input format '{format}' (expected {string.Join(", ", Formats)})", nameof(format)),
    };

    public static IReadOnlyList<Transaction> ReadCdnow(TextReader reader, string sourceName = "<cdnow>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<Transaction>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            if (lineNumber == 1 && fields.Length == 4 && !fields[0].All(char.IsAsciiDigit)) continue; // CDNOW_master header
            if (fields.Length is not (4 or 5))
                throw new TransactionFormatException(sourceName, lineNumber, $"expected 4 or 5 whitespace-separated fields (id, [sample id,] YYYYMMDD, CDs, dollars), found {fields.Length}");
            var id = fields.Length == 5 ? fields[1] : fields[0];
            var dateField = fields[fields.Length - 3];
            if (!DateOnly.TryParseExact(dateField, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                throw new TransactionFormatException(sourceName, lineNumber, $"bad date '{dateField}' (expected YYYYMMDD)");
            if (!int.TryParse(fields[^2], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                throw new TransactionFormatException(sourceName, lineNumber, $"bad number of CDs '{fields[^2]}'");
            if (!decimal.TryParse(fields[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                throw new TransactionFormatException(sourceName, lineNumber, $"bad dollar amount '{fields[^1]}'");
            result.Add(new Transaction(id, day, amount));
        }
        return result;
    }

    public static IReadOnlyList<Transaction> ReadJsonl(TextReader reader, string sourceName = "<jsonl>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<Transaction>();
        var seenEvents = new HashSet<(string, string)>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new TransactionFormatException(sourceName, lineNumber, $"invalid JSON ({FirstSentence(e.Message)})");
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new TransactionFormatException(sourceName, lineNumber, "expected a JSON object");
                if (root.TryGetProperty("type", out _)) continue; // an engagement, not a purchase
                var customerId = RequireString(root, "customerId", sourceName, lineNumber);
                var occurredAt = RequireString(root, "occurredAt", sourceName, lineNumber);
                if (!root.TryGetProperty("amount", out var amountElement))
                    throw new TransactionFormatException(sourceName, lineNumber, "missing field 'amount'");
                if (amountElement.ValueKind != JsonValueKind.Number || !amountElement.TryGetDecimal(out var amount))
                    throw new TransactionFormatException(sourceName, lineNumber, "'amount' must be a finite number");
                var day = ParseDay(occurredAt, sourceName, lineNumber);
                CheckCustomerId(customerId, sourceName, lineNumber);
                if (root.TryGetProperty("eventId", out var eventElement) && eventElement.ValueKind == JsonValueKind.String
                    && eventElement.GetString() is { Length: > 0 } eventId && !seenEvents.Add((customerId, eventId)))
                    continue; // duplicate delivery of the same event
                result.Add(new Transaction(customerId, day, amount));
            }
        }
        return result;
    }

    public static IReadOnlyList<Transaction> ReadCsv(TextReader reader, string sourceName = "<csv>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var result = new List<Transaction>();
        var lineNumber = 0;
        int idColumn = -1, timeColumn = -1, amountColumn = -1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = SplitCsv(line, sourceName, lineNumber);
            if (idColumn < 0)
            {
                var header = fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                idColumn = header.IndexOf("customerid");
                timeColumn = header.IndexOf("occurredat");
                amountColumn = header.IndexOf("amount");
                if (idColumn < 0 || timeColumn < 0 || amountColumn < 0)
                    throw new TransactionFormatException(sourceName, lineNumber, "the header must name the columns customerId, occurredAt and amount");
                continue;
            }
            var needed = Math.Max(idColumn, Math.Max(timeColumn, amountColumn)) + 1;
            if (fields.Count < needed)
                throw new TransactionFormatException(sourceName, lineNumber, $"expected at least {needed} fields, found {fields.Count}");
            var customerId = fields[idColumn].Trim();
            CheckCustomerId(customerId, sourceName, lineNumber);
            var day = ParseDay(fields[timeColumn].Trim(), sourceName, lineNumber);
            if (!decimal.TryParse(fields[amountColumn].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                throw new TransactionFormatException(sourceName, lineNumber, $"bad amount '{fields[amountColumn].Trim()}'");
            result.Add(new Transaction(customerId, day, amount));
        }
        if (idColumn < 0) throw new TransactionFormatException(sourceName, Math.Max(lineNumber, 1), "missing header line (customerId, occurredAt, amount)");
        return result;
    }

    private static string RequireString(JsonElement root, string name, string sourceName, int lineNumber)
    {
        if (!root.TryGetProperty(name, out var element)) throw new TransactionFormatException(sourceName, lineNumber, $"missing field '{name}'");
        if (element.ValueKind != JsonValueKind.String) throw new TransactionFormatException(sourceName, lineNumber, $"'{name}' must be a string");
        return element.GetString()!;
    }

    private static void CheckCustomerId(string customerId, string sourceName, int lineNumber)
    {
        if (customerId.Length == 0) throw new TransactionFormatException(sourceName, lineNumber, "empty customerId");
        if (Encoding.UTF8.GetByteCount(customerId) > 256) throw new TransactionFormatException(sourceName, lineNumber, "customerId longer than 256 bytes");
    }

    private static DateOnly ParseDay(string text, string sourceName, int lineNumber)
    {
        if (!DateTimeOffset.TryParseExact(text, TimestampFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            throw new TransactionFormatException(sourceName, lineNumber, $"bad timestamp '{text}' (expected ISO-8601, e.g. 2025-03-01T10:15:00Z)");
        return DateOnly.FromDateTime(instant.UtcDateTime);
    }

    // RFC 4180 fields on one line (quoted fields with doubled quotes; no line breaks inside fields).
    private static List<string> SplitCsv(string line, string sourceName, int lineNumber)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (true)
        {
            current.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) throw new TransactionFormatException(sourceName, lineNumber, "unterminated quoted field");
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    current.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',') throw new TransactionFormatException(sourceName, lineNumber, "unexpected character after a quoted field");
            }
            else
            {
                while (i < line.Length && line[i] != ',') current.Append(line[i++]);
            }
            fields.Add(current.ToString());
            if (i >= line.Length) return fields;
            i++; // skip the comma
        }
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot < 0 ? message.TrimEnd('.') : message[..dot];
    }
}
