using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Host.Bench;

/// <summary>(a) A bare consumer (read_uncommitted, no processing) from the beginning to the end of the input topics.</summary>
public static class RawConsume
{
    public static MeasuredRate Measure(KafkaOptions kafka, IReadOnlyList<string> topics, long expected)
    {
        var config = ClientConfigs.Consumer(kafka, "bench-raw-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = IsolationLevel.ReadUncommitted;
        config.EnablePartitionEof = false;
        config.StatisticsIntervalMs = 0;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(BenchTopics.PartitionsOf(kafka, topics).Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        long count = 0;
        CpuWindow? clock = null;
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (count < expected)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"raw consume read {count} of {expected} records");
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r?.Message is null) continue;
            clock ??= new CpuWindow(); // from the first record: the same start as the pipeline's figure
            count++;
        }
        var rate = clock!.RateOf(count);
        consumer.Close();
        return rate;
    }
}

/// <summary>(b) The engine alone: parse, update and decide on one thread, over the same bytes, in the partition layout of the service.</summary>
public static class EngineThroughput
{
    public static MeasuredRate Measure(BenchEvents events, DetectionOptions detection, int partitions)
    {
        var engine = new PartitionedEngine(detection, partitions);
        var sink = new DiscardingSink();
        var parser = EventParser.Default;
        var clock = new CpuWindow();
        foreach (var (purchase, _, json) in events.Items)
        {
            if (parser.TryParse(json, purchase ? InputTopic.Purchases : InputTopic.Engagements, out var e, out _))
                engine.Accept(e, sink);
        }
        engine.Flush(sink);
        return clock.RateOf(events.Count);
    }
}

/// <summary>Takes what the engine decides and keeps nothing: the engine's own work is what is measured.</summary>
public sealed class DiscardingSink : IDecisionSink
{
    public void OnAlert(ChurnAlert alert) { }
    public void OnSegmentChange(SegmentChange change) { }
    public void OnLateEvent(CustomerEvent evt, bool applied) { }
    public void OnDuplicate(CustomerEvent evt) { }
}

/// <summary>
/// (c) The service as <c>run</c> runs it (exactly-once transactions, changelog), in this process, over the pre-produced
/// inputs, with fresh outputs, repartition and changelog topics and a fresh group. Timed from its first event to the
/// moment its group has committed every input record.
/// </summary>
public static class PipelineRun
{
    private static int _runs;

    public static MeasuredRate Measure(EmbeddedKafkaCluster cluster, AppConfiguration app, KafkaOptions kafka, TopicOptions inputs,
        long expected, int partitions, TextWriter log)
    {
        var run = Interlocked.Increment(ref _runs);
        var options = ServiceOptions(app, kafka, inputs, $"bench-pipeline-{run}", partitions);
        foreach (var topic in options.Topics.Produced)
            cluster.CreateTopic(topic, partitions, 3);

        var topics = new[] { inputs.Purchases, inputs.Engagements };
        var ends = BenchTopics.EndOffsets(kafka, topics);
        using var logs = Logs.Create(new LoggingSettings { Level = "Warning", Format = "simple" });
        var runtime = new ServiceRuntime(options, "0.0.0.0:0", logs);
        try
        {
            runtime.Start();
            var deadline = DateTime.UtcNow.AddMinutes(15);
            while (runtime.Processor.EventsProcessed == 0)
            {
                Fail(runtime, deadline, "no event processed");
                Thread.Sleep(1);
            }
            var clock = new CpuWindow();
            // The end is the service's own commit of the last input position, seen within a millisecond; asking the
            // broker instead takes a client of its own per look (tens to hundreds of ms, and CPU the service then lacks).
            WaitUntilCommitted(runtime, ends, deadline);
            // Then the copies of the events it forwarded to the partitions that own their customers: all of them are in
            // the repartition topic before the end it has now (they were written in the transactions just committed).
            WaitUntilCommitted(runtime, BenchTopics.EndOffsets(kafka, [options.Topics.Repartition]), deadline);
            var rate = clock.RateOf(expected);
            ConfirmCommitted(options.Kafka, topics);
            return rate;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void WaitUntilCommitted(ServiceRuntime runtime, Dictionary<TopicPartition, long> ends, DateTime deadline)
    {
        while (Uncommitted(runtime.Processor.CommittedPositions, ends) > 0)
        {
            Fail(runtime, deadline, $"{runtime.Processor.EventsProcessed} events processed");
            Thread.Sleep(1);
        }
    }

    /// <summary>Records before <paramref name="ends"/> that the service's last commit does not cover.</summary>
    private static long Uncommitted(IReadOnlyDictionary<TopicPartition, long> committed, Dictionary<TopicPartition, long> ends) =>
        ends.Sum(e => Math.Max(0, e.Value - committed.GetValueOrDefault(e.Key, 0)));

    /// <summary>The broker must agree that the group committed every input record (it stores the plain offset commit).</summary>
    private static void ConfirmCommitted(KafkaOptions kafka, IReadOnlyList<string> topics)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long remaining;
        while ((remaining = GroupProgress.Measure(kafka, kafka.GroupId, topics).Remaining) > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"the service committed every input position, but the broker still shows {remaining} records of group {kafka.GroupId} uncommitted");
            Thread.Sleep(50);
        }
    }

    private static void Fail(ServiceRuntime runtime, DateTime deadline, string where)
    {
        ThrowIfFailed(runtime);
        if (DateTime.UtcNow > deadline) throw new TimeoutException("the service did not catch up: " + where);
    }

    /// <summary>Stops the bench with the service's own failure, if it stopped.</summary>
    internal static void ThrowIfFailed(ServiceRuntime runtime)
    {
        if (runtime.Failure is { } f) throw new InvalidOperationException("the service failed: " + f.Message, f);
    }

    /// <summary>The configured service settings on the bench's cluster and topics (a group of its own).</summary>
    public static StreamOptions ServiceOptions(AppConfiguration app, KafkaOptions kafka, TopicOptions inputs, string prefix, int partitions) => new()
    {
        Kafka = new KafkaOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = prefix,
            Partitions = partitions,
            CommitIntervalMs = app.Stream.Kafka.CommitIntervalMs,
            CatchUpCommitIntervalMs = app.Stream.Kafka.CatchUpCommitIntervalMs,
            CatchUpAfterMs = app.Stream.Kafka.CatchUpAfterMs,
            FetchWaitMaxMs = app.Stream.Kafka.FetchWaitMaxMs,
            ChangelogSnapshotBytes = app.Stream.Kafka.ChangelogSnapshotBytes,
            ProcessingThreads = app.Stream.Kafka.ProcessingThreads,
            Properties = new(app.Stream.Kafka.Properties),
        },
        Topics = new TopicOptions
        {
            Purchases = inputs.Purchases,
            Engagements = inputs.Engagements,
            Alerts = prefix + "-alerts",
            Segments = prefix + "-segments",
            DeadLetter = prefix + "-dlq",
            Repartition = prefix + "-repartition",
            Changelog = prefix + "-changelog",
        },
        Detection = app.Stream.Detection,
        // A replay of last year's history: the wall clock must not move its watermark.
        Clock = app.Stream.Clock.WithoutIdleAdvance(),
    };
}
