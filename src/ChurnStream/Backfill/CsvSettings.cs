using System.Globalization;
using ChurnStream.Host.Hosting;
using Microsoft.Extensions.Configuration;

namespace ChurnStream.Host.Backfill;

/// <summary>
/// How a CSV export becomes purchases: which column holds what, how dates are written and in which time zone,
/// and whether the rows of one invoice make one order. From the <c>Backfill:Csv</c> section of the configuration
/// file, overridden by the <c>--csv-*</c> options.
/// </summary>
public sealed class CsvSettings
{
    /// <summary>The fields a column can be mapped to (the keys of <c>Columns</c> and <c>--csv-map</c>).</summary>
    public static readonly string[] Fields = ["customerId", "occurredAt", "amount", "quantity", "unitPrice", "invoice", "eventId", "category", "channel"];

    /// <summary>Date formats tried, in order, when none are configured (the UCI export writes <c>12/1/2010 8:26</c>).</summary>
    public static readonly string[] DefaultDateFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
        "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "M/d/yyyy",
    ];

    /// <summary>Field (see <see cref="Fields"/>) → column name in the header, matched case-insensitively.</summary>
    public Dictionary<string, string> Columns { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>IANA or Windows id of the zone of dates written without an offset.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>.NET custom date formats (invariant culture); empty = <see cref="DefaultDateFormats"/>.</summary>
    public List<string> DateFormats { get; set; } = [];

    public string Delimiter { get; set; } = ",";

    /// <summary>Adjacent rows of the same customer and invoice make one purchase (their amounts added up).</summary>
    public bool AggregateInvoices { get; set; } = true;

    /// <summary>An invoice number starting with this marks a cancellation: a refund (negative amount).</summary>
    public string CancellationPrefix { get; set; } = "C";

    public string? Column(string field) => Columns.TryGetValue(field, out var c) && !string.IsNullOrWhiteSpace(c) ? c.Trim() : null;

    public IReadOnlyList<string> EffectiveDateFormats => DateFormats.Count > 0 ? DateFormats : DefaultDateFormats;

    /// <summary>Reads <c>Backfill:Csv</c> from the same file (and <c>CHURNSTREAM_</c> variables) as the rest of the configuration.</summary>
    public static CsvSettings Load(string? configPath)
    {
        var root = AppConfiguration.LoadRoot(configPath);
        var section = root.GetSection("Backfill:Csv");
        var settings = new CsvSettings();
        foreach (var c in section.GetSection("Columns").GetChildren())
            if (c.Value is { } v) settings.Columns[c.Key] = v;
        if (section["TimeZone"] is { } tz) settings.TimeZone = tz;
        if (section["Delimiter"] is { } d) settings.Delimiter = d;
        if (section["CancellationPrefix"] is { } p) settings.CancellationPrefix = p;
        if (section["AggregateInvoices"] is { } a)
            settings.AggregateInvoices = bool.TryParse(a, out var b) ? b
                : throw new ConfigurationProblem($"Backfill:Csv:AggregateInvoices ({a}) must be true or false.");
        var formats = section.GetSection("DateFormats");
        if (formats.Value is { } single) settings.DateFormats.Add(single);
        foreach (var f in formats.GetChildren())
            if (f.Value is { } v) settings.DateFormats.Add(v);
        return settings;
    }

    /// <summary>Parses <c>customerId=CustomerID,occurredAt=InvoiceDate,...</c> (replaces the configured mapping).</summary>
    public static Dictionary<string, string> ParseMap(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0 || eq == part.Length - 1)
                throw new ConfigurationProblem($"--csv-map: '{part}' is not of the form field=Column");
            map[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return map;
    }

    /// <summary>Every problem as a sentence naming the setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var key in Columns.Keys)
            if (!Fields.Contains(key, StringComparer.OrdinalIgnoreCase))
                errors.Add($"Backfill:Csv:Columns: '{key}' is not a field (fields: {string.Join(", ", Fields)}).");
        if (Column("customerId") is null) errors.Add("Backfill:Csv:Columns: 'customerId' is not mapped (e.g. --csv-map customerId=CustomerID,...).");
        if (Column("occurredAt") is null) errors.Add("Backfill:Csv:Columns: 'occurredAt' is not mapped (e.g. --csv-map occurredAt=InvoiceDate,...).");
        var hasAmount = Column("amount") is not null;
        var hasProduct = Column("quantity") is not null || Column("unitPrice") is not null;
        if (hasAmount && hasProduct)
            errors.Add("Backfill:Csv:Columns: map either 'amount' or 'quantity' and 'unitPrice', not both.");
        else if (!hasAmount && (Column("quantity") is null || Column("unitPrice") is null))
            errors.Add("Backfill:Csv:Columns: map 'amount', or both 'quantity' and 'unitPrice' (amount = quantity x unitPrice).");
        if (Delimiter.Length != 1 || Delimiter[0] is '"' or '\r' or '\n')
            errors.Add($"Backfill:Csv:Delimiter ('{Delimiter}') must be one character other than a quote or a line break.");
        try
        {
            _ = ResolveTimeZone();
        }
        catch (ConfigurationProblem ex)
        {
            errors.Add(ex.Message);
        }
        foreach (var f in DateFormats)
        {
            try
            {
                _ = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Unspecified).ToString(f, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                errors.Add($"Backfill:Csv:DateFormats: '{f}' is not a valid .NET date format.");
            }
        }
        return errors;
    }

    public TimeZoneInfo ResolveTimeZone()
    {
        if (string.Equals(TimeZone, "UTC", StringComparison.OrdinalIgnoreCase) || TimeZone == "Z") return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ConfigurationProblem($"Backfill:Csv:TimeZone ('{TimeZone}') is not a known time zone (an IANA id such as Europe/London, or UTC).");
        }
    }
}
