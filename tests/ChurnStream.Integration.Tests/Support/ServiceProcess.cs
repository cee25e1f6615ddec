using System.Diagnostics;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>A <c>churnstream run</c> process, configured for a test cluster's topics, that can be killed or stopped.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _config;

    public ServiceProcess(StreamOptions options)
    {
        _config = TestConfig.Write(options);
        _process = Processes.Start("dotnet", [Processes.ChurnstreamDll, "run", "--config", _config, "-b", options.Kafka.BootstrapServers, "--metrics-port", "0"]);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Errors) Errors.Add(e.Data); };
        _process.BeginErrorReadLine();
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
    }

    public List<string> Errors { get; } = [];
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as Kubernetes stops a pod; returns how long the process took to exit.</summary>
    public TimeSpan Terminate(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        Mono.Unix.Kill(_process.Id, Mono.Unix.SIGTERM);
        if (!_process.WaitForExit(timeout)) { _process.Kill(true); throw new TimeoutException($"no exit within {timeout.TotalSeconds} s of SIGTERM"); }
        return watch.Elapsed;
    }

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(true);
        _process.Dispose();
        File.Delete(_config);
    }
}
