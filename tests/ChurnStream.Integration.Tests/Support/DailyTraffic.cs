using ChurnStream.Domain.Partitioning;
using ChurnStream.Domain.Time;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>Input records for the Kafka specs: a purchase and a visit per customer and day, keyed as a producer keys them.</summary>
public static class DailyTraffic
{
    /// <summary>The <c>occurredAt</c> of day <paramref name="day"/> after <paramref name="start"/>.</summary>
    public static string At(DateTimeOffset start, int day) => EventTime.Format(start.AddDays(day).ToUnixTimeMilliseconds());

    /// <summary>
    /// Days <paramref name="from"/> to <paramref name="to"/> (both included) of every customer, day by day, each record
    /// on the partition the producer's partitioner (the Java client's) gives its key.
    /// </summary>
    public static List<(string Topic, int Partition, string? Key, string Json)> Days(
        StreamOptions o, IEnumerable<string> customers, DateTimeOffset start, int from, int to, int partitions)
    {
        var keyed = customers.Select(c => (Customer: c, Partition: Murmur2Partitioner.PartitionFor(c, partitions))).ToList();
        var messages = new List<(string, int, string?, string)>();
        for (var d = from; d <= to; d++)
            foreach (var (c, partition) in keyed)
            {
                messages.Add((o.Topics.Purchases, partition, c, $$"""{"customerId":"{{c}}","occurredAt":"{{At(start, d)}}","amount":20}"""));
                messages.Add((o.Topics.Engagements, partition, c, $$"""{"customerId":"{{c}}","occurredAt":"{{At(start, d)}}","type":"visit"}"""));
            }
        return messages;
    }
}
