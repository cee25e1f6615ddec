using System.Diagnostics;
using ChurnStream.Integration.Tests.Support;
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
        var o = cluster.Options;
        o.Kafka.CatchUpAfterMs = 100; // the backlog below is older than this when it is read
        o.Kafka.CatchUpCommitIntervalMs = CatchUpCommitIntervalMs;
        var backlog = DailyTraffic.Days(o, Enumerable.Range(0, 30).Select(c => $"backlog-{c}"), BacklogStart, 0, 19, Partitions);
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
}
