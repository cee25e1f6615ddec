using System.Globalization;
using System.Text;

namespace ChurnStream.Host.Bench;

/// <summary>
/// The events of the latency run, made live: each one's <c>occurredAt</c> is the moment it is sent.
/// <list type="bullet">
/// <item><see cref="Population"/> (the default): the bench's generated population, replayed in its order (wrapping
/// around when the run needs more), keys and all: the load the maximum rate was measured on.</item>
/// <item><see cref="NewCustomers"/>: every event the first of a new customer (a purchase or a visit), so every event has
/// a segment change, a new profile and a changelog record: the heaviest load per event.</item>
/// </list>
/// </summary>
public sealed class LatencyLoad
{
    private readonly BenchEvents? _population;

    private LatencyLoad(string name, BenchEvents? population)
    {
        Name = name;
        _population = population;
    }

    public string Name { get; }

    public static LatencyLoad Population(BenchEvents events) => new("generated population", events);

    public static LatencyLoad NewCustomers { get; } = new("new customers", null);

    public readonly record struct LiveEvent(bool Purchase, byte[]? Key, byte[] Json, DateTimeOffset SentAt);

    /// <summary>The <paramref name="i"/>-th event of the load, timed now.</summary>
    public LiveEvent Event(int i)
    {
        if (_population is null) return NewCustomerEvent($"lat-{i:D8}", i % 2 == 0);
        var (purchase, key, json) = _population.Items[i % _population.Count];
        var now = DateTimeOffset.UtcNow;
        return new LiveEvent(purchase, key is null ? null : Encoding.UTF8.GetBytes(key), Retimed(json, Format(now)), now);
    }

    public static LiveEvent NewCustomerEvent(string customer, bool purchase)
    {
        var now = DateTimeOffset.UtcNow;
        var at = Format(now);
        var json = purchase
            ? $"{{\"customerId\":\"{customer}\",\"occurredAt\":\"{at}\",\"amount\":42.5,\"eventId\":\"e-{customer}\",\"category\":\"books\"}}"
            : $"{{\"customerId\":\"{customer}\",\"occurredAt\":\"{at}\",\"type\":\"visit\",\"eventId\":\"e-{customer}\"}}";
        return new LiveEvent(purchase, Encoding.UTF8.GetBytes(customer), Encoding.UTF8.GetBytes(json), now);
    }

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The generated event with its <c>occurredAt</c> value replaced (the generator writes compact JSON).</summary>
    public static byte[] Retimed(byte[] json, string occurredAt)
    {
        var property = "\"occurredAt\":\""u8;
        var start = json.AsSpan().IndexOf(property);
        if (start < 0) throw new InvalidOperationException("a generated event without occurredAt");
        start += property.Length;
        var end = start + json.AsSpan(start).IndexOf((byte)'"');
        var value = Encoding.ASCII.GetBytes(occurredAt);
        var result = new byte[json.Length - (end - start) + value.Length];
        json.AsSpan(0, start).CopyTo(result);
        value.CopyTo(result.AsSpan(start));
        json.AsSpan(end).CopyTo(result.AsSpan(start + value.Length));
        return result;
    }
}
