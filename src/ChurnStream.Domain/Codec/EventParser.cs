using System.Buffers;
using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Codec;

/// <summary>
/// Bytes to event: reads one JSON message of the <c>purchases</c> or <c>engagements</c> contract. Unknown fields
/// are ignored; anything else wrong gives a <see cref="Rejection"/> instead of an exception.
/// </summary>
public sealed partial class EventParser(long minEventTimeMs, long maxEventTimeMs)
{
    public const int MaxIdBytes = 256;

    /// <summary>Accepts event times from 1970 up to 2200: anything outside is a broken clock or a unit mistake.</summary>
    public static readonly EventParser Default = new(0, new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());

    private static readonly StringCache Categories = new();
    private static readonly StringCache Channels = new();

    public bool TryParse(ReadOnlySpan<byte> json, InputTopic topic, out CustomerEvent evt, out Rejection rejection)
    {
        rejection = default;
        if (TryParseFlat(json, topic, out evt)) return true;
        try
        {
            return TryParseCore(json, topic, out evt, out rejection);
        }
        catch (JsonException ex)
        {
            rejection = new Rejection(RejectReason.InvalidJson, $"not valid JSON: {ex.Message}");
            return false;
        }
        catch (InvalidOperationException ex)
        {
            rejection = new Rejection(RejectReason.InvalidJson, $"not valid JSON: {ex.Message}");
            return false;
        }
    }

    private bool TryParseCore(ReadOnlySpan<byte> json, InputTopic topic, out CustomerEvent evt, out Rejection rejection)
    {
        evt = null!;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            rejection = new Rejection(RejectReason.InvalidJson, "the message is not a JSON object");
            return false;
        }

