using System.Globalization;
using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;

namespace ChurnStream.Host.Backfill;

/// <summary>Receives what a source reads, with the line it started on; <see cref="Stopped"/> ends the reading.</summary>
internal interface IRowHandler
{
    void OnEvent(CustomerEvent e, long line);

    void OnBadRow(long line, string reason, string detail);

    /// <summary>A raw row read (whatever became of it), for the counts and the progress line.</summary>
    void OnRow(long bytesRead);

    bool Stopped { get; }
}

/// <summary>
/// JSON Lines in the topic format. A line with an <c>amount</c> field is a purchase, otherwise one with a
/// <c>type</c> field an engagement (unless <c>--topic</c> says which contract every line follows). Each line
/// goes through the service's own parser, so it is accepted or rejected exactly as on Kafka.
/// </summary>
internal static class JsonLinesSource
{
    public static void Read(string path, InputTopic? topic, IRowHandler handler)
    {
        var (stream, file) = InputFiles.Open(path);
        using var _ = stream;
        var lines = new ByteLineReader(stream);
        var first = true;
        while (!handler.Stopped && lines.TryReadLine(out var line, out var tooLong))
        {
            if (first && line.StartsWith("\xEF\xBB\xBF"u8)) line = line[3..];
            first = false;
            handler.OnRow(file.Position);
            if (tooLong)
            {
                handler.OnBadRow(lines.LineNumber, RejectReason.InvalidJson.Name(), $"the line is longer than {ByteLineReader.MaxLineBytes} bytes");
                continue;
            }
            if (IsBlank(line)) continue;
            var contract = topic ?? Detect(line);
            if (contract is null)
            {
                handler.OnBadRow(lines.LineNumber, RejectReason.MissingField.Name(),
                    "neither 'amount' (a purchase) nor 'type' (an engagement) is present");
                continue;
            }
            if (EventParser.Default.TryParse(line, contract.Value, out var evt, out var rejection))
                handler.OnEvent(evt, lines.LineNumber);
            else
                handler.OnBadRow(lines.LineNumber, rejection.Reason.Name(), rejection.Detail);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        return true;
    }

    /// <summary>
    /// Which contract a line follows, from its top-level fields: <c>amount</c> → purchases, else <c>type</c> →
    /// engagements; null when it has neither. A line that is not a JSON object is given to the purchases parser,
    /// which names what is wrong with it.
    /// </summary>
    internal static InputTopic? Detect(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        bool amount = false, type = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return InputTopic.Purchases;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("amount"u8)) amount = true;
                else if (reader.ValueTextEquals("type"u8)) type = true;
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return InputTopic.Purchases;
        }
        return amount ? InputTopic.Purchases : type ? InputTopic.Engagements : null;
    }
}

/// <summary>
/// CSV exports of orders (a retail export such as UCI "Online Retail"): every row is a purchase line, mapped by
/// <see cref="CsvSettings"/>. amount = quantity x unitPrice (or the <c>amount</c> column); an invoice starting
/// with the cancellation prefix is a refund (negative amount). With <see cref="CsvSettings.AggregateInvoices"/>,
/// adjacent rows of the same customer and invoice make one purchase (one order), at the time of its first row.
/// </summary>
internal sealed class CsvSource
{
    private readonly CsvSettings _settings;
    private readonly TimeZoneInfo _zone;
    private readonly string[] _formats;

    public CsvSource(CsvSettings settings)
    {
        _settings = settings;
        _zone = settings.ResolveTimeZone();
        _formats = settings.EffectiveDateFormats.ToArray();
    }

    private sealed class Pending
    {
        public required string CustomerId;
        public required string Invoice;
        public long OccurredAtMs;
        public decimal Amount;
        public bool Cancellation;
        public string? EventId, Category, Channel;
        public long Line;
    }

    public void Read(string path, IRowHandler handler)
    {
        var (stream, file) = InputFiles.Open(path);
        using var text = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var csv = new CsvRecordReader(text, _settings.Delimiter[0]);
        if (!csv.Read()) return;
        var header = csv.Fields.Select(h => h.Trim()).ToList();
        int Index(string field)
        {
            if (_settings.Column(field) is not { } column) return -1;
            var i = header.FindIndex(h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase));
            if (i < 0)
                throw new Hosting.ConfigurationProblem(
                    $"{path}:{csv.RecordLine}: the header has no column '{column}' (mapped to {field}); it has: {string.Join(", ", header)}");
            return i;
        }
        int customerCol = Index("customerId"), timeCol = Index("occurredAt"), amountCol = Index("amount"), quantityCol = Index("quantity"),
            priceCol = Index("unitPrice"), invoiceCol = Index("invoice"), eventIdCol = Index("eventId"), categoryCol = Index("category"),
            channelCol = Index("channel");
        var needed = new[] { customerCol, timeCol, amountCol, quantityCol, priceCol, invoiceCol, eventIdCol, categoryCol, channelCol }.Max() + 1;
        string Name(int col) => header[col];

        Pending? pending = null;
        void Emit()
        {
            if (pending is null) return;
            var amount = (double)pending.Amount;
            if (pending.Cancellation) amount = -Math.Abs(amount);
            handler.OnEvent(new CustomerEvent(pending.CustomerId, pending.OccurredAtMs, EventKind.Purchase, amount,
                pending.EventId, pending.Category, pending.Channel), pending.Line);
            pending = null;
        }

