using Confluent.Kafka;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka;

/// <summary>
/// Builds every client's librdkafka configuration: ChurnStream's own settings first, then the pass-through
/// <c>Kafka:Properties</c> (security, tuning), which win.
/// </summary>
public static class ClientConfigs
{
    public static Dictionary<string, string> Common(KafkaOptions o)
    {
        var c = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = o.BootstrapServers,
            ["client.id"] = "churnstream",
        };
        foreach (var (k, v) in o.Properties) c[k] = v;
        return c;
    }

    public static ConsumerConfig Consumer(KafkaOptions o, string groupId)
    {
        var c = new ConsumerConfig(Common(o))
        {
            GroupId = groupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            // Range keeps partition p of every input on the same instance: the co-partitioning the state relies on.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            IsolationLevel = IsolationLevel.ReadCommitted,
            SessionTimeoutMs = 10_000,
            StatisticsIntervalMs = 5_000,
            // librdkafka's default is 500 ms. A real broker answers a waiting fetch as soon as data arrives; the embedded
            // one holds it for the full wait, which sat directly in the event-to-alert latency.
            FetchWaitMaxMs = o.FetchWaitMaxMs,
            // librdkafka's default (100,000) left the service's queue empty half of the time while working through a
            // backlog on the embedded broker (about 10 polls a second waited their full 50 ms): the raw consume rate went
            // from ~150k to ~690k events/s and the service's from ~100k to ~220k with 1,000,000.
            QueuedMinMessages = 1_000_000,
            // Once the prefetched bytes reach this bound, librdkafka 2.0's fetcher takes the partitions off its fetch list
            // and looks at them again only when its broker thread next wakes, up to a second later. With the default
            // (64 MB, ~480,000 of the bench's events) the queue ran dry before that in every backlog: the consumer sat idle
            // for a few hundred ms at a time. 256 MB takes longer than a second to drain at the service's rate, so the
            // fetcher is back before it is empty. It costs native memory only in a backlog (~200-400 MB more resident
            // in the bench); Kafka:Properties:queued.max.messages.kbytes sets it lower.
            QueuedMaxMessagesKbytes = 262_144,
        };
        foreach (var (k, v) in o.Properties) c.Set(k, v);
        return c;
    }

    public static ProducerConfig Producer(KafkaOptions o)
    {
        var c = new ProducerConfig(Common(o))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // The Java client's partitioner, so consumers in any language find a customer's records where they expect them.
            Partitioner = Partitioner.Murmur2Random,
            // JSON compresses about fourfold; it also keeps the embedded broker within its per-partition log cap.
            CompressionType = CompressionType.Lz4,
            // A delivery report needs only its error: by default the .NET client copies every record's key, value and
            // headers back into managed memory for it.
            DeliveryReportFields = "none",
        };
        foreach (var (k, v) in o.Properties) c.Set(k, v);
        return c;
    }
}