        string? customerId = null, eventId = null, category = null, channel = null;
        long? occurredAt = null;
        double? amount = null;
        EventKind? kind = null;
        byte score = 0;
        var reason = StatedReason.None;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            Rejection? bad = null;
            switch (FieldOf(ref reader, topic))
            {
                case Field.CustomerId: bad = ReadId(ref reader, "customerId", out customerId); break;
                case Field.OccurredAt: bad = ReadTime(ref reader, out occurredAt); break;
                case Field.EventId: bad = ReadOptionalString(ref reader, "eventId", out eventId); break;
                case Field.Channel: bad = ReadOptionalString(ref reader, "channel", out channel, Channels); break;
                case Field.Amount: bad = ReadAmount(ref reader, out amount); break;
                case Field.Category: bad = ReadOptionalString(ref reader, "category", out category, Categories); break;
                case Field.Type: bad = ReadType(ref reader, out kind); break;
                case Field.Score: bad = ReadScore(ref reader, out score); break;
                case Field.Reason: bad = ReadReason(ref reader, out reason); break;
                default:
                    reader.Read();
                    reader.Skip();
                    break;
            }
            if (bad is { } b) { rejection = b; return false; }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            rejection = new Rejection(RejectReason.InvalidJson, "trailing content after the JSON object");
            return false;
        }

        if (customerId is null) return Missing("customerId", out rejection);
        if (occurredAt is null) return Missing("occurredAt", out rejection);
        if (topic == InputTopic.Purchases && amount is null) return Missing("amount", out rejection);
        if (topic == InputTopic.Engagements && kind is null) return Missing("type", out rejection);

        evt = new CustomerEvent(customerId, occurredAt.Value, topic == InputTopic.Purchases ? EventKind.Purchase : kind!.Value,
            amount ?? 0, eventId, category, channel, score, reason);
        rejection = default;
        return true;
    }

    private enum Field : byte { Unknown, CustomerId, OccurredAt, EventId, Channel, Amount, Category, Type, Score, Reason }

    /// <summary>
    /// The field a property name denotes in <paramref name="topic"/>'s contract. A name without escapes is told apart by its
    /// length first, so an unknown field costs one or two comparisons instead of one per known name.
    /// </summary>
    private static Field FieldOf(ref Utf8JsonReader reader, InputTopic topic)
    {
        return reader.ValueIsEscaped || reader.HasValueSequence ? FieldOfEscaped(ref reader, topic) : FieldOf(reader.ValueSpan, topic);
    }

    private static Field FieldOf(ReadOnlySpan<byte> name, InputTopic topic)
    {
        var purchases = topic == InputTopic.Purchases;
        var engagements = topic == InputTopic.Engagements;
        return name.Length switch
        {
            10 when name.SequenceEqual("customerId"u8) => Field.CustomerId,
            10 when name.SequenceEqual("occurredAt"u8) => Field.OccurredAt,
            7 when name.SequenceEqual("eventId"u8) => Field.EventId,
            7 when name.SequenceEqual("channel"u8) => Field.Channel,
            6 when purchases && name.SequenceEqual("amount"u8) => Field.Amount,
            8 when purchases && name.SequenceEqual("category"u8) => Field.Category,
            4 when engagements && name.SequenceEqual("type"u8) => Field.Type,
            5 when engagements && name.SequenceEqual("score"u8) => Field.Score,
            6 when engagements && name.SequenceEqual("reason"u8) => Field.Reason,
            _ => Field.Unknown,
        };
    }

    private static Field FieldOfEscaped(ref Utf8JsonReader reader, InputTopic topic)
    {
        if (reader.ValueTextEquals("customerId"u8)) return Field.CustomerId;
        if (reader.ValueTextEquals("occurredAt"u8)) return Field.OccurredAt;
        if (reader.ValueTextEquals("eventId"u8)) return Field.EventId;
        if (reader.ValueTextEquals("channel"u8)) return Field.Channel;
        if (topic == InputTopic.Purchases && reader.ValueTextEquals("amount"u8)) return Field.Amount;
        if (topic == InputTopic.Purchases && reader.ValueTextEquals("category"u8)) return Field.Category;
        if (topic == InputTopic.Engagements && reader.ValueTextEquals("type"u8)) return Field.Type;
        if (topic == InputTopic.Engagements && reader.ValueTextEquals("score"u8)) return Field.Score;
        if (topic == InputTopic.Engagements && reader.ValueTextEquals("reason"u8)) return Field.Reason;
        return Field.Unknown;
    }

    private static bool Missing(string field, out Rejection rejection)
    {
        rejection = new Rejection(RejectReason.MissingField, $"required field '{field}' is missing");
        return false;
    }

    private static Rejection? ReadId(ref Utf8JsonReader reader, string field, out string? value)
    {
        value = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
            return new Rejection(RejectReason.InvalidField, $"'{field}' must be a string");
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length == 0 || length > MaxIdBytes * 6)
            return new Rejection(RejectReason.InvalidField, $"'{field}' must be a non-empty string of at most {MaxIdBytes} bytes");
        // ASCII without escapes (the usual id): one byte per character, so the length in bytes is the byte count.
        var ascii = !reader.HasValueSequence && !reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan);
        value = ascii ? Encoding.ASCII.GetString(reader.ValueSpan) : reader.GetString()!;
        if (value.Length == 0 || (ascii ? length : Encoding.UTF8.GetByteCount(value)) > MaxIdBytes || string.IsNullOrWhiteSpace(value))
        {
            value = null;
            return new Rejection(RejectReason.InvalidField, $"'{field}' must be a non-empty string of at most {MaxIdBytes} bytes");
        }
        return null;
    }

    private static Rejection? ReadOptionalString(ref Utf8JsonReader reader, string field, out string? value, StringCache? cache = null)
    {
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String)
            return new Rejection(RejectReason.InvalidField, $"'{field}' must be a string");
        if (cache is not null && !reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            value = cache.Get(reader.ValueSpan);
        }
        else
        {
            value = reader.GetString();
        }
        if (value is { Length: > MaxIdBytes })
        {
            value = null;
            return new Rejection(RejectReason.InvalidField, $"'{field}' must be at most {MaxIdBytes} characters");
        }
        return null;
    }

    private Rejection? ReadTime(ref Utf8JsonReader reader, out long? ms)
    {
        ms = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
            return new Rejection(RejectReason.InvalidField, "'occurredAt' must be an ISO-8601 string with an offset");
        long value;
        DateTimeOffset? stated = null;
        if (!reader.HasValueSequence && !reader.ValueIsEscaped && TryParseUtc(reader.ValueSpan, out var fast))
        {
            value = fast;
        }
        else
        {
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            if (!HasExplicitOffset(raw) || !reader.TryGetDateTimeOffset(out var t))
                return new Rejection(RejectReason.InvalidField, "'occurredAt' must be an ISO-8601 string with an offset, such as 2025-03-01T10:15:00Z");
            value = t.ToUnixTimeMilliseconds();
            stated = t;
        }
        if (value < minEventTimeMs || value >= maxEventTimeMs)
            return new Rejection(RejectReason.AbsurdTimestamp, $"'occurredAt' {stated ?? DateTimeOffset.FromUnixTimeMilliseconds(value):O} is outside the accepted range");
        ms = value;
        return null;
    }

    /// <summary>
    /// The common form, <c>yyyy-MM-ddTHH:mm:ssZ</c> or <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, without the general ISO-8601
    /// parser. Anything else (offsets, other precisions, lower-case letters, invalid fields) returns false and goes to the
    /// general parser, so what is accepted and the instant it denotes are exactly as before.
    /// </summary>
    internal static bool TryParseUtc(ReadOnlySpan<byte> s, out long ms)
    {
        ms = 0;
        if (s.Length is not (20 or 24) || s[^1] != (byte)'Z' || s[4] != (byte)'-' || s[7] != (byte)'-' || s[10] != (byte)'T'
            || s[13] != (byte)':' || s[16] != (byte)':')
            return false;
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
            return false;
        var millis = 0;
        if (s.Length == 24 && (s[19] != (byte)'.' || !Digits(s, 20, 3, out millis))) return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks;
        ms = (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond + millis;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - (byte)'0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
        }
        return true;
    }

    private static bool HasExplicitOffset(ReadOnlySpan<byte> s)
    {
        if (s.Length < 17) return false;
        if (s[^1] is (byte)'Z' or (byte)'z') return true;
        // ...+HH:MM or ...-HH:MM after the time part
        return s.Length >= 22 && s[^6] is (byte)'+' or (byte)'-' && s[^3] == (byte)':' && s.IndexOf((byte)'T') > 0;
    }

    private static Rejection? ReadAmount(ref Utf8JsonReader reader, out double? amount)
    {
        amount = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number)
            return new Rejection(RejectReason.InvalidField, "'amount' must be a number");
        if (!reader.TryGetDouble(out var v) || !double.IsFinite(v))
            return new Rejection(RejectReason.NonFiniteAmount, "'amount' is not a finite number");
        amount = v;
        return null;
    }

    private static Rejection? ReadType(ref Utf8JsonReader reader, out EventKind? kind)
    {
        kind = null;
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
            return new Rejection(RejectReason.InvalidField, "'type' must be a string");
        var text = reader.HasValueSequence || reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        if (!EventKindNames.TryParseEngagement(text, out var k))
            return new Rejection(RejectReason.UnknownType, $"'type' '{Truncate(reader.GetString()!)}' is not a known engagement type");
        kind = k;
        return null;
    }

    private static Rejection? ReadScore(ref Utf8JsonReader reader, out byte score)
    {
        score = 0;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var v) || v is < 1 or > 5)
            return new Rejection(RejectReason.InvalidField, "'score' must be an integer from 1 to 5");
        score = (byte)v;
        return null;
    }

    private static Rejection? ReadReason(ref Utf8JsonReader reader, out StatedReason reason)
    {
        reason = StatedReason.None;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.String)
            return new Rejection(RejectReason.InvalidField, "'reason' must be a string");
        reason = ReasonOf(reader.GetString()!);
        return null;
    }

    private static StatedReason ReasonOf(string s) => s.Trim().ToLowerInvariant() switch
    {
        "" => StatedReason.None,
        "price" => StatedReason.Price,
        "service" => StatedReason.Service,
        "need" => StatedReason.Need,
        _ => StatedReason.Other,
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
