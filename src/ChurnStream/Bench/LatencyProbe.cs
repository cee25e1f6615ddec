using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using Confluent.Kafka;

namespace ChurnStream.Host.Bench;

/// <summary>
/// Latency from an input record's append to the output it causes, at a fixed rate, on a service of its own (fresh topics
/// and group). The load is <see cref="LatencyLoad"/>: by default the generated population the maximum rate was measured
/// on, replayed live. Every output (segment change or alert) whose event time (<c>changedAt</c>, <c>detectedAt</c>) falls
/// in the measured window is a sample: the moment a read_committed consumer receives it minus that event time, which is
/// the moment its event was produced (each event's <c>occurredAt</c> and record timestamp are set to the wall clock as it
/// is sent). The service runs with <c>AllowedLatenessHours = 0</c>: with the default 6 h an event waits 6 h of event time
/// in the buffer before it is decided (that wait is the contract, not processing).
/// <para>Measured events that the service has not committed, or not decided (they wait for the watermark), when the
/// measurement stops (it did not keep up) are not left out: each counts as one sample with its wait so far, a lower
/// bound.</para>
/// </summary>
public static class LatencyProbe
{
    public readonly record struct Result(double P50, double P99);

    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);

    public static Result Measure(EmbeddedKafkaCluster cluster, AppConfiguration app, KafkaOptions kafka, int partitions, double rate,
        int seconds, LatencyLoad load, TextWriter log)
    {
        var inputs = BenchTopics.Inputs("bench-latency");
        var options = PipelineRun.ServiceOptions(app, kafka, inputs, "bench-latency", partitions);
        options.Detection.AllowedLatenessHours = 0;
        options.Clock.IdleAdvance = true; // live data, as `run` has it
        foreach (var topic in options.Topics.All.Distinct()) cluster.CreateTopic(topic, partitions, 3);

        var window = new MeasuredWindow();
        var latencies = new ConcurrentQueue<double>();
        using var stop = new CancellationTokenSource();
        var watcher = new Thread(() => Watch(options, window, latencies, stop.Token)) { IsBackground = true, Name = "bench-latency-watch" };
        watcher.Start();

        using var logs = Logs.Create(new LoggingSettings { Level = "Warning", Format = "simple" });
        var runtime = new ServiceRuntime(options, "0.0.0.0:0", logs);
        var config = ClientConfigs.Producer(kafka);
        // librdkafka's default linger (5 ms), as an application's producer has it. Shorter batches make the embedded broker
        // slower for everyone: it finds a fetch offset by walking the partition's list of batches.
        config.LingerMs = 5;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        var sender = new Sender(producer, options.Topics);
        try
        {
            runtime.Start();
            WarmUp(runtime, sender, partitions, window, latencies);

            // The measured run: a fixed rate, paced on the stopwatch.
            var total = (int)(rate * seconds);
            var clock = Stopwatch.StartNew();
            var cpu = new CpuWindow();
            window.Open();
            latencies.Clear();
            for (var i = 0; i < total; i++) sender.SendAt(clock, i / rate, load.Event(i));
            window.Close();
            var busy = cpu.RateOf(total);
            producer.Flush(TimeSpan.FromSeconds(30));
            var achieved = total / clock.Elapsed.TotalSeconds;
            var measuredEnds = BenchTopics.EndOffsets(options.Kafka, [options.Topics.Purchases, options.Topics.Engagements]);

            // The stream goes on while the tail drains (as a live one does): with no lateness, an event is released once a
            // later event of its partition has moved the watermark past it. These events are not measured.
            var (uncommitted, undecidedSinceMs) = Drain(runtime, options, sender, load, total, rate, measuredEnds, window.EndMs);
            // Consumed and committed, but still waiting for the watermark: every measured event sent since the oldest of
            // them counts as undecided (an upper bound of their number; each with its wait so far, a lower bound).
            var undecided = undecidedSinceMs <= window.EndMs ? (long)(rate * (window.EndMs - undecidedSinceMs) / 1000.0) + 1 : 0;
            Thread.Sleep(500); // the outputs of the last commit, to the watcher
            stop.Cancel();
            watcher.Join(TimeSpan.FromSeconds(5));

            var written = BenchTopics.EndOffsets(options.Kafka, [options.Topics.Segments, options.Topics.Alerts]).Values.Sum();
            var sorted = latencies.ToList();
            var outputs = sorted.Count;
            var waited = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - window.EndMs;
            for (var i = 0L; i < uncommitted + undecided; i++) sorted.Add(waited);
            sorted.Sort();
            log.WriteLine($"[bench] latency ({load.Name}): {total:#,0} events at {achieved:#,0}/s (target {rate:#,0}/s) over {seconds} s, " +
                          $"{busy.Cores:0.00} cores busy ({busy.CpuMicrosPerEvent:0.00} µs of CPU per event: service, load generator, reader and broker; {busy.Gc}), " +
                          $"{outputs:#,0} outputs in the window (the reader received {window.OutputsRead:#,0} of the {written:#,0} written)" +
                          (uncommitted + undecided > 0
                              ? $", {uncommitted:#,0} events not committed and up to {undecided:#,0} not decided {DrainLimit.TotalSeconds:0} s after it (counted with their wait so far, a lower bound)"
                              : ", every event decided") +
                          $"; p90 {Stats.Percentile(sorted, 0.9):0} ms, max {(sorted.Count > 0 ? sorted[^1] : double.NaN):0} ms");
            return new Result(Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99));
        }
        finally
        {
            stop.Cancel();
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Until the service has joined its group and answers: first events of new customers, each of which has an output.</summary>
    private static void WarmUp(ServiceRuntime runtime, Sender sender, int partitions, MeasuredWindow window, ConcurrentQueue<double> latencies)
    {
        var warm = 0;
        var until = DateTime.UtcNow.AddMinutes(2);
        while (latencies.IsEmpty)
        {
            PipelineRun.ThrowIfFailed(runtime);
            if (DateTime.UtcNow > until) throw new TimeoutException("the service produced no output in 2 minutes");
            for (var i = 0; i < partitions * 4; i++) sender.Send(LatencyLoad.NewCustomerEvent($"warm-{warm++:D7}", i % 2 == 0));
            sender.Flush();
            Thread.Sleep(200);
        }
        Thread.Sleep(2000);
    }

    /// <summary>
    /// Feeds unmeasured events at the same rate until the group has committed every measured record and the service has
    /// decided every measured event (its outputs are then committed too), or the limit. Returns the measured records still
    /// uncommitted and the event time of the oldest event still undecided.
    /// </summary>
    private static (long Uncommitted, long UndecidedSinceMs) Drain(ServiceRuntime runtime, StreamOptions options, Sender sender, LatencyLoad load, int from, double rate, IReadOnlyDictionary<TopicPartition, long> measuredEnds, long windowEndMs)
    {
        var config = ClientConfigs.Consumer(options.Kafka, options.Kafka.GroupId);
        config.StatisticsIntervalMs = 0;
        using var progress = new ConsumerBuilder<byte[], byte[]>(config).Build();
        long Uncommitted() => progress.Committed(measuredEnds.Keys, TimeSpan.FromSeconds(10))
            .Sum(c => Math.Max(0, measuredEnds[c.TopicPartition] - Math.Max(0, c.Offset.Value)));

        var clock = Stopwatch.StartNew();
        var nextCheck = TimeSpan.Zero;
        for (var i = 0; ; i++)
        {
            sender.SendAt(clock, i / rate, load.Event(from + i));
            if (clock.Elapsed < nextCheck) continue;
            PipelineRun.ThrowIfFailed(runtime);
            var left = Uncommitted();
            var undecidedSince = runtime.Processor.OldestUndecidedEventMs;
            if ((left == 0 && undecidedSince > windowEndMs) || clock.Elapsed > DrainLimit) return (left, undecidedSince);
            nextCheck = clock.Elapsed + TimeSpan.FromMilliseconds(250);
        }
    }

    private static void Watch(StreamOptions options, MeasuredWindow window, ConcurrentQueue<double> latencies, CancellationToken stop)
    {
        var config = ClientConfigs.Consumer(options.Kafka, "bench-latency-watch-" + Guid.NewGuid().ToString("N"));
        config.EnablePartitionEof = false;
        config.StatisticsIntervalMs = 0;
        config.FetchWaitMaxMs = 10;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(BenchTopics.PartitionsOf(options.Kafka, [options.Topics.Segments, options.Topics.Alerts])
            .Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r?.Message?.Value is not { } value) continue;
            window.OutputsRead++;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (EventTimeOf(value) is { } at && window.Contains(at)) latencies.Enqueue(now - at);
        }
        consumer.Close();
    }

    /// <summary>The event time of an output: <c>changedAt</c> of a segment change, <c>detectedAt</c> of an alert.</summary>
    private static long? EventTimeOf(byte[] output)
    {
        var reader = new Utf8JsonReader(output);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            if (!reader.ValueTextEquals("changedAt"u8) && !reader.ValueTextEquals("detectedAt"u8)) continue;
            reader.Read();
            return reader.GetDateTimeOffset().ToUnixTimeMilliseconds();
        }
        return null;
    }

    /// <summary>The wall-clock span of the measured events (event time = send time): outputs of other events are not samples.</summary>
    private sealed class MeasuredWindow
    {
        // Open from the start, so that the warm-up sees the service answer (the topics are fresh: no older output).
        private long _start = long.MinValue, _end = long.MaxValue;

        /// <summary>Every output the reader received (window or not), against the topics' ends: is the reader keeping up?</summary>
        public long OutputsRead;

        public long EndMs => Volatile.Read(ref _end);

        public void Open() => Volatile.Write(ref _start, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        public void Close() => Volatile.Write(ref _end, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        public bool Contains(long atMs) => atMs >= Volatile.Read(ref _start) && atMs <= Volatile.Read(ref _end);
    }

    private sealed class Sender(IProducer<byte[], byte[]> producer, TopicOptions topics)
    {
        /// <summary>
        /// Sends <paramref name="e"/> once <paramref name="clock"/> reaches <paramref name="dueSeconds"/>. It sleeps rather
        /// than spins (a spinning sender would take one of the two cores from the service and the broker), so the events
        /// due within a millisecond go together, as a producer's linger would batch them anyway.
        /// </summary>
        public void SendAt(Stopwatch clock, double dueSeconds, LatencyLoad.LiveEvent e)
        {
            if (clock.Elapsed.TotalSeconds < dueSeconds)
            {
                producer.Poll(TimeSpan.Zero);
                while (clock.Elapsed.TotalSeconds < dueSeconds) Thread.Sleep(1);
            }
            Send(e);
        }

        public void Send(LatencyLoad.LiveEvent e)
        {
            var message = new Message<byte[], byte[]> { Key = e.Key!, Value = e.Json, Timestamp = new Timestamp(e.SentAt) };
            while (true)
            {
                try
                {
                    producer.Produce(e.Purchase ? topics.Purchases : topics.Engagements, message);
                    return;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }

        public void Flush() => producer.Flush(TimeSpan.FromSeconds(5));
    }
}
