using System.Text.Json;

namespace ChurnStream.Simulation;

/// <summary>The fields of a <c>churn-alerts</c> message that the evaluation needs.</summary>
public sealed record AlertRecord(string CustomerId, string Kind, DateTimeOffset DetectedAt)
{
    /// <summary>
    /// Reads <c>customerId</c>, <c>kind</c> and <c>detectedAt</c> from the alert JSON of the contract; every other field is ignored.
    /// </summary>
    /// <exception cref="FormatException">Not a JSON object, or a required field is missing or of the wrong type.</exception>
    public static AlertRecord Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new FormatException("alert is not a JSON object");
            string? customerId = null, kind = null;
            DateTimeOffset? detectedAt = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("customerId"u8))
                    customerId = ReadString(ref reader, "customerId");
                else if (reader.ValueTextEquals("kind"u8))
                    kind = ReadString(ref reader, "kind");
                else if (reader.ValueTextEquals("detectedAt"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var at))
                        throw new FormatException("detectedAt is not an ISO-8601 timestamp");
                    detectedAt = at;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (string.IsNullOrEmpty(customerId)) throw new FormatException("alert without customerId");
            if (string.IsNullOrEmpty(kind)) throw new FormatException("alert without kind");
            if (detectedAt is null) throw new FormatException("alert without detectedAt");
            return new AlertRecord(customerId, kind, detectedAt.Value);
        }
        catch (JsonException e)
        {
            throw new FormatException("alert is not valid JSON: " + e.Message, e);
        }
    }

    /// <summary>Like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out AlertRecord? alert)
    {
        try
        {
            alert = Parse(json);
            return true;
        }
        catch (FormatException)
        {
            alert = null;
            return false;
        }
    }

    private static string ReadString(ref Utf8JsonReader reader, string name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String) throw new FormatException(name + " is not a string");
        return reader.GetString()!;
    }
}
