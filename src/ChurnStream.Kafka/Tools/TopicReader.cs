using Confluent.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Tools;

/// <summary>Reads a topic from the beginning to its current end, outside any consumer group (assign, not subscribe).</summary>
public static class TopicReader
{
    public static List<ConsumeResult<byte[], byte[]>> ReadAll(KafkaOptions options, string topic, TimeSpan timeout)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Consumer(options, "churnstream-reader-" + Guid.NewGuid().ToString("N"));
        config.EnableAutoCommit = false;
        config.StatisticsIntervalMs = 0;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var admin = new AdminClientBuilder(ClientConfigs.Common(options)).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var partitions = metadata.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var ends = partitions.ToDictionary(tp => tp.Partition.Value, tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));

        var results = new List<ConsumeResult<byte[], byte[]>>();
        var remaining = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        var deadline = DateTime.UtcNow + timeout;
        while (remaining.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"reading {topic}: partitions {string.Join(",", remaining)} not read to their end in {timeout.TotalSeconds} s");
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (!r.IsPartitionEOF) results.Add(r);
            if (r.Offset.Value + (r.IsPartitionEOF ? 0 : 1) >= ends[r.Partition.Value]) remaining.Remove(r.Partition.Value);
        }
        consumer.Close();
        return results;
    }
}
