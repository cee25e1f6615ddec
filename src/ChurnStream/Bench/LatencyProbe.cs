using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using Confluent.Kafka;

namespace ChurnStream.Host.Bench;

/// <summary>
/// Latency from an input record's append to its output, at a fixed rate: every event is the first of a new customer
/// with its event time = now, so each produces a segment change (<c>from: null</c>). The service runs with
/// <c>AllowedLatenessHours = 0</c>: with the default 6 h an event waits 6 h of event time in the buffer before it is
/// decided (that wait is the contract, not processing). Measured from the record's timestamp (CreateTime, set at
/// produce on this machine's clock) to the moment a read_committed consumer of <c>customer-segments</c> receives it.
/// </summary>
public static class LatencyProbe
{
    public readonly record struct Result(double P50, double P99, int Sent, int Received);

    public static Result Measure(EmbeddedKafkaCluster cluster, AppConfiguration app, KafkaOptions kafka, int partitions, double rate,
        int seconds, TextWriter log)
    {
        var inputs = BenchTopics.Inputs("bench-latency");
        var options = PipelineRun.ServiceOptions(app, kafka, inputs, "bench-latency", partitions);
        options.Detection.AllowedLatenessHours = 0;
        options.Clock.IdleAdvance = true; // live data, as `run` has it
        foreach (var topic in options.Topics.All.Distinct()) cluster.CreateTopic(topic, partitions, 3);

        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var watcher = new Thread(() => Watch(options, sent, seen, latencies, stop.Token)) { IsBackground = true, Name = "bench-latency-watch" };
        watcher.Start();

        using var logs = Logs.Create(new LoggingSettings { Level = "Warning", Format = "simple" });
        var runtime = new ServiceRuntime(options, "0.0.0.0:0", logs);
        var config = ClientConfigs.Producer(kafka);
        config.LingerMs = 1;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        try
        {
            runtime.Start();
            // Warm-up: until the service has joined its group and answers.
            var warm = 0;
            var until = DateTime.UtcNow.AddMinutes(2);
            while (latencies.IsEmpty)
            {
                if (runtime.Failure is { } f) throw new InvalidOperationException("the service failed: " + f.Message, f);
                if (DateTime.UtcNow > until) throw new TimeoutException("the service produced no output in 2 minutes");
                for (var i = 0; i < partitions * 4; i++) Send(producer, options.Topics, $"warm-{warm++:D7}", sent, i % 2 == 0);
                producer.Flush(TimeSpan.FromSeconds(5));
                Thread.Sleep(200);
            }
            Thread.Sleep(2000);
            latencies.Clear();
            sent.Clear();

            // The measured run: a fixed rate, paced on the stopwatch.
            var total = (int)(rate * seconds);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < total; i++)
            {
                var due = i / rate;
                while (clock.Elapsed.TotalSeconds < due)
                {
                    producer.Poll(TimeSpan.Zero);
                    if (due - clock.Elapsed.TotalSeconds > 0.002) Thread.Sleep(1);
                }
                Send(producer, options.Topics, $"lat-{i:D8}", sent, i % 2 == 0);
            }
            producer.Flush(TimeSpan.FromSeconds(30));
            var achieved = total / clock.Elapsed.TotalSeconds;
            // The stream goes on while the tail drains (as a live one does): with no lateness, an event is released once
            // a later event of its partition has moved the watermark past it. These events are not measured.
            var wait = Stopwatch.StartNew();
            for (var i = 0; latencies.Count < total && wait.Elapsed < TimeSpan.FromSeconds(15); i++)
            {
                while (wait.Elapsed.TotalSeconds < i / rate) { producer.Poll(TimeSpan.Zero); Thread.Sleep(1); }
                Send(producer, options.Topics, $"tail-{i:D8}", null, i % 2 == 0);
            }
            stop.Cancel();
            watcher.Join(TimeSpan.FromSeconds(5));

            var received = latencies.Count;
            var sorted = latencies.ToList();
            // Events whose output never came are in the tail, not left out: each counts with the time it had waited when
            // the measurement stopped (a lower bound of its latency).
            var stopped = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (customer, at) in sent)
                if (!seen.ContainsKey(customer)) sorted.Add(stopped - at);
            sorted.Sort();
            log.WriteLine($"[bench] latency: {total:#,0} events at {achieved:#,0}/s (target {rate:#,0}/s) over {seconds} s, " +
                          $"{received:#,0} outputs received{(received < total ? $" ({total - received:#,0} missing: counted with their wait so far, a lower bound)" : "")}; p90 {Stats.Percentile(sorted, 0.9):0} ms, max {sorted[^1]:0} ms");
            return new Result(Stats.Percentile(sorted, 0.5), Stats.Percentile(sorted, 0.99), total, received);
        }
        finally
        {
            stop.Cancel();
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static void Send(IProducer<byte[], byte[]> producer, TopicOptions topics, string customer, ConcurrentDictionary<string, long>? sent, bool purchase)
    {
        var now = DateTimeOffset.UtcNow;
        var at = now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var json = purchase
            ? $"{{\"customerId\":\"{customer}\",\"occurredAt\":\"{at}\",\"amount\":42.5,\"eventId\":\"e-{customer}\",\"category\":\"books\"}}"
            : $"{{\"customerId\":\"{customer}\",\"occurredAt\":\"{at}\",\"type\":\"visit\",\"eventId\":\"e-{customer}\"}}";
        if (sent is not null) sent[customer] = now.ToUnixTimeMilliseconds();
        var message = new Message<byte[], byte[]>
        {
            Key = Encoding.UTF8.GetBytes(customer),
            Value = Encoding.UTF8.GetBytes(json),
            Timestamp = new Timestamp(now),
        };
        while (true)
        {
            try
            {
                producer.Produce(purchase ? topics.Purchases : topics.Engagements, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    private static void Watch(StreamOptions options, ConcurrentDictionary<string, long> sent, ConcurrentDictionary<string, bool> seen,
        ConcurrentBag<double> latencies, CancellationToken stop)
    {
        var config = ClientConfigs.Consumer(options.Kafka, "bench-latency-watch-" + Guid.NewGuid().ToString("N"));
        config.EnablePartitionEof = false;
        config.StatisticsIntervalMs = 0;
        config.FetchWaitMaxMs = 10;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(BenchTopics.PartitionsOf(options.Kafka, [options.Topics.Segments]).Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        while (!stop.IsCancellationRequested)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r?.Message?.Key is not { } key) continue;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var customer = Encoding.UTF8.GetString(key);
            if (sent.TryGetValue(customer, out var at) && seen.TryAdd(customer, true)) latencies.Add(now - at);
        }
        consumer.Close();
    }
}
