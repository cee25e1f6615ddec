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
    private static readonly DateTimeOffset BacklogStart = new(2025, 1, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_service_that_has_read_its_whole_backlog_commits_it_within_the_short_interval()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = Options(cluster);
        var backlog = DailyTraffic.Days(o, Customers, BacklogStart, 0, 19, Partitions);
        Support.Topics.Produce(o, backlog);
        Thread.Sleep(500);
        await using var service = RunningService.Start(o);

        WaitUntilRead(service, backlog.Count);
        AssertCommittedWithinTheShortInterval(o, [o.Topics.Purchases, o.Topics.Engagements]);
        Assert.Null(service.Runtime.Failure);
    }

    /// <summary>
    /// A forwarded event keeps its source record's timestamp, so when the backlog's last events are read on partitions
    /// that do not own their customers, the copies arrive looking as old as the backlog after every input is at its end.
    /// They must not put the service back on the catch-up interval.
    /// </summary>
    [Fact]
    public async Task Forwarded_events_of_a_backlog_read_to_its_end_are_committed_within_the_short_interval()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = Options(cluster);
        var backlog = DailyTraffic.Days(o, Customers, BacklogStart, 0, 19, Partitions);
        // Last in every partition: unkeyed purchases on a partition that does not own their customer.
        backlog.AddRange(Customers.Select(c => (o.Topics.Purchases, (Murmur2Partitioner.PartitionFor(c, Partitions) + 1) % Partitions, (string?)null,
            $$"""{"customerId":"{{c}}","occurredAt":"{{DailyTraffic.At(BacklogStart, 20)}}","amount":20}""")));
        Support.Topics.Produce(o, backlog);
        Thread.Sleep(500);
        await using var service = RunningService.Start(o);

        WaitUntilRead(service, backlog.Count);
        AssertCommittedWithinTheShortInterval(o, [o.Topics.Purchases, o.Topics.Engagements, o.Topics.Repartition]);
        Assert.Null(service.Runtime.Failure);
    }

    private static readonly string[] Customers = Enumerable.Range(0, 30).Select(c => $"backlog-{c}").ToArray();

    private static StreamOptions Options(StreamCluster cluster)
    {
        var o = cluster.Options;
        o.Kafka.CatchUpAfterMs = 100; // the backlog is older than this when it is read
        o.Kafka.CatchUpCommitIntervalMs = CatchUpCommitIntervalMs;
        return o;
    }

    private static void WaitUntilRead(RunningService service, int events)
    {
        var deadline = Stopwatch.StartNew();
        while (service.Runtime.Processor.EventsProcessed < events)
        {
            Assert.Null(service.Runtime.Failure);
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"{service.Runtime.Processor.EventsProcessed} of {events} events read");
            Thread.Sleep(20);
        }
    }

    private static void AssertCommittedWithinTheShortInterval(StreamOptions o, string[] topics)
    {
        var read = Stopwatch.StartNew();
        long remaining;
        while ((remaining = GroupProgress.Measure(o.Kafka, o.Kafka.GroupId, topics).Remaining) > 0)
        {
            Assert.True(read.Elapsed < TimeSpan.FromSeconds(15),
                $"the backlog was read {read.Elapsed.TotalSeconds:F0} s ago and {remaining} records of {string.Join(", ", topics)} are still not committed (catch-up interval {CatchUpCommitIntervalMs} ms)");
            Thread.Sleep(50);
        }
    }
}
