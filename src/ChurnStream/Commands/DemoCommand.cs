using System.CommandLine;
using System.Diagnostics;
using System.Text;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka.Processing;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Host.Commands;

/// <summary>
/// <c>churnstream demo</c>: embedded broker, generator and service in one process. Publishes a synthetic
/// population, shows alerts as they arrive, and ends with a summary scored against the population's ground truth.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var duration = new Option<int>("--duration") { Description = "Stop after this many seconds at the latest", DefaultValueFactory = _ => 60 };
        var customers = new Option<int>("--customers") { Description = "Customers to simulate", DefaultValueFactory = _ => 2000 };
        var days = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 365 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 7 };
        var metricsPort = CommonOptions.MetricsPort();
        var config = CommonOptions.Config();
        var noModel = new Option<bool>("--no-model") { Description = "Run on the rules alone, without fitting a BG/NBD model on the purchase history first" };
        var command = new Command("demo", "Embedded broker + generator + service in one process; ends by itself (Ctrl-C to stop early)")
        {
            duration, customers, days, seed, metricsPort, config, noModel,
        };
        command.SetAction(parse => Run(AppConfiguration.Load(parse.GetValue(config)), parse.GetValue(duration), parse.GetValue(customers),
            parse.GetValue(days), parse.GetValue(seed), parse.GetValue(metricsPort) ?? 0, !parse.GetValue(noModel)));
        return command;
    }

    private static int Run(AppConfiguration app, int durationSeconds, int customerCount, int days, int seed, int metricsPort, bool fitModel)
    {
        if (durationSeconds < 1) throw new ConfigurationProblem("--duration must be at least 1 second");
        var options = app.Stream;
        using var signal = new ShutdownSignal();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(signal.Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(durationSeconds));
        var clock = Stopwatch.StartNew();

        using var cluster = EmbeddedKafkaCluster.Start(3);
        foreach (var topic in options.Topics.All) cluster.CreateTopic(topic, options.Kafka.Partitions, 3);
        options.Kafka.BootstrapServers = cluster.BootstrapServers;
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = customerCount, Days = days, Seed = seed, UnkeyedRate = 0.01 });
        Console.Out.WriteLine($"ChurnStream demo: embedded Kafka at {cluster.BootstrapServers}; {customerCount} customers over {days} days (seed {seed}).");
        if (fitModel && string.IsNullOrEmpty(options.Detection.Model.File)) options.Detection.Model.File = FitModel(generator, days);

        using var logs = Logs.Create(new LoggingSettings { Level = "Warning", Format = app.Logging.Format });
        var runtime = new ServiceRuntime(options, CommonOptions.Listen(app.Observability.Listen, metricsPort), logs);
        runtime.Start();
        if (runtime.Server.LocalEndpoint is { } ep) Console.Out.WriteLine($"Metrics at http://{ep}/metrics");

        long published = 0;
        var publishing = Task.Run(() => published = GenerateCommand.Publish(generator, options, deadline.Token));
        var shown = 0;
        using var alertWatch = new AlertWatcher(options);
        var lastProgress = TimeSpan.Zero;
        try
        {
            while (!deadline.IsCancellationRequested && runtime.IsRunning)
            {
                foreach (var alert in alertWatch.Poll())
                    if (shown++ < 12 || shown % 250 == 0) Console.Out.WriteLine("  alert  " + Describe(alert));
                if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(5))
                {
                    lastProgress = clock.Elapsed;
                    Console.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,4:0}s] published {(publishing.IsCompleted ? published : -1):#,0;…} events, " +
                                          $"processed {runtime.Processor.EventsProcessed:#,0}, alerts seen {alertWatch.Count:#,0}");
                }
                if (publishing.IsCompleted && GroupProgress.RemainingRecords(options.Kafka, options.Kafka.GroupId, options.Topics.Inputs) == 0)
                {
                    alertWatch.Poll().ToList();
                    break;
                }
            }
        }
        finally
        {
            deadline.Cancel();
            try { publishing.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
            runtime.Stop(TimeSpan.FromSeconds(10));
        }

        if (runtime.Failure is { } failure)
        {
            Console.Error.WriteLine("churnstream demo: the service failed: " + failure.Message);
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 1;
        }
        PrintSummary(options, runtime.Processor, generator, clock.Elapsed);
        runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    /// <summary>
    /// The model a data team would fit offline: BG/NBD + Gamma-Gamma on the purchase history (`model fit`),
    /// loaded by the service so that alerts carry P(alive) and churn_risk fires.
    /// </summary>
    private static string FitModel(PopulationGenerator generator, int days)
    {
        var dir = Directory.CreateTempSubdirectory("churnstream-demo-").FullName;
        var history = Path.Combine(dir, "purchases.jsonl");
        using (var file = new BufferedStream(File.Create(history), 1 << 16))
            foreach (var e in generator.GenerateEvents().Where(e => e.Topic == Topics.Purchases))
            {
                file.Write(e.Json);
                file.WriteByte((byte)'\n');
            }
        var model = Path.Combine(dir, "model.json");
        var calibrationEnd = DateOnly.FromDateTime(generator.Options.Start.UtcDateTime).AddDays(days);
        var output = new StringWriter();
        if (Model.ModelCli.Fit(history, "jsonl", calibrationEnd, model, output, Console.Error) != 0)
            throw new InvalidOperationException("fitting the demo's model failed");
        var fitted = Model.ModelFile.ReadFile(model);
        Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Fitted BG/NBD on the purchase history (model fit): r={fitted.R:0.###} alpha={fitted.Alpha:0.###} a={fitted.A:0.###} b={fitted.B:0.###}; alerts carry P(alive), churn_risk fires below 0.5"));
        return model;
    }

    private static void PrintSummary(Kafka.Options.StreamOptions options, StreamProcessor processor, PopulationGenerator generator, TimeSpan elapsed)
    {
        var alerts = TopicReader.ReadAll(options.Kafka, options.Topics.Alerts, TimeSpan.FromSeconds(30));
        var segments = TopicReader.ReadAll(options.Kafka, options.Topics.Segments, TimeSpan.FromSeconds(30));
        var dlq = TopicReader.ReadAll(options.Kafka, options.Topics.DeadLetter, TimeSpan.FromSeconds(30));
        var records = alerts.Select(a => AlertRecord.Parse(a.Message.Value)).ToList();
        var severities = alerts.Select(a => System.Text.Json.JsonDocument.Parse(a.Message.Value).RootElement.GetProperty("severity").GetString()!).ToList();

        Console.Out.WriteLine();
        Console.Out.WriteLine($"Summary after {elapsed.TotalSeconds:0} s: {processor.EventsProcessed:#,0} events processed, {alerts.Count:#,0} alerts, {segments.Count:#,0} segment changes, {dlq.Count} dead letters.");
        Console.Out.WriteLine("Alerts by kind:");
        foreach (var g in records.GroupBy(r => r.Kind).OrderByDescending(g => g.Count()))
            Console.Out.WriteLine($"  {g.Key,-20} {g.Count(),7:#,0}");
        Console.Out.WriteLine("Alerts by severity:");
        foreach (var g in severities.GroupBy(s => s).OrderByDescending(g => g.Count()))
            Console.Out.WriteLine($"  {g.Key,-20} {g.Count(),7:#,0}");
        Console.Out.WriteLine("Segment mix now (customers, from the latest segment record of each):");
        var latest = new Dictionary<string, System.Text.Json.JsonElement>(StringComparer.Ordinal);
        foreach (var r in segments)
        {
            var root = System.Text.Json.JsonDocument.Parse(r.Message.Value).RootElement;
            latest[root.GetProperty("customerId").GetString()!] = root.GetProperty("segments");
        }
        foreach (var dimension in new[] { "value", "lifecycle", "activity" })
            Console.Out.WriteLine($"  {dimension,-10} " + string.Join("  ", latest.Values
                .GroupBy(s => s.GetProperty(dimension).GetString()).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}={g.Count()}")));
        Console.Out.WriteLine("Example alerts:");
        foreach (var a in alerts.GroupBy(a => AlertRecord.Parse(a.Message.Value).Kind).Select(g => g.First()))
            Console.Out.WriteLine("  " + Encoding.UTF8.GetString(a.Message.Value));
        Console.Out.WriteLine("Against the population's ground truth:");
        foreach (var line in AlertEvaluator.Evaluate(records, generator.Labels).Render().Split('\n'))
            Console.Out.WriteLine("  " + line);
    }

    private static string Describe(byte[] json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var r = doc.RootElement;
        var ratio = r.GetProperty("metrics").GetProperty("ratio");
        return $"{r.GetProperty("severity").GetString(),-8} {r.GetProperty("kind").GetString(),-19} {r.GetProperty("customerId").GetString(),-9} " +
               $"at {r.GetProperty("detectedAt").GetString()} " +
               (ratio.ValueKind == System.Text.Json.JsonValueKind.Number ? $"ratio {ratio.GetDouble():0.00}"
                : $"{r.GetProperty("metrics").GetProperty("unit").GetString()} {r.GetProperty("metrics").GetProperty("current").GetDouble():0.##}") +
               $"  value={r.GetProperty("segments").GetProperty("value").GetString()}";
    }

    /// <summary>Follows the alerts topic from the beginning, outside the service's group.</summary>
    private sealed class AlertWatcher : IDisposable
    {
        private readonly Confluent.Kafka.IConsumer<byte[], byte[]> _consumer;

        public AlertWatcher(Kafka.Options.StreamOptions options)
        {
            var config = Kafka.ClientConfigs.Consumer(options.Kafka, "churnstream-demo-watch-" + Guid.NewGuid().ToString("N"));
            config.EnablePartitionEof = false;
            config.StatisticsIntervalMs = 0;
            _consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(config).Build();
            _consumer.Subscribe(options.Topics.Alerts);
        }

        public long Count { get; private set; }

        public IEnumerable<byte[]> Poll()
        {
            var until = DateTime.UtcNow.AddMilliseconds(250);
            while (DateTime.UtcNow < until)
            {
                var r = _consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (r?.Message?.Value is null) continue;
                Count++;
                yield return r.Message.Value;
            }
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
        }
    }
}
