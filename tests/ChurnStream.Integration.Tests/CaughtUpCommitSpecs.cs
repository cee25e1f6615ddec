using System.Diagnostics;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// A backlog is worked through with the long catch-up interval between commits; once it is all read, its last events
/// do not wait out that interval.
/// </summary>
public sealed class CaughtUpCommitSpecs
{
    private const int Partitions = 3;
    private const int CatchUpCommitIntervalMs = 60_000;

    [Fact]
    public async Task A_service_that_has_read_its_whole_backlog_commits_it_within_the_short_interval()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = cluster.Options;
        o.Kafka.CatchUpAfterMs = 100; // the backlog below is older than this when it is read
        o.Kafka.CatchUpCommitIntervalMs = CatchUpCommitIntervalMs;
        var backlog = Backlog(o, customers: 30, days: 20);
        Support.Topics.Produce(o, backlog);
        Thread.Sleep(500);
        await using var service = RunningService.Start(o);

        var deadline = Stopwatch.StartNew();
        while (service.Runtime.Processor.EventsProcessed < backlog.Count)
        {
            Assert.Null(service.Runtime.Failure);
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"{service.Runtime.Processor.EventsProcessed} of {backlog.Count} events read");
            Thread.Sleep(20);
        }
        var read = Stopwatch.StartNew();
        while (GroupProgress.Measure(o.Kafka, o.Kafka.GroupId, [o.Topics.Purchases, o.Topics.Engagements]).Remaining > 0)
        {
            Assert.True(read.Elapsed < TimeSpan.FromSeconds(15),
                $"the backlog was read {read.Elapsed.TotalSeconds:F0} s ago and is still not committed (catch-up interval {CatchUpCommitIntervalMs} ms)");
            Thread.Sleep(50);
        }
        Assert.Null(service.Runtime.Failure);
    }

    private static List<(string Topic, int Partition, string? Key, string Json)> Backlog(StreamOptions o, int customers, int days)
    {
        var messages = new List<(string, int, string?, string)>();
        for (var d = 0; d < days; d++)
            for (var c = 0; c < customers; c++)
            {
                var customer = $"backlog-{c}";
                var at = new DateTimeOffset(2025, 1, 1, 10, 0, 0, TimeSpan.Zero).AddDays(d).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
                var partition = Murmur2Partitioner.PartitionFor(customer, Partitions);
                messages.Add((o.Topics.Purchases, partition, customer, $$"""{"customerId":"{{customer}}","occurredAt":"{{at}}","amount":20}"""));
                messages.Add((o.Topics.Engagements, partition, customer, $$"""{"customerId":"{{customer}}","occurredAt":"{{at}}","type":"visit"}"""));
            }
        return messages;
    }
}
