using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChurnStream.Observability;

namespace ChurnStream.Observability.Tests;

/// <summary>End to end: a real Prometheus server scrapes the ObservabilityServer over loopback.</summary>
public sealed class PrometheusServerTests
{
    [Fact]
    public async Task A_real_prometheus_scrapes_the_endpoint_and_reports_the_recorded_event_count()
    {
        Assert.True(File.Exists(TestSupport.Prometheus), $"{TestSupport.Prometheus} is required (Debian package 'prometheus'; `make test` installs it)");
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter);
        var health = new HealthState();
        health.SetReady();
        await using var server = TestSupport.StartServer(exporter, health);
        metrics.PrimeKnownSeries();
        metrics.EventConsumed("purchases", 1234);
        metrics.EventConsumed("engagements", 5);

        var work = Directory.CreateTempSubdirectory("churnstream-prom-");
        var promPort = TestSupport.FreeTcpPort();
        var config = Path.Combine(work.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: churnstream
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: ["127.0.0.1:{server.LocalEndpoint!.Port}"]
            """);
        var psi = new ProcessStartInfo(TestSupport.Prometheus)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(work.FullName, "data"),
            "--web.listen-address=127.0.0.1:" + promPort,
        })
        {
            psi.ArgumentList.Add(arg);
        }
        using var prometheus = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        prometheus.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var query = $"http://127.0.0.1:{promPort}/api/v1/query?query=" + Uri.EscapeDataString("churnstream_events_consumed_total{job=\"churnstream\",topic=\"purchases\"}");
            var deadline = Stopwatch.StartNew();
            string? last = null;
            double? value = null;
            while (deadline.Elapsed < TimeSpan.FromSeconds(30) && value != 1234)
            {
                Assert.False(prometheus.HasExited, "prometheus exited:\n" + log);
                await Task.Delay(500);
                try
                {
                    last = await http.GetStringAsync(query);
                }
                catch (HttpRequestException)
                {
                    continue; // not listening yet
                }
                using var doc = JsonDocument.Parse(last);
                var result = doc.RootElement.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() == 1)
                {
                    value = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                }
            }

            Assert.True(value == 1234, $"expected 1234, last answer: {last}\nprometheus log:\n{log}");

            // the target is healthy from Prometheus's point of view, too
            using var up = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{promPort}/api/v1/query?query=up"));
            Assert.Equal("1", up.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync();
            }
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }
}