        while (!handler.Stopped && csv.Read())
        {
            handler.OnRow(file.Position);
            var line = csv.RecordLine;
            var f = csv.Fields;
            if (csv.Problem is { } problem) { handler.OnBadRow(line, "invalid_csv", problem); continue; }
            if (f.Count < needed)
            {
                handler.OnBadRow(line, "invalid_csv", $"the row has {f.Count} fields, the header {header.Count}");
                continue;
            }
            var customerId = f[customerCol].Trim();
            if (customerId.Length == 0)
            {
                handler.OnBadRow(line, RejectReason.MissingField.Name(), $"{Name(customerCol)} (the customer id) is empty");
                continue;
            }
            if (Encoding.UTF8.GetByteCount(customerId) > EventParser.MaxIdBytes)
            {
                handler.OnBadRow(line, RejectReason.InvalidField.Name(), $"{Name(customerCol)} is longer than {EventParser.MaxIdBytes} bytes");
                continue;
            }
            if (!TryParseTime(f[timeCol], out var at, out var timeProblem))
            {
                handler.OnBadRow(line, timeProblem.Reason, $"{Name(timeCol)} {timeProblem.Detail}");
                continue;
            }
            decimal amount;
            if (amountCol >= 0)
            {
                if (!TryParseNumber(f[amountCol], Name(amountCol), out amount, out var bad)) { handler.OnBadRow(line, bad.Reason, bad.Detail); continue; }
            }
            else
            {
                if (!TryParseNumber(f[quantityCol], Name(quantityCol), out var q, out var bad1)) { handler.OnBadRow(line, bad1.Reason, bad1.Detail); continue; }
                if (!TryParseNumber(f[priceCol], Name(priceCol), out var p, out var bad2)) { handler.OnBadRow(line, bad2.Reason, bad2.Detail); continue; }
                try
                {
                    amount = q * p;
                }
                catch (OverflowException)
                {
                    handler.OnBadRow(line, RejectReason.NonFiniteAmount.Name(), $"{Name(quantityCol)} x {Name(priceCol)} is too large");
                    continue;
                }
            }
            var invoice = invoiceCol >= 0 ? f[invoiceCol].Trim() : "";
            var cancellation = invoice.Length > 0 && _settings.CancellationPrefix.Length > 0
                && invoice.StartsWith(_settings.CancellationPrefix, StringComparison.Ordinal);
            string? Optional(int col) => col >= 0 && f[col].Trim() is { Length: > 0 } v ? v : null;

            if (_settings.AggregateInvoices && pending is not null && invoice.Length > 0
                && pending.Invoice == invoice && pending.CustomerId == customerId)
            {
                try
                {
                    pending.Amount += amount;
                }
                catch (OverflowException)
                {
                    handler.OnBadRow(line, RejectReason.NonFiniteAmount.Name(), $"the total of invoice {invoice} is too large");
                }
                continue;
            }
            Emit();
            pending = new Pending
            {
                CustomerId = customerId, Invoice = invoice, OccurredAtMs = at, Amount = amount, Cancellation = cancellation,
                EventId = Optional(eventIdCol), Category = Optional(categoryCol), Channel = Optional(channelCol), Line = line,
            };
            if (!_settings.AggregateInvoices || invoice.Length == 0) Emit();
        }
        if (!handler.Stopped) Emit();
    }

    private readonly record struct Problem(string Reason, string Detail);

    private static readonly long MaxMs = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private bool TryParseTime(string raw, out long ms, out Problem problem)
    {
        ms = 0;
        problem = default;
        var s = raw.Trim();
        if (s.Length == 0) { problem = new(RejectReason.MissingField.Name(), "is empty"); return false; }
        DateTimeOffset t;
        if (HasOffset(s) && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            t = withOffset;
        }
        else if (DateTime.TryParseExact(s, _formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var local))
        {
            local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            // Times that do not exist or exist twice (daylight saving changes) take the zone's standard offset.
            t = new DateTimeOffset(local, _zone.GetUtcOffset(local));
        }
        else
        {
            problem = new(RejectReason.InvalidField.Name(), $"'{Truncate(s)}' matches none of the date formats ({string.Join(" | ", _formats)})");
            return false;
        }
        ms = t.ToUnixTimeMilliseconds();
        if (ms < 0 || ms >= MaxMs)
        {
            problem = new(RejectReason.AbsurdTimestamp.Name(), $"{t:O} is outside the accepted range (1970 to 2200)");
            return false;
        }
        return true;
    }

    private static bool HasOffset(string s) =>
        s.Length >= 17 && (s[^1] is 'Z' or 'z' || (s.Length >= 22 && s[^6] is '+' or '-' && s[^3] == ':' && s.IndexOf('T') > 0));

    private static bool TryParseNumber(string raw, string column, out decimal value, out Problem problem)
    {
        problem = default;
        var s = raw.Trim();
        if (s.Length == 0)
        {
            value = 0;
            problem = new(RejectReason.MissingField.Name(), $"{column} is empty");
            return false;
        }
        if (decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return true;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            problem = double.IsFinite(d)
                ? new(RejectReason.NonFiniteAmount.Name(), $"{column} '{Truncate(s)}' is too large")
                : new(RejectReason.NonFiniteAmount.Name(), $"{column} '{Truncate(s)}' is not a finite number");
            return false;
        }
        problem = new(RejectReason.InvalidField.Name(), $"{column} '{Truncate(s)}' is not a number");
        return false;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
