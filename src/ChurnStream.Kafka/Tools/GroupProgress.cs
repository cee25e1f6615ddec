using Confluent.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Tools;

/// <summary>How far a consumer group has committed against the end of its input topics.</summary>
public static class GroupProgress
{
    /// <summary>Records not yet committed by the group, summed over every partition of <paramref name="topics"/>.</summary>
    public static long RemainingRecords(KafkaOptions options, string groupId, IEnumerable<string> topics) =>
        Measure(options, groupId, topics).Remaining;

    /// <summary>Records not yet committed by the group, and the sum of the topics' end offsets (to see whether anything is still being written).</summary>
    public static (long Remaining, long EndOffsets) Measure(KafkaOptions options, string groupId, IEnumerable<string> topics)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Consumer(options, groupId);
        config.StatisticsIntervalMs = 0;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var admin = new AdminClientBuilder(ClientConfigs.Common(options)).Build();
        var partitions = new List<TopicPartition>();
        foreach (var topic in topics)
        {
            var md = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
            partitions.AddRange(md.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)));
        }
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
        long remaining = 0, ends = 0;
        foreach (var tp in partitions)
        {
            var offsets = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
            var position = committed.TryGetValue(tp, out var c) && c.Value >= 0 ? c.Value : offsets.Low.Value;
            remaining += Math.Max(0, offsets.High.Value - position);
            ends += offsets.High.Value;
        }
        return (remaining, ends);
    }
}
