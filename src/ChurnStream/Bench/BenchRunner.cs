using System.Diagnostics;
using System.Globalization;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using ChurnStream.Simulation;
using Confluent.Kafka;

namespace ChurnStream.Host.Bench;

/// <summary>
/// Runs every figure of <c>churnstream bench</c> in one process on one embedded cluster: (a) raw consume, (b) the
/// engine alone, (c) the full service (exactly-once), then memory per customer, changelog restore and latency.
/// Figures go to <paramref name="output"/> as <c>name=value unit</c>; progress and notes go to <paramref name="log"/>.
/// </summary>
public sealed class BenchRunner(AppConfiguration app, BenchSettings settings, TextWriter output, TextWriter log)
{
    /// <summary>The embedded broker keeps about 5 MB per partition; plan for at most this much (LZ4-compressed) per partition.</summary>
    public const long PartitionBudgetBytes = 2_500_000;

    /// <summary>JSON events compress about fourfold with LZ4 (measured on the generated population: 3.9-4.3).</summary>
    private const double JsonCompression = 3.0;

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public int Run()
    {
        LibrdkafkaNative.EnsureLoaded();
        if (settings.LatencyOnlyRate > 0)
        {
            using var broker = EmbeddedKafkaCluster.Start(3);
            var options = new KafkaOptions { BootstrapServers = broker.BootstrapServers, Partitions = Math.Max(1, settings.Partitions), Properties = new(app.Stream.Kafka.Properties) };
            var only = LatencyProbe.Measure(broker, app, options, options.Partitions, settings.LatencyOnlyRate, settings.LatencySeconds,
                LatencyLoadFor(() => BenchEvents.Generate(settings.Events, settings.Seed)), log);
            Figure("latency_p50_ms", only.P50, "ms");
            Figure("latency_p99_ms", only.P99, "ms");
            return 0;
        }
        if (settings.MemoryOnly)
        {
            Figure("bytes_per_customer", MemoryProbe.Measure(app.Stream.Detection, settings.Customers, settings.MemoryDays, settings.Seed, log).BytesPerCustomer, "bytes");
            return 0;
        }
        Note($"generating {settings.Events:#,0} events (seed {settings.Seed})");
        var events = BenchEvents.Generate(settings.Events, settings.Seed);
        var partitions = settings.Partitions > 0 ? settings.Partitions
            : Math.Max(app.Stream.Kafka.Partitions, (int)Math.Ceiling(events.MaxTopicBytes / JsonCompression / PartitionBudgetBytes));
        Note($"{events.Count:#,0} events of {events.Customers:#,0} customers ({events.PurchaseBytes / 1e6:0.0} MB purchases, " +
             $"{events.EngagementBytes / 1e6:0.0} MB engagements of JSON); {partitions} partitions per topic");

        if (settings.EngineOnly)
        {
            // Per CPU second of the process as well (GC threads included): steadier than wall time on a shared machine.
            WarmUpEngine(events, partitions);
            var runs = Repeat("engine", events.Count, () => EngineThroughput.Measure(events, app.Stream.Detection, partitions));
            Figure("engine_events_per_s", MedianOf(runs, r => r.EventsPerSecond), "events/s");
            var perCpuSecond = runs.Select(r => r.EventsPerSecond / r.Cores).ToList();
            Note($"engine per CPU second of the process: median {Stats.Median(perCpuSecond):#,0} (runs {string.Join(" / ", perCpuSecond.Select(x => x.ToString("#,0", CultureInfo.InvariantCulture)))})");
            return 0;
        }

        using var cluster = EmbeddedKafkaCluster.Start(3);
        var kafka = new KafkaOptions { BootstrapServers = cluster.BootstrapServers, Partitions = partitions, Properties = new(app.Stream.Kafka.Properties) };
        var inputs = BenchTopics.Inputs("bench");
        cluster.CreateTopic(inputs.Purchases, partitions, 3);
        cluster.CreateTopic(inputs.Engagements, partitions, 3);
        var produced = Stopwatch.StartNew();
        events.Publish(kafka, inputs.Purchases, inputs.Engagements);
        Note($"pre-produced in {produced.Elapsed.TotalSeconds:0.0} s");
        var truncated = BenchTopics.Truncated(kafka, [inputs.Purchases, inputs.Engagements]);
        if (truncated.Count > 0)
        {
            log.WriteLine($"churnstream bench: the embedded broker dropped records of {string.Join(", ", truncated)}; use more --partitions");
            return 1;
        }
        Note("nothing truncated: every input partition still starts at offset 0");

        if (settings.PipelineOnly)
        {
            var only = Repeat("pipeline", events.Count, () => PipelineRun.Measure(cluster, app, kafka, inputs, events.Count, partitions, log));
            Figure("pipeline_events_per_s", MedianOf(only, r => r.EventsPerSecond), "events/s");
            return 0;
        }
        // (a) raw consume
        var raw = Repeat("raw consume", events.Count, () => RawConsume.Measure(kafka, [inputs.Purchases, inputs.Engagements], events.Count));
        // (b) the engine alone, in memory
        WarmUpEngine(events, partitions);
        var engine = Repeat("engine", events.Count, () => EngineThroughput.Measure(events, app.Stream.Detection, partitions));
        // (c) the full service
        var pipeline = Repeat("pipeline", events.Count, () => PipelineRun.Measure(cluster, app, kafka, inputs, events.Count, partitions, log));

        var rawRate = MedianOf(raw, r => r.EventsPerSecond);
        var pipelineRate = MedianOf(pipeline, r => r.EventsPerSecond);
        NoteCpu(raw, pipeline);
        Figure("raw_consume_events_per_s", rawRate, "events/s");
        Figure("engine_events_per_s", MedianOf(engine, r => r.EventsPerSecond), "events/s");
        Figure("pipeline_events_per_s", pipelineRate, "events/s");
        // The ratio of the medians of runs that alternate within one process on one cluster.
        output.WriteLine($"pipeline_to_raw_ratio={(pipelineRate / rawRate).ToString("0.000", CultureInfo.InvariantCulture)} ratio");
        output.Flush();

        // Memory and restore, on a population of --customers customers built through the engine.
        var memory = MemoryProbe.Measure(app.Stream.Detection, settings.Customers, settings.MemoryDays, settings.Seed, log);
        Figure("bytes_per_customer", memory.BytesPerCustomer, "bytes");
        var restore = RestoreProbe.Measure(cluster, kafka, app.Stream.Detection, memory.Engine, settings.Customers, log);
        memory = null!;
        if (restore is null) return 1;
        output.WriteLine($"restore_seconds={restore.Value.ToString("0.000", CultureInfo.InvariantCulture)} s");
        output.Flush();

        // Latency at half the measured maximum (pipeline) rate.
        var rate = Math.Max(50, pipelineRate / 2);
        var latency = LatencyProbe.Measure(cluster, app, kafka, partitions, rate, settings.LatencySeconds, LatencyLoadFor(() => events), log);
        Figure("latency_p50_ms", latency.P50, "ms");
        Figure("latency_p99_ms", latency.P99, "ms");
        Note($"done in {_clock.Elapsed.TotalSeconds:0} s");
        return 0;
    }

    /// <summary>
    /// One unmeasured run first, as a long-running service is measured once its code is compiled: the first run goes through
    /// tiered compilation (unoptimised code, then on-stack replacement), which the service pays once at start-up.
    /// </summary>
    private void WarmUpEngine(BenchEvents events, int partitions)
    {
        var warmUp = EngineThroughput.Measure(events, app.Stream.Detection, partitions);
        Note($"engine warm-up run (not counted): {warmUp.EventsPerSecond:#,0} events/s");
    }

    private List<MeasuredRate> Repeat(string what, long events, Func<MeasuredRate> measure)
    {
        var results = new List<MeasuredRate>();
        for (var i = 0; i < settings.Repeat; i++)
        {
            var rate = measure();
            results.Add(rate);
            Note($"{what} run {i + 1}/{settings.Repeat}: {rate.EventsPerSecond:#,0} events/s, {rate.Cores:0.00} cores busy ({rate.CpuMicrosPerEvent:0.00} µs of CPU per event); {rate.Gc}");
            if (rate.ByThread(events) is { Length: > 0 } byThread) Note($"{what} run {i + 1}/{settings.Repeat}, µs of CPU per event by thread: {byThread}");
        }
        return results;
    }

    /// <summary>
    /// What bounds the ratio: the CPU each side spends per event, the embedded broker's included (it runs in this process).
    /// A pipeline that keeps every core busy can go no faster than the cores over its CPU per event.
    /// </summary>
    private void NoteCpu(IReadOnlyList<MeasuredRate> raw, IReadOnlyList<MeasuredRate> pipeline)
    {
        var rawMicros = MedianOf(raw, r => r.CpuMicrosPerEvent);
        var pipelineMicros = MedianOf(pipeline, r => r.CpuMicrosPerEvent);
        var pipelineCores = MedianOf(pipeline, r => r.Cores);
        if (rawMicros <= 0 || pipelineMicros <= 0) return; // runs too short for the process's CPU clock
        Note($"CPU per event (medians, whole process): raw consume {rawMicros:0.00} µs, pipeline {pipelineMicros:0.00} µs ({pipelineMicros / rawMicros:0.0}x) " +
             $"with {pipelineCores:0.00} of {Environment.ProcessorCount} cores busy; on every core the pipeline would reach {Environment.ProcessorCount / pipelineMicros * 1e6:#,0} events/s");
    }

    private static double MedianOf(IEnumerable<MeasuredRate> runs, Func<MeasuredRate, double> figure) => Stats.Median(runs.Select(figure).ToList());

    private void Figure(string name, double value, string unit)
    {
        output.WriteLine($"{name}={value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture)} {unit}");
        output.Flush();
    }

    /// <summary>The latency run's load: the generated population (made only then), or a new customer per event.</summary>
    private LatencyLoad LatencyLoadFor(Func<BenchEvents> population) =>
        settings.LatencyNewCustomers ? LatencyLoad.NewCustomers : LatencyLoad.Population(population());

    private void Note(string message) => log.WriteLine($"[bench {_clock.Elapsed.TotalSeconds,5:0.0}s] {message}");
}

/// <summary>Topic names of one bench stage (each stage gets its own, so no stage sees another's records or state).</summary>
public static class BenchTopics
{
    public static TopicOptions Inputs(string prefix) => new()
    {
        Purchases = prefix + "-purchases",
        Engagements = prefix + "-engagements",
        Alerts = prefix + "-alerts",
        Segments = prefix + "-segments",
        DeadLetter = prefix + "-dlq",
        Repartition = prefix + "-repartition",
        Changelog = prefix + "-changelog",
    };

