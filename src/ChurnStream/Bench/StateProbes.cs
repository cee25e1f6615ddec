using System.Diagnostics;
using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Time;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.State;
using ChurnStream.Simulation;
using Confluent.Kafka;

namespace ChurnStream.Host.Bench;

/// <summary>
/// Managed heap per tracked customer: <paramref name="customers"/> customers of the generated population (their first
/// <c>days</c> days) through the engine in memory, then the heap after a full compacting GC minus the heap before, divided
/// by the customers tracked. Counts everything the engine keeps per customer: profile, rings, dictionary entry, id string,
/// timer-queue entries.
/// </summary>
public static class MemoryProbe
{
    public sealed record Result(double BytesPerCustomer, PartitionedEngine Engine, int Tracked);

    public static Result Measure(DetectionOptions detection, int customers, int days, int seed, TextWriter log)
    {
        var before = FullGcHeap();
        var engine = new PartitionedEngine(detection, 1);
        var events = Feed(engine, detection, customers, days, seed);
        var after = FullGcHeap();
        var tracked = engine.Partitions.Sum(p => p.CustomerCount);
        log.WriteLine($"[bench] memory: {tracked:#,0} customers tracked after {events:#,0} events ({days} days); heap {before / 1e6:0.0} MB -> {after / 1e6:0.0} MB");
        return new Result((double)(after - before) / tracked, engine, tracked);
    }

    private static long Feed(PartitionedEngine engine, DetectionOptions detection, int customers, int days, int seed)
    {
        var sink = new DiscardingSink();
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = customers, Days = days, Seed = seed });
        long n = 0;
        foreach (var e in generator.GenerateEvents())
        {
            if (EventParser.Default.TryParse(e.Json, e.Topic == Simulation.Topics.Purchases ? InputTopic.Purchases : InputTopic.Engagements, out var evt, out _))
                engine.Accept(evt, sink);
            n++;
        }
        // Every customer is tracked, including those whose first event would come after the period.
        var end = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(days).ToUnixTimeMilliseconds();
        var tracked = new HashSet<string>(engine.Partitions.SelectMany(p => p.Profiles.Keys), StringComparer.Ordinal);
        foreach (var label in generator.Labels)
        {
            if (tracked.Contains(label.CustomerId)) continue;
            engine.Accept(new Domain.Events.CustomerEvent(label.CustomerId, end - 1, Domain.Events.EventKind.Visit), sink);
            n++;
        }
        engine.Flush(sink);
        return n;
    }

    private static long FullGcHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>
/// The changelog restore of <paramref name="customers"/> customers: their profiles written to a changelog topic as the
/// service writes them (per partition a batch: checkpoint record with the batch and size headers, then the profiles;
/// then a second, empty batch that follows it, as the next commit would), then the time to read every partition with
/// <see cref="ChangelogRestorer.ReadAll"/> (one consumer for every partition, as the service restores its assigned
/// partitions) and decode the profiles into fresh engines.
/// </summary>
public static class RestoreProbe
{
    public static double? Measure(EmbeddedKafkaCluster cluster, KafkaOptions kafka, DetectionOptions detection, PartitionedEngine source,
        int customers, TextWriter log)
    {
        var clock = new BucketClock(detection);
        var profiles = source.Partitions.SelectMany(p => p.Profiles.Values).ToList();
        long bytes = 0;
        foreach (var p in profiles) bytes += ProfileCodec.MaxEncodedLength(p, clock) + Encoding.UTF8.GetByteCount(p.CustomerId) + 40;
        // Profiles compress less than JSON: plan on none, so no partition can exceed the broker's cap.
        var partitions = Math.Max(kafka.Partitions, (int)Math.Ceiling(bytes / (double)BenchRunner.PartitionBudgetBytes));
        var topic = "bench-restore-changelog";
        cluster.CreateTopic(topic, partitions, 3);
        var written = Stopwatch.StartNew();
        Write(kafka, topic, partitions, profiles, clock);
        log.WriteLine($"[bench] restore: {profiles.Count:#,0} profiles ({bytes / 1e6:0.0} MB at most) written to {partitions} changelog partitions in {written.Elapsed.TotalSeconds:0.0} s");
        profiles = null!;
        var truncated = BenchTopics.Truncated(kafka, [topic]);
        if (truncated.Count > 0)
        {
            log.WriteLine("churnstream bench: the embedded broker dropped changelog records: " + string.Join(", ", truncated));
            return null;
        }

        var timer = Stopwatch.StartNew();
        var restored = 0;
        var readOptions = new KafkaOptions { BootstrapServers = kafka.BootstrapServers, GroupId = "bench-restore", Properties = kafka.Properties };
        var logs = ChangelogRestorer.ReadAll(readOptions, topic, Enumerable.Range(0, partitions).ToList(), brokerHidesAborted: false, TimeSpan.FromMinutes(5));
        foreach (var read in logs.Values)
        {
            var engine = new PartitionEngine(detection, inputCount: 3);
            foreach (var (customer, value) in read.Profiles) engine.Restore(ProfileCodec.Decode(customer, value, clock));
            restored += engine.CustomerCount;
        }
        var seconds = timer.Elapsed.TotalSeconds;
        log.WriteLine($"[bench] restore: {restored:#,0} customers restored from {partitions} partitions in {seconds:0.00} s");
        if (restored != customers)
        {
            log.WriteLine($"churnstream bench: restored {restored} customers, expected {customers}");
            return null;
        }
        return seconds;
    }

