using System.Globalization;
using System.Text;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests;

/// <summary>Unkeyed events, read on any partition and forwarded to the one that owns their customer.</summary>
public sealed class RepartitionSpecs
{
    private const int Partitions = 4;
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static string At(double day) => Start.AddDays(day).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// As a producer with librdkafka's sticky partitioner does with unkeyed messages: one partition gets only the
    /// first months of one topic and nothing of the other. Once its inputs are idle it must stop holding back the
    /// partitions it forwards to, as an idle Flink source does.
    /// </summary>
    [Fact]
    public async Task A_partition_whose_inputs_end_early_does_not_hold_back_the_events_it_forwards_to()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = cluster.Options;
        const string buyer = "early-end-buyer";
        var owner = Murmur2Partitioner.PartitionFor(buyer, Partitions);
        var early = (owner + 1) % Partitions;
        var buyerSource = (owner + 2) % Partitions;
        var others = Enumerable.Range(0, Partitions).Where(p => p != early).ToArray();

        var messages = new List<(string Topic, int Partition, string Json)>();
        // A weekly buyer who stops after day 140, read on a partition that does not own it.
        for (var d = 0; d <= 140; d += 7)
            messages.Add((o.Topics.Purchases, buyerSource, $$"""{"customerId":"{{buyer}}","occurredAt":"{{At(d)}}","amount":42.5,"eventId":"eb-{{d}}"}"""));
        // Other customers move event time on to day 260; the early partition reads their purchases up to day 100 only.
        for (var d = 0; d <= 260; d += 2)
            messages.Add((o.Topics.Purchases, d <= 100 ? early : others[d % others.Length], $$"""{"customerId":"early-clock-{{d % 5}}","occurredAt":"{{At(d)}}","amount":10}"""));
        for (var d = 0; d <= 260; d += 3)
            messages.Add((o.Topics.Engagements, others[d % others.Length], $$"""{"customerId":"early-clock-{{d % 5}}","occurredAt":"{{At(d)}}","type":"visit"}"""));

        await using var service = RunningService.Start(o);
        using (var producer = new ProducerBuilder<byte[]?, byte[]>(ClientConfigs.Producer(o.Kafka)).Build())
        {
            foreach (var (topic, partition, json) in messages)
                producer.Produce(new TopicPartition(topic, new Partition(partition)), new Message<byte[]?, byte[]> { Key = null, Value = Encoding.UTF8.GetBytes(json) });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));

        // The early partition announces idle after Clock:IdlePartitionAfterMs (4 s in the tests); the alert follows within a few commits.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> silent;
        while (true)
        {
            silent = Support.Topics.Read(o, o.Topics.Alerts).Select(r => Encoding.UTF8.GetString(r.Message.Value))
                .Where(j => j.Contains($"\"customerId\":\"{buyer}\"", StringComparison.Ordinal) && j.Contains("\"stage\":\"silent\"", StringComparison.Ordinal))
                .ToList();
            if (silent.Count > 0 || DateTime.UtcNow > deadline) break;
            Thread.Sleep(2000);
        }

        var clocks = string.Join("\n", service.Runtime.Processor.Tasks.Values.OrderBy(t => t.Partition).Select(t =>
            $"partition {t.Partition}: {t.Engine.ExportWatermarks()} inputs [{string.Join(", ", t.Engine.ExportWatermarks().Inputs)}]"
            + $" sources [{string.Join(", ", t.SourceWatermarks)}]"));
        Assert.True(silent.Count == 1, $"{silent.Count} silent alerts for {buyer}\nclocks:\n{clocks}");
        var alert = silent[0];
        Assert.True(alert.Contains($"\"detectedAt\":\"{At(200)}\"", StringComparison.Ordinal), alert + "\nclocks:\n" + clocks);
        Assert.Null(service.Runtime.Failure);
    }
}
