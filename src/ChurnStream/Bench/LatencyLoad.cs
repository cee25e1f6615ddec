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
    private readonly Template[]? _population;
    private long _formattedMs = long.MinValue;
    private byte[] _formatted = [];

    private LatencyLoad(string name, Template[]? population)
    {
        Name = name;
        _population = population;
    }

    public string Name { get; }

    /// <summary>The population's events split around their <c>occurredAt</c> value once, so that sending one costs a copy.</summary>
    public static LatencyLoad Population(BenchEvents events) =>
        new("generated population", events.Items.Select(e => Template.Of(e.Purchase, e.Key, e.Json)).ToArray());

    public static LatencyLoad NewCustomers { get; } = new("new customers", null);

    public readonly record struct LiveEvent(bool Purchase, byte[]? Key, byte[] Json, DateTimeOffset SentAt);

    /// <summary>The <paramref name="i"/>-th event of the load, timed now.</summary>
    public LiveEvent Event(int i)
    {
        if (_population is null) return NewCustomerEvent($"lat-{i:D8}", i % 2 == 0);
        var t = _population[i % _population.Length];
        var now = DateTimeOffset.UtcNow;
        return new LiveEvent(t.Purchase, t.Key, t.With(Formatted(now)), now);
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

    /// <summary>The instant as the events carry it, formatted once per millisecond (dozens of events share one).</summary>
    private byte[] Formatted(DateTimeOffset t)
    {
        var ms = t.ToUnixTimeMilliseconds();
        if (ms != _formattedMs)
        {
            _formatted = Encoding.ASCII.GetBytes(Format(t));
            _formattedMs = ms;
        }
        return _formatted;
    }

    /// <summary>A generated event around its <c>occurredAt</c> value (the generator writes compact JSON).</summary>
    private sealed record Template(bool Purchase, byte[]? Key, byte[] Before, byte[] After)
    {
        public static Template Of(bool purchase, string? key, byte[] json)
        {
            var property = "\"occurredAt\":\""u8;
            var start = json.AsSpan().IndexOf(property);
            if (start < 0) throw new InvalidOperationException("a generated event without occurredAt");
            start += property.Length;
            var end = start + json.AsSpan(start).IndexOf((byte)'"');
            return new Template(purchase, key is null ? null : Encoding.UTF8.GetBytes(key), json[..start], json[end..]);
        }

        public byte[] With(byte[] occurredAt)
        {
            var json = new byte[Before.Length + occurredAt.Length + After.Length];
            Before.CopyTo(json, 0);
            occurredAt.CopyTo(json, Before.Length);
            After.CopyTo(json, Before.Length + occurredAt.Length);
            return json;
        }
    }
}
