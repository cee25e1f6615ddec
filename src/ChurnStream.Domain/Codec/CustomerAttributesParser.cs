using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Codec;

/// <summary>
/// Bytes to <see cref="CustomerAttributes"/>: one record of the compacted <c>customers</c> topic. The key is the customer
/// id (required); the value is a JSON object with optional <c>source</c> (string, mapped by
/// <see cref="AcquisitionSources.FromName"/>), <c>signedUpAt</c> (ISO-8601 with an offset) and <c>region</c> (string); a
/// <c>customerId</c> field, when present, must equal the key. An empty value is a tombstone. Unknown fields are ignored;
/// anything else wrong is a <see cref="Rejection"/> with the same reasons as <see cref="EventParser"/>.
/// </summary>
public static class CustomerAttributesParser
{
    public static bool TryParse(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out CustomerAttributes attributes, out Rejection rejection)
    {
        attributes = null!;
        string customerId;
        try
        {
            customerId = new UTF8Encoding(false, true).GetString(key);
        }
        catch (DecoderFallbackException)
        {
            rejection = new Rejection(RejectReason.InvalidField, "the record key (customer id) is not valid UTF-8");
            return false;
        }
        if (customerId.Length == 0 || string.IsNullOrWhiteSpace(customerId) || Encoding.UTF8.GetByteCount(customerId) > EventParser.MaxIdBytes)
        {
            rejection = new Rejection(RejectReason.MissingField, $"the record key (customer id) must be a non-empty string of at most {EventParser.MaxIdBytes} bytes");
            return false;
        }
        if (value.IsEmpty)
        {
            attributes = new CustomerAttributes(customerId, Deleted: true);
            rejection = default;
            return true;
        }
        try
        {
            return TryParseCore(customerId, value, out attributes, out rejection);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            rejection = new Rejection(RejectReason.InvalidJson, $"not valid JSON: {ex.Message}");
            return false;
        }
    }

    private static bool TryParseCore(string customerId, ReadOnlySpan<byte> json, out CustomerAttributes attributes, out Rejection rejection)
    {
        attributes = null!;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            rejection = new Rejection(RejectReason.InvalidJson, "the message is not a JSON object");
            return false;
        }
        var source = AcquisitionSource.Unknown;
        var signedUp = long.MinValue;
        string? region = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("customerId"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || reader.GetString() != customerId)
                {
                    rejection = new Rejection(RejectReason.InvalidField, "'customerId' must equal the record key");
                    return false;
                }
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) { rejection = new Rejection(RejectReason.InvalidField, "'source' must be a string"); return false; }
                source = AcquisitionSources.FromName(reader.GetString());
            }
            else if (reader.ValueTextEquals("region"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String) { rejection = new Rejection(RejectReason.InvalidField, "'region' must be a string"); return false; }
                region = reader.GetString();
                if (region is { Length: > EventParser.MaxIdBytes }) { rejection = new Rejection(RejectReason.InvalidField, $"'region' must be at most {EventParser.MaxIdBytes} characters"); return false; }
            }
            else if (reader.ValueTextEquals("signedUpAt"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) continue;
                if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var t) || !HasOffset(reader.GetString()!))
                {
                    rejection = new Rejection(RejectReason.InvalidField, "'signedUpAt' must be an ISO-8601 string with an offset, such as 2025-03-01T10:15:00Z");
                    return false;
                }
                signedUp = t.ToUnixTimeMilliseconds();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            rejection = new Rejection(RejectReason.InvalidJson, "trailing content after the JSON object");
            return false;
        }
        attributes = new CustomerAttributes(customerId, source, signedUp, region);
        rejection = default;
        return true;
    }

    private static bool HasOffset(string s) =>
        s.EndsWith('Z') || s.EndsWith('z') || (s.Length >= 6 && s[^6] is '+' or '-' && s[^3] == ':');
}