    /// <summary>The partitions whose oldest records the broker already dropped (low watermark above 0).</summary>
    public static List<string> Truncated(KafkaOptions kafka, IEnumerable<string> topics) =>
        WatermarkOffsetsOf(kafka, topics).Where(kv => kv.Value.Low.Value > 0)
            .Select(kv => $"{kv.Key.Topic}[{kv.Key.Partition.Value}] (first offset {kv.Value.Low.Value})").ToList();

    /// <summary>The end (high watermark) of every partition of <paramref name="topics"/>.</summary>
    public static Dictionary<TopicPartition, long> EndOffsets(KafkaOptions kafka, IEnumerable<string> topics) =>
        WatermarkOffsetsOf(kafka, topics).ToDictionary(kv => kv.Key, kv => kv.Value.High.Value);

    /// <summary>The first and the end offset of every partition of <paramref name="topics"/>, in partition order.</summary>
    private static List<KeyValuePair<TopicPartition, WatermarkOffsets>> WatermarkOffsetsOf(KafkaOptions kafka, IEnumerable<string> topics)
    {
        var config = ClientConfigs.Consumer(kafka, "bench-offsets-" + Guid.NewGuid().ToString("N"));
        config.StatisticsIntervalMs = 0;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        return PartitionsOf(kafka, topics).Select(tp => KeyValuePair.Create(tp, consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)))).ToList();
    }

    public static List<TopicPartition> PartitionsOf(KafkaOptions kafka, IEnumerable<string> topics)
    {
        using var admin = new AdminClientBuilder(ClientConfigs.Common(kafka)).Build();
        var result = new List<TopicPartition>();
        foreach (var topic in topics)
            result.AddRange(admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)));
        return result;
    }
}

