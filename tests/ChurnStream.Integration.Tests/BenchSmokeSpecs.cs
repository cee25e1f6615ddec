using System.Globalization;
using System.Text.RegularExpressions;
using ChurnStream.Integration.Tests.Support;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// A tiny run of <c>churnstream bench</c> (the figures of docs/benchmarks.md), so the harness cannot rot: every figure
/// line is printed once, as <c>name=value unit</c>, with a finite non-negative value. The figures themselves are not
/// checked here (a tiny N on a shared CI machine says nothing about them).
/// </summary>
public sealed class BenchSmokeSpecs
{
    private static readonly (string Name, string Unit)[] Figures =
    [
        ("raw_consume_events_per_s", "events/s"),
        ("engine_events_per_s", "events/s"),
        ("pipeline_events_per_s", "events/s"),
        ("pipeline_to_raw_ratio", "ratio"),
        ("bytes_per_customer", "bytes"),
        ("restore_seconds", "s"),
        ("latency_p50_ms", "ms"),
        ("latency_p99_ms", "ms"),
    ];

    [Fact]
    public void Bench_with_a_tiny_population_prints_every_figure_once()
    {
        var r = Processes.Run("dotnet", [Processes.ChurnstreamDll, "bench", "--events", "3000", "--customers", "300", "--repeat", "1",
            "--latency-seconds", "2", "--partitions", "2"], timeout: TimeSpan.FromMinutes(4));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var (name, unit) in Figures)
        {
            var matching = lines.Where(l => l.StartsWith(name + "=", StringComparison.Ordinal)).ToList();
            Assert.True(matching.Count == 1, $"{name}: {matching.Count} lines\n{r.Stdout}");
            var m = Regex.Match(matching[0], @"^[a-z0-9_]+=(?<v>[0-9]+(\.[0-9]+)?) (?<u>\S+)$");
            Assert.True(m.Success, $"not 'name=value unit': {matching[0]}");
            Assert.Equal(unit, m.Groups["u"].Value);
            Assert.True(double.Parse(m.Groups["v"].Value, CultureInfo.InvariantCulture) >= 0, matching[0]);
        }
        Assert.Equal(Figures.Length, lines.Length); // stdout holds the figures only; progress goes to stderr
        Assert.Matches(@"raw consume run 1/1: [0-9,]+ events/s, [0-9.]+ cores busy \([0-9.]+ µs of CPU per event\)", r.Stderr);
        Assert.Matches(@"pipeline run 1/1: [0-9,]+ events/s, [0-9.]+ cores busy \([0-9.]+ µs of CPU per event\)", r.Stderr);
        Assert.Matches(@"pipeline run 1/1, µs of CPU per event by thread: workers [0-9.]+, polling [0-9.]+, main [0-9.]+, kafka-clients [0-9.]+, broker [0-9.]+, gc [0-9.]+, jit [0-9.]+, other [0-9.]+", r.Stderr);
        Assert.Matches(@"latency \(generated population\): .* [0-9.]+ cores busy \([0-9.]+ µs of CPU per event: service, load generator, reader and broker; GC [0-9]+/[0-9]+/[0-9]+ collections of gen 0/1/2, paused [0-9,]+ ms, [0-9,]+ MB allocated\)", r.Stderr);
    }

    [Fact]
    public void Bench_rejects_bad_arguments_with_a_one_line_error()
    {
        var r = Processes.Churnstream("bench", "--events", "5");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--events", r.Stderr);
    }
}
