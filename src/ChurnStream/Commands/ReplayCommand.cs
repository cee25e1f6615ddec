using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka.Processing;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Host.Commands;

/// <summary>
/// <c>churnstream replay</c>: reprocesses the input topics from a point in time with fresh state, its own consumer
/// group and its own output topics, and stops by itself at <c>--to</c> or the end of the input as it stood at start.
/// </summary>
internal static class ReplayCommand
{
    public const string DefaultSuffix = ".replay";

    public static Command Create()
    {
        var bootstrap = CommonOptions.BootstrapServers(required: true);
        var from = new Option<string>("--from") { Description = "earliest, or an ISO-8601 time: the first record appended at or after it", Required = true };
        var to = new Option<string?>("--to") { Description = "ISO-8601 time: stop before the first record appended at or after it (default: the end as it stands now)" };
        var suffix = new Option<string>("--output-suffix") { Description = "Suffix of the replay's output and internal topics", DefaultValueFactory = _ => DefaultSuffix };
        var config = CommonOptions.Config();
        var metricsPort = CommonOptions.MetricsPort();
        var command = new Command("replay", "Reprocess the input topics with fresh state into separate output topics; the live service is untouched")
        {
            bootstrap, from, to, suffix, config, metricsPort,
        };
        command.SetAction(parse =>
        {
            var app = AppConfiguration.Load(parse.GetValue(config));
            app.Stream.Kafka.BootstrapServers = parse.GetValue(bootstrap)!;
            var topicSuffix = parse.GetValue(suffix)!;
            if (topicSuffix.Length == 0 || topicSuffix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
                throw new ConfigurationProblem($"--output-suffix '{topicSuffix}' must be non-empty and use only letters, digits, '.', '_', '-'");
            var options = ReplayPlan.OptionsFor(app.Stream, topicSuffix);
            var errors = options.Validate();
            if (errors.Count > 0) throw new ConfigurationProblem(string.Join(" ", errors));
            var plan = ReplayPlan.Prepare(options, ParseFrom(parse.GetValue(from)!), ParseTime(parse.GetValue(to), "--to"), TimeSpan.FromSeconds(30));
            return Run(app, options, plan, CommonOptions.Listen("0.0.0.0:0", parse.GetValue(metricsPort)));
        });
        return command;
    }

    private static int Run(AppConfiguration app, Kafka.Options.StreamOptions options, ReplayPlan plan, string listen)
    {
        using var logs = Logs.Create(new LoggingSettings { Level = "Warning", Format = app.Logging.Format });
        using var signal = new ShutdownSignal();
        var runtime = new ServiceRuntime(options, listen, logs, plan);
        var total = plan.TotalRecords;
        Console.Error.WriteLine($"churnstream replay: {total:#,0} input records into {options.Topics.Alerts}, {options.Topics.Segments} (group {options.Kafka.GroupId})");
        var clock = Stopwatch.StartNew();
        runtime.Start();
        try
        {
            while (runtime.IsRunning && !signal.Token.IsCancellationRequested)
            {
                runtime.WaitUntilStopped(CancellationTokenSource.CreateLinkedTokenSource(signal.Token, new CancellationTokenSource(1000).Token).Token);
                var done = runtime.Processor.ReplayedRecords;
                var rate = done / Math.Max(0.001, clock.Elapsed.TotalSeconds);
                var eta = rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - done) / rate) : TimeSpan.Zero;
                Console.Error.WriteLine($"  {done:#,0} / {total:#,0} records ({(total == 0 ? 100 : 100.0 * done / total):0.0} %), {rate:#,0} records/s, ETA {eta:mm\\:ss}");
            }
            if (signal.Token.IsCancellationRequested) runtime.Stop(TimeSpan.FromSeconds(10));
            if (runtime.Failure is { } f)
            {
                Console.Error.WriteLine("churnstream: replay failed: " + f.Message);
                return 1;
            }
            Console.Out.WriteLine($"replayed {runtime.Processor.ReplayedRecords} records in {clock.Elapsed.TotalSeconds:0.0} s into {options.Topics.Alerts} and {options.Topics.Segments}");
            return signal.Token.IsCancellationRequested ? 1 : 0;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static DateTimeOffset? ParseFrom(string text) =>
        string.Equals(text, "earliest", StringComparison.OrdinalIgnoreCase) ? null : ParseTime(text, "--from");

    private static DateTimeOffset? ParseTime(string? text, string option) =>
        text is null ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new ConfigurationProblem($"{option} '{text}' is not 'earliest' or an ISO-8601 time such as 2025-06-01T00:00:00Z");
}
