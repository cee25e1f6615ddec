namespace ChurnStream.Observability.Tests;

/// <summary>Runs /usr/bin/promtool; fails (never skips) when it is missing.</summary>
public sealed class PromtoolTests
{
    [Fact]
    public void Promtool_check_metrics_accepts_the_exporter_output_of_a_populated_registry()
    {
        var (metrics, exporter) = TestSupport.PopulatedMetrics();
        using var _ = metrics;
        using var __ = exporter;
        var text = exporter.Collect();

        var result = TestSupport.Run(TestSupport.Promtool, ["check", "metrics"], stdin: text);

        Assert.True(result.ExitCode == 0 && result.Stdout.Trim().Length == 0 && result.Stderr.Trim().Length == 0, result + "\n" + text);
    }

    [Fact]
    public void Promtool_check_metrics_is_a_real_check_that_rejects_a_counter_without_total()
    {
        var result = TestSupport.Run(TestSupport.Promtool, ["check", "metrics"],
            stdin: "# HELP bad_counter Bad.\n# TYPE bad_counter counter\nbad_counter 1\n");

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Promtool_check_rules_accepts_the_alerting_rules()
    {
        var result = TestSupport.Run(TestSupport.Promtool, ["check", "rules", "churnstream-rules.yml"], workingDirectory: TestSupport.PrometheusConfigDir);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Promtool_test_rules_passes_the_rule_unit_tests()
    {
        var result = TestSupport.Run(TestSupport.Promtool, ["test", "rules", "churnstream-rules.test.yml"], workingDirectory: TestSupport.PrometheusConfigDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.Stdout);
    }

    [Fact]
    public void Promtool_check_config_accepts_the_example_scrape_config()
    {
        var result = TestSupport.Run(TestSupport.Promtool, ["check", "config", "prometheus.yml"], workingDirectory: TestSupport.PrometheusConfigDir);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Every_alerting_rule_has_a_severity_a_summary_a_description_and_a_unit_test()
    {
        var rules = File.ReadAllText(Path.Combine(TestSupport.PrometheusConfigDir, "churnstream-rules.yml"));
        var tests = File.ReadAllText(Path.Combine(TestSupport.PrometheusConfigDir, "churnstream-rules.test.yml"));
        var alerts = System.Text.RegularExpressions.Regex.Matches(rules, @"(?m)^\s*- alert:\s*(\S+)").Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(9, alerts.Count);
        Assert.Equal(alerts.Count, System.Text.RegularExpressions.Regex.Matches(rules, @"(?m)^\s+severity: (critical|warning)\s*$").Count);
        Assert.Equal(alerts.Count, System.Text.RegularExpressions.Regex.Matches(rules, @"(?m)^\s+summary: ").Count);
        Assert.Equal(alerts.Count, System.Text.RegularExpressions.Regex.Matches(rules, @"(?m)^\s+description: ").Count);
        foreach (var alert in alerts)
        {
            // at least one evaluation expecting it to fire and one expecting silence
            var blocks = System.Text.RegularExpressions.Regex.Matches(tests, @"alertname: " + alert + @"\s+exp_alerts:(?<rest>\s*\[\]|\s*\n\s+- exp_labels)")
                .Select(m => m.Groups["rest"].Value.Trim()).ToList();
            Assert.Contains("[]", blocks);
            Assert.Contains(blocks, b => b.StartsWith("- exp_labels", StringComparison.Ordinal));
        }
    }
}
