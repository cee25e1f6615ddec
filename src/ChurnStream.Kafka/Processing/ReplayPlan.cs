using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using Confluent.Kafka;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// A bounded run over the input topics: where each input partition starts (the earliest offset, or the first record
/// at or after a time) and where it ends (the end as it stood when the replay started, or the first record at or
/// after <c>--to</c>). The replay reads exactly that range with fresh state, then ends the input (flushes) and stops.
/// </summary>
public sealed record ReplayPlan(IReadOnlyDictionary<TopicPartition, Offset> Start, IReadOnlyDictionary<TopicPartition, long> End)
{
    public long TotalRecords => End.Sum(e => Math.Max(0, e.Value - (Start[e.Key].Value >= 0 ? Start[e.Key].Value : 0)));

    public static ReplayPlan Prepare(StreamOptions options, DateTimeOffset? from, DateTimeOffset? to, TimeSpan timeout)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Consumer(options.Kafka, options.Kafka.GroupId);
        config.StatisticsIntervalMs = 0;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using var admin = new AdminClientBuilder(ClientConfigs.Common(options.Kafka)).Build();
        var partitions = new List<TopicPartition>();
        foreach (var topic in new[] { options.Topics.Purchases, options.Topics.Engagements })
        {
            var md = admin.GetMetadata(topic, timeout).Topics.Single();
            if (md.Error.IsError) throw new InvalidOperationException($"topic '{topic}': {md.Error.Reason}");
            partitions.AddRange(md.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)));
        }

        var start = new Dictionary<TopicPartition, Offset>();
        var end = new Dictionary<TopicPartition, long>();
        var startTimes = from is { } f ? consumer.OffsetsForTimes(partitions.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(f))), timeout) : null;
        var endTimes = to is { } t ? consumer.OffsetsForTimes(partitions.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(t))), timeout) : null;
        foreach (var tp in partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(tp, timeout);
            var s = startTimes?.Single(x => x.TopicPartition == tp).Offset is { } so && so.Value >= 0 ? so.Value
                : startTimes is null ? marks.Low.Value : marks.High.Value;
            var e = endTimes?.Single(x => x.TopicPartition == tp).Offset is { } eo && eo.Value >= 0 ? eo.Value : marks.High.Value;
            start[tp] = new Offset(s);
            end[tp] = Math.Max(s, e);
        }
        return new ReplayPlan(start, end);
    }

    /// <summary>The options of a replay: its own group, its own output and internal topics (suffixed), no wall clock.</summary>
    public static StreamOptions OptionsFor(StreamOptions live, string suffix)
    {
        var t = live.Topics;
        return new StreamOptions
        {
            Kafka = new KafkaOptions
            {
                BootstrapServers = live.Kafka.BootstrapServers,
                GroupId = $"{live.Kafka.GroupId}{suffix}-{Guid.NewGuid():N}"[..Math.Min(200, live.Kafka.GroupId.Length + suffix.Length + 33)],
                CommitIntervalMs = live.Kafka.CommitIntervalMs,
                CreateTopics = live.Kafka.CreateTopics,
                Partitions = live.Kafka.Partitions,
                ReplicationFactor = live.Kafka.ReplicationFactor,
                Properties = live.Kafka.Properties,
                ChangelogSnapshotBytes = live.Kafka.ChangelogSnapshotBytes,
                RestoreTimeoutSeconds = live.Kafka.RestoreTimeoutSeconds,
            },
            Topics = new TopicOptions
            {
                Purchases = t.Purchases,
                Engagements = t.Engagements,
                Customers = t.Customers,
                Alerts = t.Alerts + suffix,
                Segments = t.Segments + suffix,
                DeadLetter = t.DeadLetter + suffix,
                Repartition = t.Repartition + suffix,
                Changelog = t.Changelog + suffix,
            },
            Detection = live.Detection,
            // Nothing may depend on when the replay runs.
            Clock = live.Clock.WithoutWallClock(),
        };
    }
}
