using System.Buffers;
using System.Text.Json;

namespace ChurnStream.Simulation;

/// <summary>Writes the input-contract JSON of purchases and engagements (compact, invariant, cents, whole-second UTC).</summary>
internal sealed class EventWriter
{
    private static readonly JsonEncodedText CustomerId = JsonEncodedText.Encode("customerId");
    private static readonly JsonEncodedText OccurredAt = JsonEncodedText.Encode("occurredAt");
    private static readonly JsonEncodedText EventId = JsonEncodedText.Encode("eventId");
    private static readonly JsonEncodedText Amount = JsonEncodedText.Encode("amount");
    private static readonly JsonEncodedText OrderId = JsonEncodedText.Encode("orderId");
    private static readonly JsonEncodedText Currency = JsonEncodedText.Encode("currency");
    private static readonly JsonEncodedText Channel = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText Category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Score = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Eur = JsonEncodedText.Encode("EUR");

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    public EventWriter() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = false, SkipValidation = true });

    public byte[] Purchase(string customerId, long occurredTicks, string eventId, double amount, string orderId, string channel, string category)
    {
        var w = Begin(customerId, occurredTicks, eventId);
        w.WriteNumber(Amount, Math.Round((decimal)amount, 2, MidpointRounding.AwayFromZero));
        w.WriteString(OrderId, orderId);
        w.WriteString(Currency, Eur);
        w.WriteString(Channel, channel);
        w.WriteString(Category, category);
        return End();
    }

    public byte[] Engagement(string customerId, long occurredTicks, string eventId, string type, string? channel, int? score, string? reason)
    {
        var w = Begin(customerId, occurredTicks, eventId);
        w.WriteString(Type, type);
        if (channel is not null) w.WriteString(Channel, channel);
        if (score is { } s) w.WriteNumber(Score, s);
        if (reason is not null) w.WriteString(Reason, reason);
        return End();
    }

    private Utf8JsonWriter Begin(string customerId, long occurredTicks, string eventId)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString(CustomerId, customerId);
        Span<byte> stamp = stackalloc byte[20];
        FormatUtc(occurredTicks, stamp);
        _writer.WriteString(OccurredAt, stamp);
        _writer.WriteString(EventId, eventId);
        return _writer;
    }

    private byte[] End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Formats UTC ticks as <c>yyyy-MM-ddTHH:mm:ssZ</c> (20 bytes).</summary>
    internal static void FormatUtc(long ticks, Span<byte> destination)
    {
        var (year, month, day) = new DateTime(ticks, DateTimeKind.Utc);
        int secondOfDay = (int)(ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond);
        int hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60;
        Write4(destination, 0, year);
        destination[4] = (byte)'-';
        Write2(destination, 5, month);
        destination[7] = (byte)'-';
        Write2(destination, 8, day);
        destination[10] = (byte)'T';
        Write2(destination, 11, hour);
        destination[13] = (byte)':';
        Write2(destination, 14, minute);
        destination[16] = (byte)':';
        Write2(destination, 17, second);
        destination[19] = (byte)'Z';
    }

    /// <summary>Formats an instant as <c>yyyy-MM-ddTHH:mm:ssZ</c> (fraction of a second dropped).</summary>
    internal static string FormatUtc(DateTimeOffset instant)
    {
        Span<byte> buffer = stackalloc byte[20];
        FormatUtc(instant.UtcTicks, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    private static void Write2(Span<byte> d, int at, int v)
    {
        d[at] = (byte)('0' + v / 10);
        d[at + 1] = (byte)('0' + v % 10);
    }

    private static void Write4(Span<byte> d, int at, int v)
    {
        d[at] = (byte)('0' + v / 1000);
        d[at + 1] = (byte)('0' + v / 100 % 10);
        d[at + 2] = (byte)('0' + v / 10 % 10);
        d[at + 3] = (byte)('0' + v % 10);
    }
}