    private static void Write(KafkaOptions kafka, string topic, int partitions, List<CustomerProfile> profiles, BucketClock clock)
    {
        var config = ClientConfigs.Producer(kafka);
        config.LingerMs = 20;
        config.BatchNumMessages = 10_000;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        string? failure = null;
        void OnDelivery(DeliveryReport<byte[], byte[]> r) { if (r.Error.IsError) failure ??= r.Error.Reason; }

        var byPartition = profiles.GroupBy(p => Murmur2Partitioner.PartitionFor(p.CustomerId, partitions)).ToDictionary(g => g.Key, g => g.ToList());
        var checkpoint = new PartitionCheckpoint(new Dictionary<string, long>(),
            new EngineWatermarks(CustomerProfile.None, CustomerProfile.None, CustomerProfile.None, []), [], []);
        for (var p = 0; p < partitions; p++)
        {
            var members = byPartition.GetValueOrDefault(p) ?? [];
            var first = new ChangelogBatch(1, Random.Shared.NextInt64());
            var second = new ChangelogBatch(2, Random.Shared.NextInt64());
            var tp = new TopicPartition(topic, new Partition(p));
            Produce(producer, tp, PositionsCodec.KeyFor(p), PositionsCodec.Encode(checkpoint),
                new Headers { { ChangelogBatch.BatchHeader, first.ToBytes() }, { ChangelogBatch.SizeHeader, ChangelogBatch.SizeBytes(members.Count) } }, OnDelivery);
            var batchHeader = first.ToBytes();
            foreach (var profile in members)
                Produce(producer, tp, Encoding.UTF8.GetBytes(profile.CustomerId), ProfileCodec.Encode(profile, clock),
                    new Headers { { ChangelogBatch.BatchHeader, batchHeader } }, OnDelivery);
            // The next commit's (empty) batch proves the first one committed on a broker without transaction markers.
            Produce(producer, tp, PositionsCodec.KeyFor(p), PositionsCodec.Encode(checkpoint),
                new Headers
                {
                    { ChangelogBatch.BatchHeader, second.ToBytes() }, { ChangelogBatch.SizeHeader, ChangelogBatch.SizeBytes(0) },
                    { ChangelogBatch.PreviousHeader, first.ToBytes() },
                }, OnDelivery);
        }
        if (producer.Flush(TimeSpan.FromMinutes(5)) > 0) throw new TimeoutException("changelog records still unacknowledged");
        if (failure is not null) throw new InvalidOperationException("writing the changelog failed: " + failure);
    }

    private static void Produce(IProducer<byte[], byte[]> producer, TopicPartition tp, byte[] key, byte[] value, Headers headers,
        Action<DeliveryReport<byte[], byte[]>> onDelivery)
    {
        var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = headers };
        while (true)
        {
            try
            {
                producer.Produce(tp, message, onDelivery);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
