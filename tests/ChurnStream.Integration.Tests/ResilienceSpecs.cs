using ChurnStream.EmbeddedBroker;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// Exactly-once processing with durable state: instances are killed, added and removed, brokers fail, and the
/// outputs still equal those of an uninterrupted run.
/// <para>
/// Part of <c>make test</c>; <c>make test-resilience</c> runs them alone.
/// </para>
/// </summary>
[Trait("Category", "Resilience")]
public sealed class ResilienceSpecs
{
    private const int Partitions = 6;
    private static readonly GeneratorOptions Population = new() { Customers = 600, Days = 365, Seed = 21, UnkeyedRate = 0.02 };
    private static readonly Lazy<Reference> Expected = new(() => new Reference(new PopulationGenerator(Population), new Domain.Options.DetectionOptions(), Partitions));

    private static bool OnEmbeddedBroker => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StreamCluster.BootstrapVariable));

    [Fact]
    public void An_instance_killed_in_the_middle_loses_nothing_and_the_survivor_and_a_restarted_instance_finish()
    {
        using var cluster = StreamCluster.WithTopics(Partitions);
        var o = WithProductionIdleness(cluster.Options);
        long total;
        using (var first = new ServiceProcess(o))
        using (var second = new ServiceProcess(o))
        {
            total = Publish(o);
            WaitUntilProcessed(o, total, fraction: 0.35, TimeSpan.FromMinutes(2));
            first.Kill(); // SIGKILL: no commit, no goodbye
            using var restarted = new ServiceProcess(o);
            WaitUntilCaughtUp(o, TimeSpan.FromMinutes(3));
            Assert.False(second.HasExited, string.Join('\n', second.Errors));
            Assert.False(restarted.HasExited, string.Join('\n', restarted.Errors));
            Expected.Value.AssertTopicsMatch(o, allowDuplicates: OnEmbeddedBroker, within: TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public async Task Instances_joining_and_leaving_while_events_flow_change_nothing()
    {
        using var cluster = StreamCluster.WithTopics(Partitions);
        var o = WithProductionIdleness(cluster.Options);
        using var first = new ServiceProcess(o);
        var publishing = Task.Run(() => Publish(o, throttleEvery: 20_000));
        WaitUntilProcessed(o, 20_000, fraction: 1, TimeSpan.FromMinutes(2), absolute: true);
        using (var second = new ServiceProcess(o))
        {
            using (var third = new ServiceProcess(o))
            {
                Thread.Sleep(8000);
                Assert.True(third.Terminate(TimeSpan.FromSeconds(10)) < TimeSpan.FromSeconds(10));
            }
            Thread.Sleep(6000);
            Assert.True(second.Terminate(TimeSpan.FromSeconds(10)) < TimeSpan.FromSeconds(10));
        }
        await publishing.WaitAsync(TimeSpan.FromMinutes(2));
        WaitUntilCaughtUp(o, TimeSpan.FromMinutes(3));
        Expected.Value.AssertTopicsMatch(o, allowDuplicates: OnEmbeddedBroker, within: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Broker_outages_and_request_errors_during_a_run_change_nothing()
    {
        if (!OnEmbeddedBroker) return; // faults are injected through the embedded cluster's own API
        using var cluster = StreamCluster.WithTopics(Partitions);
        var o = WithProductionIdleness(cluster.Options);
        var broker = cluster.Embedded!;
        await using var service = RunningService.Start(o);
        var publishing = Task.Run(() => Publish(o, throttleEvery: 15_000));
        Thread.Sleep(4000);
        broker.SetBrokerDown(2);
        Thread.Sleep(3000);
        broker.SetBrokerUp(2);
        broker.PushRequestErrors(KafkaApiKeys.Produce, 7, 7, 6);            // REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER: retried
        broker.PushRequestErrors(KafkaApiKeys.EndTxn, 15, 16);              // coordinator not available / not coordinator: retried
        broker.PushRequestErrors(KafkaApiKeys.TxnOffsetCommit, 15);
        Thread.Sleep(3000);
        broker.SetCoordinator("transaction", service.Runtime.Processor.TransactionalId, 3);
        await publishing.WaitAsync(TimeSpan.FromMinutes(2));
        var abortsBefore = Count(service.Runtime.Exporter.Collect(), "churnstream_transactions_total{outcome=\"aborted\"}");
        broker.PushRequestErrors(KafkaApiKeys.Produce, 29);                 // TOPIC_AUTHORIZATION_FAILED: the transaction must abort and rewind
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Count(service.Runtime.Exporter.Collect(), "churnstream_transactions_total{outcome=\"aborted\"}") == abortsBefore)
        {
            Assert.True(DateTime.UtcNow < deadline, "the refused produce did not abort a transaction");
            Thread.Sleep(100);
        }
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(3));
        Assert.Null(service.Runtime.Failure);
        Assert.Matches(@"churnstream_transactions_total\{outcome=""committed""\} [1-9]", service.Runtime.Exporter.Collect());
        Expected.Value.AssertTopicsMatch(o, allowDuplicates: true, within: TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_service_stopped_with_SIGTERM_during_processing_exits_within_10_seconds_and_its_successor_continues_exactly()
    {
        using var cluster = StreamCluster.WithTopics(Partitions);
        var o = WithProductionIdleness(cluster.Options);
        using (var first = new ServiceProcess(o))
        {
            var total = Publish(o);
            WaitUntilProcessed(o, total, fraction: 0.3, TimeSpan.FromMinutes(2));
            var took = first.Terminate(TimeSpan.FromSeconds(10));
            Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
            Assert.Equal(0, first.ExitCode);
        }
        using (new ServiceProcess(o))
        {
            WaitUntilCaughtUp(o, TimeSpan.FromMinutes(3));
            Expected.Value.AssertTopicsMatch(o, allowDuplicates: OnEmbeddedBroker, within: TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>
    /// The production default of <c>Clock:IdleInputAfterMs</c>: these tests stall producers (a broker down, a paused
    /// publisher), and an input idle sooner than a stall lasts makes what the producer holds back late.
    /// </summary>
    private static StreamOptions WithProductionIdleness(StreamOptions o)
    {
        o.Clock.IdleInputAfterMs = new ClockOptions().IdleInputAfterMs;
        o.Clock.IdlePartitionAfterMs = new ClockOptions().IdlePartitionAfterMs;
        return o;
    }

    private static long Count(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => (long)double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();

    private static long Publish(StreamOptions o, int throttleEvery = 0)
    {
        using var publisher = new EventPublisher(o.Kafka);
        var n = 0;
        foreach (var e in new PopulationGenerator(Population).GenerateEvents())
        {
            publisher.Publish(e.Topic == Simulation.Topics.Purchases ? o.Topics.Purchases : o.Topics.Engagements, e.Unkeyed ? null : e.CustomerId, e.Json);
            if (throttleEvery > 0 && ++n % throttleEvery == 0)
            {
                publisher.Flush(TimeSpan.FromSeconds(30));
                Thread.Sleep(1000);
            }
        }
        publisher.Flush(TimeSpan.FromSeconds(60));
        return publisher.Published;
    }

    private static void WaitUntilProcessed(StreamOptions o, long total, double fraction, TimeSpan timeout, bool absolute = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        var target = absolute ? total : (long)(total * fraction);
        while (true)
        {
            var (remaining, ends) = GroupProgress.Measure(o.Kafka, o.Kafka.GroupId, [o.Topics.Purchases, o.Topics.Engagements]);
            if (ends - remaining >= target) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {ends - remaining} of {target} processed");
            Thread.Sleep(200);
        }
    }

    private static void WaitUntilCaughtUp(StreamOptions o, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long lastEnds = -1;
        var since = DateTime.UtcNow;
        while (true)
        {
            var (remaining, ends) = GroupProgress.Measure(o.Kafka, o.Kafka.GroupId, o.Topics.Inputs);
            if (remaining > 0 || ends != lastEnds) { lastEnds = ends; since = DateTime.UtcNow; }
            else if (DateTime.UtcNow - since >= TimeSpan.FromSeconds(5)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"still {remaining} records behind");
            Thread.Sleep(300);
        }
    }

    private static List<Confluent.Kafka.ConsumeResult<byte[], byte[]>> Read(StreamOptions o, string topic) => Support.Topics.Read(o, topic);
}
