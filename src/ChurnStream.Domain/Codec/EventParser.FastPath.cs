using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Codec;

public sealed partial class EventParser
{
    private enum Token : byte { String, Number, Null, Literal }

    /// <summary>
    /// The messages producers write: one flat object, no whitespace, ASCII strings without escapes, every known field of
    /// the expected type and value. Read without <see cref="Utf8JsonReader"/>, field by field as the general path reads
    /// them. Anything else (and any message the general path would reject) returns false, and the general path decides,
    /// so what is accepted, the event made of it and every rejection stay exactly as they are.
    /// </summary>
    private bool TryParseFlat(ReadOnlySpan<byte> json, InputTopic topic, out CustomerEvent evt)
    {
        evt = null!;
        if (json.Length < 2 || json[0] != (byte)'{' || json[1] == (byte)'}') return false;

        string? customerId = null, eventId = null, category = null, channel = null;
        long occurredAt = 0;
        var hasTime = false;
        double amount = 0;
        var hasAmount = false;
        var kind = EventKind.Purchase;
        byte score = 0;
        var reason = StatedReason.None;

        var i = 1;
        while (true)
        {
            if (!TryString(json, ref i, out var name) || i >= json.Length || json[i++] != (byte)':') return false;
            if (!TryValue(json, ref i, out var token, out var value)) return false;
            switch (FieldOf(name, topic))
            {
                case Field.CustomerId:
                    if (token != Token.String || value.Length == 0 || value.Length > MaxIdBytes) return false;
                    customerId = Encoding.ASCII.GetString(value);
                    if (string.IsNullOrWhiteSpace(customerId)) return false;
                    break;
                case Field.OccurredAt:
                    if (token != Token.String || !TryParseUtc(value, out occurredAt)
                        || occurredAt < minEventTimeMs || occurredAt >= maxEventTimeMs)
                        return false;
                    hasTime = true;
                    break;
                case Field.EventId:
                    if (!TryOptionalString(token, value, null, out eventId)) return false;
                    break;
                case Field.Channel:
                    if (!TryOptionalString(token, value, Channels, out channel)) return false;
                    break;
                case Field.Category:
                    if (!TryOptionalString(token, value, Categories, out category)) return false;
                    break;
                case Field.Amount:
                    // The general path's own conversion, on the number's bytes alone.
                    var number = new Utf8JsonReader(value);
                    if (token != Token.Number || !number.Read() || !number.TryGetDouble(out amount) || !double.IsFinite(amount)) return false;
                    hasAmount = true;
                    break;
                case Field.Type:
                    if (token != Token.String || !EventKindNames.TryParseEngagement(value, out kind)) return false;
                    break;
                case Field.Score:
                    if (token == Token.Null) score = 0;
                    else if (token == Token.Number && value.Length == 1 && value[0] is >= (byte)'1' and <= (byte)'5') score = (byte)(value[0] - '0');
                    else return false;
                    break;
                case Field.Reason:
                    if (token == Token.Null) reason = StatedReason.None;
                    else if (token == Token.String) reason = ReasonOf(Encoding.ASCII.GetString(value));
                    else return false;
                    break;
            }
            if (i >= json.Length) return false;
            var next = json[i++];
            if (next == (byte)'}') break;
            if (next != (byte)',') return false;
        }
        if (i != json.Length || customerId is null || !hasTime) return false;
        if (topic == InputTopic.Purchases ? !hasAmount : kind == EventKind.Purchase) return false;

        evt = new CustomerEvent(customerId, occurredAt, kind, amount, eventId, category, channel, score, reason);
        return true;
    }

    private static bool TryOptionalString(Token token, ReadOnlySpan<byte> value, StringCache? cache, out string? text)
    {
        text = null;
        if (token == Token.Null) return true;
        if (token != Token.String || value.Length > MaxIdBytes) return false;
        text = cache is not null ? cache.Get(value) : Encoding.ASCII.GetString(value);
        return true;
    }

    /// <summary>A string of printable ASCII without escapes, starting at <paramref name="i"/>; <paramref name="i"/> ends past its closing quote.</summary>
    private static bool TryString(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (i >= json.Length || json[i] != (byte)'"') return false;
        var start = i + 1;
        // Values are short: a plain loop beats the vectorised searches here.
        for (var end = start; end < json.Length; end++)
        {
            var b = json[end];
            if (b == (byte)'"')
            {
                value = json[start..end];
                i = end + 1;
                return true;
            }
            if (b is < 0x20 or > 0x7F or (byte)'\\') return false;
        }
        return false;
    }

    private static bool TryValue(ReadOnlySpan<byte> json, ref int i, out Token token, out ReadOnlySpan<byte> value)
    {
        token = Token.String;
        value = default;
        if (i >= json.Length) return false;
        var first = json[i];
        if (first == (byte)'"') return TryString(json, ref i, out value);
        if (first == (byte)'-' || IsDigit(first))
        {
            token = Token.Number;
            var start = i;
            if (!TryNumber(json, ref i)) return false;
            value = json[start..i];
            return true;
        }
        var rest = json[i..];
        if (rest.StartsWith("null"u8)) { token = Token.Null; i += 4; return true; }
        if (rest.StartsWith("true"u8)) { token = Token.Literal; i += 4; return true; }
        if (rest.StartsWith("false"u8)) { token = Token.Literal; i += 5; return true; }
        return false;
    }

    /// <summary>A JSON number: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool TryNumber(ReadOnlySpan<byte> json, ref int i)
    {
        if (json[i] == (byte)'-') i++;
        if (i >= json.Length || !IsDigit(json[i])) return false;
        if (json[i++] != (byte)'0') SkipDigits(json, ref i);
        if (i < json.Length && json[i] == (byte)'.')
        {
            i++;
            if (i >= json.Length || !IsDigit(json[i])) return false;
            SkipDigits(json, ref i);
        }
        if (i < json.Length && json[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-') i++;
            if (i >= json.Length || !IsDigit(json[i])) return false;
            SkipDigits(json, ref i);
        }
        return true;
    }

    private static void SkipDigits(ReadOnlySpan<byte> json, ref int i)
    {
        while (i < json.Length && IsDigit(json[i])) i++;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
