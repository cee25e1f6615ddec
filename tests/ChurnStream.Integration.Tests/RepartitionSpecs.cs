using System.Globalization;
using System.Text;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests;

/// <summary>Unkeyed events, read on any partition and forwarded to the one that owns their customer.</summary>
public sealed class RepartitionSpecs
{
    private const int Partitions = 4;
    private const string Buyer = "early-end-buyer";
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
        await using var service = RunningService.Start(o);
        Produce(o, EarlyEndScenario(o, out _));
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));

        var silent = WaitForSilentAlert(o);

        Assert.True(silent.Count == 1, $"{silent.Count} silent alerts for {Buyer}\nclocks:\n{service.DescribeClocks()}");
        Assert.True(silent[0].Contains($"\"detectedAt\":\"{At(200)}\"", StringComparison.Ordinal), silent[0] + "\nclocks:\n" + service.DescribeClocks());
        Assert.Null(service.Runtime.Failure);
    }

    /// <summary>
    /// The other side of idleness: a partition that announced idle and then reads events again holds the watermark
    /// from its own on, and what it forwards behind the watermark others reached meanwhile is late: applied within
    /// the horizon and counted, never lost.
    /// </summary>
    [Fact]
    public async Task Events_forwarded_by_a_partition_that_resumes_after_idling_are_late_but_not_lost()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = cluster.Options;
        await using var service = RunningService.Start(o);
        Produce(o, EarlyEndScenario(o, out var early));
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));
        Assert.Single(WaitForSilentAlert(o)); // every partition's watermark is past day 200 now

        // A new customer's first purchase at day 230, read on the partition that had been idle since day 100.
        var resumed = Enumerable.Range(0, 100).Select(i => $"resumed-{i}").First(c => Murmur2Partitioner.PartitionFor(c, Partitions) != early);
        Produce(o, [(o.Topics.Purchases, early, $$"""{"customerId":"{{resumed}}","occurredAt":"{{At(230)}}","amount":99}""")]);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> segments;
        while (true)
        {
            segments = Support.Topics.Read(o, o.Topics.Segments).Select(r => Encoding.UTF8.GetString(r.Message.Value))
                .Where(j => j.Contains($"\"customerId\":\"{resumed}\"", StringComparison.Ordinal)).ToList();
            if (segments.Count > 0 || DateTime.UtcNow > deadline) break;
            Thread.Sleep(1000);
        }
        var metrics = service.Runtime.Exporter.Collect();
        Assert.True(segments.Count > 0, $"no segment record for {resumed}\nclocks:\n{service.DescribeClocks()}");
        // a late event counts from the watermark on: its first segment record is dated there, past the event itself
        var changedAt = System.Text.Json.JsonDocument.Parse(segments[0]).RootElement.GetProperty("changedAt").GetDateTimeOffset();
        Assert.True(changedAt > Start.AddDays(230), segments[0]);
        Assert.Matches(@"churnstream_late_events_total\{disposition=""applied""\} [1-9]", metrics);
        Assert.Empty(Support.Topics.Read(o, o.Topics.DeadLetter));
        Assert.Null(service.Runtime.Failure);
    }

    /// <summary>
    /// A weekly buyer who stops after day 140 (read on a partition that does not own it) and customers whose activity
    /// moves event time on to day 260, none of it keyed; the <paramref name="early"/> partition reads their purchases up
    /// to day 100 only, and no engagement.
    /// </summary>
    private static List<(string Topic, int Partition, string Json)> EarlyEndScenario(StreamOptions o, out int early)
    {
        var owner = Murmur2Partitioner.PartitionFor(Buyer, Partitions);
        early = (owner + 1) % Partitions;
        var buyerSource = (owner + 2) % Partitions;
        var e = early;
        var others = Enumerable.Range(0, Partitions).Where(p => p != e).ToArray();

        var messages = new List<(string Topic, int Partition, string Json)>();
        for (var d = 0; d <= 140; d += 7)
            messages.Add((o.Topics.Purchases, buyerSource, $$"""{"customerId":"{{Buyer}}","occurredAt":"{{At(d)}}","amount":42.5,"eventId":"eb-{{d}}"}"""));
        for (var d = 0; d <= 260; d += 2)
            messages.Add((o.Topics.Purchases, d <= 100 ? early : others[d % others.Length], $$"""{"customerId":"early-clock-{{d % 5}}","occurredAt":"{{At(d)}}","amount":10}"""));
        for (var d = 0; d <= 260; d += 3)
            messages.Add((o.Topics.Engagements, others[d % others.Length], $$"""{"customerId":"early-clock-{{d % 5}}","occurredAt":"{{At(d)}}","type":"visit"}"""));
        return messages;
    }

    private static void Produce(StreamOptions o, IEnumerable<(string Topic, int Partition, string Json)> messages) =>
        Support.Topics.Produce(o, messages.Select(m => (m.Topic, m.Partition, (string?)null, m.Json)));

    /// <summary>The buyer's silent alerts, read until one is there or 60 s have passed (idleness takes a few seconds).</summary>
    private static List<string> WaitForSilentAlert(StreamOptions o)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var silent = Support.Topics.Read(o, o.Topics.Alerts).Select(r => Encoding.UTF8.GetString(r.Message.Value))
                .Where(j => j.Contains($"\"customerId\":\"{Buyer}\"", StringComparison.Ordinal) && j.Contains("\"stage\":\"silent\"", StringComparison.Ordinal))
                .ToList();
            if (silent.Count > 0 || DateTime.UtcNow > deadline) return silent;
            Thread.Sleep(2000);
        }
    }
}
