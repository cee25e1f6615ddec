using ChurnStream.Host.Hosting;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>The stream service running in the test process, stopped (cleanly) on dispose.</summary>
public sealed class RunningService : IAsyncDisposable
{
    private static readonly ILoggerFactory Logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

    private RunningService(StreamOptions options, string listen)
    {
        Options = options;
        Runtime = new ServiceRuntime(options, listen, Logs);
        Runtime.Start();
    }

    public StreamOptions Options { get; }
    public ServiceRuntime Runtime { get; }

    public static RunningService Start(StreamOptions options, string listen = "127.0.0.1:0") => new(options, listen);

    /// <summary>
    /// Waits until the group has committed every input record and nothing more is being written to the inputs
    /// (the repartition topic also carries the partitions' watermark records) for <paramref name="quiet"/>.
    /// </summary>
    public void WaitUntilCaughtUp(TimeSpan timeout, TimeSpan? quiet = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var settle = quiet ?? TimeSpan.FromSeconds(4);
        long lastEnds = -1;
        var since = DateTime.UtcNow;
        while (true)
        {
            if (Runtime.Failure is { } f) throw new InvalidOperationException("the service failed: " + f.Message, f);
            var (remaining, ends) = GroupProgress.Measure(Options.Kafka, Options.Kafka.GroupId, Options.Topics.Inputs);
            if (remaining > 0 || ends != lastEnds)
            {
                lastEnds = ends;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= settle)
            {
                return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"service still {remaining} records behind after {timeout.TotalSeconds} s");
            Thread.Sleep(250);
        }
    }

    /// <summary>Every partition's clocks (engine watermarks, inputs, repartition sources), for a failure message.</summary>
    public string DescribeClocks() =>
        string.Join("\n", Runtime.Processor.Tasks.Values.OrderBy(t => t.Partition).Select(t =>
            $"partition {t.Partition}: {t.Engine.ExportWatermarks()} inputs [{string.Join(", ", t.Engine.ExportWatermarks().Inputs)}]"
            + $" sources [{string.Join(", ", t.SourceWatermarks)}] replaying={t.Replaying}"));

    public async ValueTask DisposeAsync() => await Runtime.DisposeAsync();
}
