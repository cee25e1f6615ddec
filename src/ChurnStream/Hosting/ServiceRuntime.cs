using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;
using ChurnStream.Observability;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Host.Hosting;

/// <summary>
/// One running stream service: metrics, the HTTP endpoint and the processor on a thread of its own. Shared by
/// <c>run</c> and <c>demo</c>.
/// </summary>
public sealed class ServiceRuntime : IAsyncDisposable
{
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private Exception? _failure;

    public ServiceRuntime(StreamOptions options, string listen, ILoggerFactory logs, ReplayPlan? replay = null)
    {
        Metrics = new ChurnStreamMetrics();
        Exporter = new PrometheusTextExporter(Metrics.Meter);
        Metrics.PrimeKnownSeries();
        Health = new HealthState();
        Server = new ObservabilityServer(ObservabilityServerOptions.Parse(listen), Exporter, Health);
        Processor = new StreamProcessor(options, Metrics, Health, logs.CreateLogger("churnstream")) { ReplayRange = replay };
        _thread = new Thread(Loop) { Name = "churnstream-processor", IsBackground = true };
    }

    public ChurnStreamMetrics Metrics { get; }
    public PrometheusTextExporter Exporter { get; }
    public HealthState Health { get; }
    public ObservabilityServer Server { get; }
    public StreamProcessor Processor { get; }

    /// <summary>The exception that ended the processor, if it ended on its own.</summary>
    public Exception? Failure => _failure;
    public bool IsRunning => _thread.IsAlive;

    public void Start()
    {
        Server.Start();
        _thread.Start();
    }

    /// <summary>Stops the processor (finishing its commit, leaving the group) and waits up to <paramref name="timeout"/>.</summary>
    public bool Stop(TimeSpan timeout)
    {
        _stop.Cancel();
        return !_thread.IsAlive || _thread.Join(timeout);
    }

    /// <summary>Blocks until the processor stops on its own or <paramref name="token"/> is cancelled.</summary>
    public void WaitUntilStopped(CancellationToken token)
    {
        while (_thread.IsAlive && !token.IsCancellationRequested) _thread.Join(200);
    }

    private void Loop()
    {
        try
        {
            Processor.Run(_stop.Token);
        }
        catch (Exception ex)
        {
            _failure = ex;
            Health.SetNotReady(ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop(TimeSpan.FromSeconds(10));
        await Server.DisposeAsync();
        Processor.Dispose();
        Exporter.Dispose();
        Metrics.Dispose();
        _stop.Dispose();
    }
}