/// <summary>Generated events, kept in memory so every stage reads the same bytes.</summary>
public sealed class BenchEvents
{
    public required List<(bool Purchase, string? Key, byte[] Json)> Items { get; init; }
    public int Count => Items.Count;
    public int Customers { get; init; }
    public long PurchaseBytes { get; init; }
    public long EngagementBytes { get; init; }
    public long MaxTopicBytes => Math.Max(PurchaseBytes, EngagementBytes);

    /// <summary>The first <paramref name="count"/> events (in delivery order) of a population sized to produce about that many over a year.</summary>
    public static BenchEvents Generate(int count, int seed)
    {
        // Events per customer-year of the population's persona mix, from a sample.
        var sample = new PopulationGenerator(new GeneratorOptions { Customers = 400, Days = 365, Seed = seed, UnkeyedRate = 0.01 }).GenerateEvents().Count();
        var customers = Math.Max(10, (int)Math.Ceiling(count / (sample / 400.0) * 1.1));
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = customers, Days = 365, Seed = seed, UnkeyedRate = 0.01 });
        var items = new List<(bool, string?, byte[])>(count);
        long purchases = 0, engagements = 0;
        foreach (var e in generator.GenerateEvents())
        {
            if (items.Count >= count) break;
            var purchase = e.Topic == Simulation.Topics.Purchases;
            items.Add((purchase, e.Unkeyed ? null : e.CustomerId, e.Json));
            if (purchase) purchases += e.Json.Length; else engagements += e.Json.Length;
        }
        return new BenchEvents { Items = items, Customers = customers, PurchaseBytes = purchases, EngagementBytes = engagements };
    }

    public void Publish(KafkaOptions kafka, string purchasesTopic, string engagementsTopic)
    {
        using var publisher = new Kafka.Tools.EventPublisher(kafka);
        foreach (var (purchase, key, json) in Items)
            publisher.Publish(purchase ? purchasesTopic : engagementsTopic, key, json);
        publisher.Flush(TimeSpan.FromSeconds(120));
    }
}
