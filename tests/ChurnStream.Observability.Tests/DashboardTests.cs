using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChurnStream.Observability.Tests;

public sealed partial class DashboardTests
{
    [GeneratedRegex(@"\b((?:churnstream|process|dotnet)_[a-zA-Z0-9_]+)")]
    private static partial Regex MetricName();

    private static List<string> Expressions()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestSupport.PrometheusConfigDir, "grafana-dashboard.json")));
        var found = new List<string>();
        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        if (p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String) found.Add(p.Value.GetString()!);
                        else Walk(p.Value);
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Walk(item);
                    break;
            }
        }
        Walk(doc.RootElement);
        return found;
    }

    [Fact]
    public void The_dashboard_parses_and_covers_throughput_errors_lag_latency_alerts_segments_kpis_restore_and_transactions()
    {
        var all = string.Join("\n", Expressions());

        Assert.True(Expressions().Count >= 20);
        foreach (var needle in new[]
        {
            "churnstream_events_consumed_total", "churnstream_dlq_records_total", "churnstream_events_rejected_total",
            "churnstream_consumer_lag_records", "histogram_quantile(0.5, sum by (le) (rate(churnstream_processing_latency_seconds_bucket",
            "histogram_quantile(0.99, sum by (le) (rate(churnstream_processing_latency_seconds_bucket",
            "sum by (kind, severity) (increase(churnstream_alerts_emitted_total", "churnstream_customers_in_segment",
            "churnstream_kpi_churn_rate", "churnstream_kpi_retention_rate", "churnstream_kpi_winback_rate",
            "churnstream_state_restore_", "churnstream_transactions_total", "churnstream_commit_duration_seconds_bucket",
            "churnstream_consumer_prefetch_bytes",
        })
        {
            Assert.Contains(needle, all);
        }
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_exported()
    {
        var (metrics, exporter) = TestSupport.PopulatedMetrics();
        using var _ = metrics;
        using var __ = exporter;
        var families = TestSupport.FamilyNames(exporter.Collect());

        var used = Expressions().SelectMany(e => MetricName().Matches(e).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.NotEmpty(used);
        var unknown = used.Where(name => !families.Contains(name) &&
            !new[] { "_bucket", "_sum", "_count" }.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && families.Contains(name[..^suffix.Length])))
            .ToList();

        Assert.True(unknown.Count == 0, "not exported: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Every_metric_the_alert_rules_use_is_exported()
    {
        var (metrics, exporter) = TestSupport.PopulatedMetrics();
        using var _ = metrics;
        using var __ = exporter;
        var families = TestSupport.FamilyNames(exporter.Collect());
        var rules = File.ReadAllText(Path.Combine(TestSupport.PrometheusConfigDir, "churnstream-rules.yml"));
        var exprs = Regex.Matches(rules, @"expr: (?:\|\n(?<block>(?:\s{10}.*\n)+)|(?<line>.*))")
            .Select(m => m.Groups["block"].Success ? m.Groups["block"].Value : m.Groups["line"].Value);

        var used = exprs.SelectMany(e => MetricName().Matches(e).Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.Contains("churnstream_consumer_lag_records", used);
        var unknown = used.Where(name => !families.Contains(name) &&
            !new[] { "_bucket", "_sum", "_count" }.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && families.Contains(name[..^suffix.Length])))
            .ToList();

        Assert.True(unknown.Count == 0, "not exported: " + string.Join(", ", unknown));
    }
}
