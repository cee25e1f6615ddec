using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChurnStream.Integration.Tests;

/// <summary>HTTP probes, exposition parsing, promtool and a throw-away Prometheus server for the observability specs.</summary>
internal static partial class ObservabilityProbe
{
    public const string Promtool = "/usr/bin/promtool";
    public const string PrometheusBinary = "/usr/bin/prometheus";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>A <c>127.0.0.1:PORT</c> listen address on a free port (port 0 would turn the endpoint off).</summary>
    public static string FreeLoopbackListen() => "127.0.0.1:" + FreePort();

    public static int FreePort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>GET http://127.0.0.1:port/path; status 0 and "refused" when nothing listens.</summary>
    public static async Task<(int Status, string Body, string? ContentType)> Get(int port, string path)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, body.Trim(), response.Content.Headers.ContentType?.ToString());
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return (0, "refused", null);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    /// <summary>Sum of every sample of <paramref name="name"/> whose label text contains all of <paramref name="labels"/> (e.g. <c>topic="x"</c>).</summary>
    public static double Sum(string exposition, string name, params string[] labels) =>
        SampleLine().Matches(exposition)
            .Where(m => m.Groups["name"].Value == name && labels.All(l => m.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    /// <summary>Names of the series (sample lines) present in an exposition.</summary>
    public static HashSet<string> SampleNames(string exposition) =>
        SampleLine().Matches(exposition).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    public static (int ExitCode, string Output) PromtoolCheckMetrics(string exposition)
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is required (Debian package 'prometheus'; `make test` installs it)");
        var psi = new ProcessStartInfo(Promtool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("check");
        psi.ArgumentList.Add("metrics");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(exposition);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill();
            Assert.Fail("promtool check metrics timed out");
        }
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ChurnStream.sln"))) return dir.FullName;
            throw new InvalidOperationException("ChurnStream.sln not found above " + AppContext.BaseDirectory);
        }
    }

    [GeneratedRegex(@"\b((?:churnstream|process|dotnet)_[a-zA-Z0-9_]+)")]
    private static partial Regex MetricName();

    /// <summary>Metric names used by the dashboard's and the alert rules' PromQL, with _bucket/_sum/_count folded into their family.</summary>
    public static HashSet<string> MetricsUsedByDashboardAndRules()
    {
        var dir = Path.Combine(RepoRoot, "config", "prometheus");
        var text = new StringBuilder();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                    if (p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String) text.AppendLine(p.Value.GetString());
                    else Walk(p.Value);
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item);
        }
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "grafana-dashboard.json")))) Walk(doc.RootElement);
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "churnstream-rules.yml")))
            if (!line.TrimStart().StartsWith('#') && !line.Contains("summary:") && !line.Contains("description:")) text.AppendLine(line);
        return MetricName().Matches(text.ToString()).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }
}

/// <summary>A real Prometheus server scraping one target every second, queried through its HTTP API.</summary>
internal sealed class ObservabilityPrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _work;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public ObservabilityPrometheusServer(int targetPort)
    {
        Assert.True(File.Exists(ObservabilityProbe.PrometheusBinary), $"{ObservabilityProbe.PrometheusBinary} is required (Debian package 'prometheus'; `make test` installs it)");
        _work = Directory.CreateTempSubdirectory("churnstream-prom-it-");
        var config = Path.Combine(_work.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: churnstream
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: ["127.0.0.1:{targetPort}"]
            """);
        Port = ObservabilityProbe.FreePort();
        var psi = new ProcessStartInfo(ObservabilityProbe.PrometheusBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--config.file=" + config);
        psi.ArgumentList.Add("--storage.tsdb.path=" + Path.Combine(_work.FullName, "data"));
        psi.ArgumentList.Add("--web.listen-address=127.0.0.1:" + Port);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The single value of an instant query, or null (no result yet, not listening yet).</summary>
    public async Task<(double? Value, string Raw)> Query(string promql)
    {
        Assert.False(_process.HasExited, "prometheus exited:\n" + Log);
        string raw;
        try
        {
            raw = await _http.GetStringAsync($"http://127.0.0.1:{Port}/api/v1/query?query=" + Uri.EscapeDataString(promql));
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        using var doc = JsonDocument.Parse(raw);
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() != 1) return (null, raw);
        return (double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture), raw);
    }

    /// <summary>Polls until <paramref name="promql"/> returns <paramref name="expected"/> (the series are scraped every second).</summary>
    public async Task<(double? Value, string Raw)> WaitFor(string promql, double expected, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        (double? Value, string Raw) last = (null, "");
        while (sw.Elapsed < timeout)
        {
            last = await Query(promql);
            if (last.Value == expected) return last;
            await Task.Delay(500);
        }
        return last;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _http.Dispose();
        try { _work.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
