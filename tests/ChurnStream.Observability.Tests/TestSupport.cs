using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChurnStream.Observability;

namespace ChurnStream.Observability.Tests;

internal static class TestSupport
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    /// <summary>The directory containing ChurnStream.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ChurnStream.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException("ChurnStream.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string PrometheusConfigDir => Path.Combine(RepoRoot, "config", "prometheus");

    public static int FreeTcpPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Starts a server on a free loopback port (retrying if another process grabbed it first).</summary>
    public static ObservabilityServer StartServer(PrometheusTextExporter? exporter, HealthState health)
    {
        for (var attempt = 0; ; attempt++)
        {
            var server = new ObservabilityServer(new ObservabilityServerOptions { Host = "127.0.0.1", Port = FreeTcpPort() }, exporter, health);
            try
            {
                server.Start();
                return server;
            }
            catch (SocketException) when (attempt < 5)
            {
            }
        }
    }

    public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static ProcessResult Run(string file, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null, int timeoutMs = 30_000)
    {
        Assert.True(File.Exists(file), $"{file} is required (Debian package 'prometheus'; `make test` installs it)");
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} timed out");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Creates metrics, an exporter on them, and populates them.</summary>
    public static (ChurnStreamMetrics Metrics, PrometheusTextExporter Exporter) PopulatedMetrics(bool includeProcessMetrics = true)
    {
        var m = new ChurnStreamMetrics();
        var exporter = new PrometheusTextExporter(m.Meter, includeProcessMetrics);
        Populate(m);
        return (m, exporter);
    }

    /// <remarks>Attach the exporter first: measurements made before a listener exists are not seen.</remarks>
    public static void Populate(ChurnStreamMetrics m)
    {
        m.PrimeKnownSeries();
        m.EventConsumed("purchases", 10);
        m.EventConsumed("engagements", 5);
        m.EventRejected("missing_customer_id");
        m.EventRejected("bad \"timestamp\"\nline2 \\");
        m.AlertEmitted("inactivity", "high");
        m.SegmentChanged("activity", "declining");
        m.LateEvent(LateEventDisposition.Applied);
        m.LateEvent(LateEventDisposition.Dropped, 2);
        m.DuplicateEvent();
        m.DlqRecord("invalid_json");
        m.Rebalance(RebalanceKind.Assigned);
        m.Transaction(TransactionOutcome.Committed);
        m.Transaction(TransactionOutcome.Aborted);
        m.OffsetCommit(OffsetCommitOutcome.Success);
        m.ProduceError();
        m.ProcessingLatency(0.004);
        m.ProcessingLatency(TimeSpan.FromSeconds(45));
        m.StateRestoreStarted();
        m.StateRestoreCompleted(12.5);
        m.ObserveCustomersTracked(() => 42);
        m.ObservePartitionsAssigned(() => 3);
        m.ObserveConsumerLag(() => [("purchases", 0, 7), ("purchases", 1, 0), ("engagements", 0, 3)]);
        m.ObservePrefetchedBytes(() => 268_435_456);
        m.ObserveSegmentCounts(() => [("value", "high", 10), ("lifecycle", "loyal", 7)]);
        m.ObserveKpis(() => [("gold", 0.05, 0.95, 0.2), ("all", 0.1, 0.9, 0.15)]);
        m.ObserveWatermarks(() => [(0, DateTimeOffset.UtcNow.AddSeconds(-5)), (1, DateTimeOffset.MinValue)]);
    }

    /// <summary>Family names (from # TYPE lines) in exposition text.</summary>
    public static HashSet<string> FamilyNames(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2])
            .ToHashSet(StringComparer.Ordinal);
}

/// <summary>A manually advanced clock.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;
    private DateTimeOffset _utc = new(2025, 7, 14, 0, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => _utc;

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _ticks, by.Ticks);
        _utc += by;
    }
}
