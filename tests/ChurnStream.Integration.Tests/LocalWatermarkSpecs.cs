using ChurnStream.Domain.Partitioning;
using ChurnStream.Domain.Time;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// The partitions of one instance share their live watermarks: an event waits for the other partitions' progress, not
/// for the next commit to announce it on the repartition topic.
/// </summary>
public sealed class LocalWatermarkSpecs
{
    private const int Partitions = 4;
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Events_are_decided_as_the_partitions_of_the_instance_move_on_not_at_the_next_commit()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = WithBurstsBetweenCommits(cluster.Options);
        var customers = TwoCustomersPerPartition();
        await using var service = RunningService.Start(o);
        var seen = UntilEveryPartitionHeardFromEvery(service, customers);

        var burst = Days(o, customers, 2, 30);
        var total = seen.EventsProcessed + burst.Count;
        seen.ExpectTotal(total);
        Support.Topics.Produce(o, burst);

        seen.WaitFor(s => s.BufferedOnceCaughtUp >= 0, TimeSpan.FromSeconds(60), service);

        // The watermark is each partition's input time minus the 6 h lateness: only the last day's events may wait.
        Assert.True(seen.BufferedOnceCaughtUp <= 2 * customers.Count,
            $"{seen.BufferedOnceCaughtUp} events still buffered once all {total} were read\nclocks:\n{service.DescribeClocks()}");
        Assert.Null(service.Runtime.Failure);
    }

    /// <summary>
    /// An event read on a partition that does not own its customer travels through the repartition topic; until the
    /// owner has taken it in, the source's live watermark may not carry the owner past it, or it would arrive late.
    /// </summary>
    [Fact]
    public async Task A_forwarded_event_still_in_flight_holds_its_owner_back_until_it_arrives()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = WithBurstsBetweenCommits(cluster.Options);
        var customers = TwoCustomersPerPartition();
        await using var service = RunningService.Start(o);
        var seen = UntilEveryPartitionHeardFromEvery(service, customers);

        // Months of traffic everywhere but on one partition, which the others then wait for; that partition then reads
        // an unkeyed purchase of a customer it does not own, and months of its own traffic behind it.
        var traveller = Enumerable.Range(0, 1000).Select(i => $"traveller-{i}").First(c => !customers.Contains(c));
        var source = (Murmur2Partitioner.PartitionFor(traveller, Partitions) + 1) % Partitions;
        var sourceCustomers = customers.Where(c => Murmur2Partitioner.PartitionFor(c, Partitions) == source).ToList();
        var elsewhere = Days(o, customers.Except(sourceCustomers).ToList(), 2, 120);
        seen.ExpectTotal(seen.EventsProcessed + elsewhere.Count);
        Support.Topics.Produce(o, elsewhere);
        seen.WaitFor(s => s.BufferedOnceCaughtUp >= 0, TimeSpan.FromSeconds(60), service);
        var json = $$"""{"customerId":"{{traveller}}","occurredAt":"{{At(2)}}","amount":75}""";
        Support.Topics.Produce(o, [(o.Topics.Purchases, source, null, json), .. Days(o, sourceCustomers, 2, 120)]); // one batch: read in one go
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));

        var metrics = service.Runtime.Exporter.Collect();
        Assert.DoesNotMatch(@"churnstream_late_events_total\{disposition=""\w+""\} [1-9]", metrics);
        Assert.Contains(service.Runtime.Processor.Tasks.Values, t => t.Engine.Profiles.ContainsKey(traveller));
        Assert.Null(service.Runtime.Failure);
    }

    /// <summary>
    /// A service that starts on a backlog has no watermark records of its partitions' new epochs until its first commit,
    /// and they come behind everything the consumer prefetched. Having read the repartition topic to its end as of the
    /// start is proof enough that nothing earlier incarnations forwarded is still to come.
    /// </summary>
    [Fact]
    public async Task A_service_started_on_a_backlog_decides_its_events_before_its_first_commit()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = WithBurstsBetweenCommits(cluster.Options);
        o.Kafka.CommitIntervalMs = o.Kafka.CatchUpCommitIntervalMs = 60_000;
        var customers = TwoCustomersPerPartition();
        var backlog = Days(o, customers, 0, 60);
        Support.Topics.Produce(o, backlog);
        var seen = new Observed();
        seen.ExpectTotal(backlog.Count);

        await using var service = RunningService.Start(o);
        service.Runtime.Processor.Polled += seen.Record;
        seen.WaitFor(s => s.BufferedOnceCaughtUp >= 0, TimeSpan.FromSeconds(40), service);

        Assert.Equal(0, seen.CommitsWhenCaughtUp);
        Assert.True(seen.BufferedOnceCaughtUp <= 2 * customers.Count,
            $"{seen.BufferedOnceCaughtUp} of {backlog.Count} events still buffered once all were read\nclocks:\n{service.DescribeClocks()}");
        Assert.Null(service.Runtime.Failure);
    }

    private static StreamOptions WithBurstsBetweenCommits(StreamOptions o)
    {
        o.Kafka.CommitIntervalMs = 5_000; // long enough for a burst to go through between two commits
        o.Kafka.CatchUpCommitIntervalMs = 5_000;
        o.Clock.IdleInputAfterMs = o.Clock.IdlePartitionAfterMs = 120_000; // the pauses between bursts are not ends of input
        return o;
    }

    /// <summary>A first burst: every partition's inputs move, and their watermark records (of this run) reach every partition.</summary>
    private static Observed UntilEveryPartitionHeardFromEvery(RunningService service, List<string> customers)
    {
        var seen = new Observed();
        service.Runtime.Processor.Polled += seen.Record;
        Support.Topics.Produce(service.Options, Days(service.Options, customers, 0, 1));
        seen.WaitFor(s => s.EveryTaskHasHeardFromEverySource, TimeSpan.FromSeconds(60), service);
        return seen;
    }

    private static string At(int day) => DailyTraffic.At(Start, day);

    private static List<string> TwoCustomersPerPartition() =>
        Enumerable.Range(0, 1000).Select(i => $"local-wm-{i}")
            .GroupBy(c => Murmur2Partitioner.PartitionFor(c, Partitions))
            .OrderBy(g => g.Key).SelectMany(g => g.Take(2)).ToList();

    private static List<(string Topic, int Partition, string? Key, string Json)> Days(StreamOptions o, List<string> customers, int from, int to) =>
        DailyTraffic.Days(o, customers, Start, from, to, Partitions);

    /// <summary>What the processing thread shows after each poll (read there, so no race with its state).</summary>
    private sealed class Observed
    {
        private readonly object _gate = new();
        private long _total = long.MaxValue;
        public long EventsProcessed { get; private set; }
        public bool EveryTaskHasHeardFromEverySource { get; private set; }

        /// <summary>Events still buffered at the first poll that brought nothing new once every event was read; -1 before.</summary>
        public int BufferedOnceCaughtUp { get; private set; } = -1;

        /// <summary>Positions the service had committed at that poll (none before its first commit).</summary>
        public int CommitsWhenCaughtUp { get; private set; } = -1;

        public void ExpectTotal(long total)
        {
            lock (_gate) _total = total;
        }

        public void Record(StreamProcessor p)
        {
            lock (_gate)
            {
                var tasks = p.Tasks.Values.ToList();
                if (BufferedOnceCaughtUp < 0 && p.EventsProcessed >= _total && p.EventsProcessed == EventsProcessed)
                {
                    BufferedOnceCaughtUp = tasks.Sum(t => t.Engine.BufferedEvents);
                    CommitsWhenCaughtUp = p.CommittedPositions.Count;
                }
                EventsProcessed = p.EventsProcessed;
                EveryTaskHasHeardFromEverySource = tasks.Count == Partitions
                    && tasks.All(t => t.SourceWatermarks.All(s => s != SourceWatermark.Unknown && !s.Idle));
            }
        }

        public void WaitFor(Func<Observed, bool> condition, TimeSpan timeout, RunningService service)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                lock (_gate)
                    if (condition(this)) return;
                if (service.Runtime.Failure is { } f) throw new InvalidOperationException("the service failed: " + f.Message, f);
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"not reached in {timeout.TotalSeconds} s\nclocks:\n{service.DescribeClocks()}");
                Thread.Sleep(50);
            }
        }
    }
}
