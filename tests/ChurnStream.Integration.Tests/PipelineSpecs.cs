using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Domain.Time;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>The end-to-end pipeline over Kafka (embedded, or KAFKA_BOOTSTRAP_SERVERS), on a generated population.</summary>
public sealed class PipelineSpecs(PopulationRun run) : IClassFixture<PopulationRun>
{
    private List<AlertRecord> AlertRecords => run.Alerts.Select(a => AlertRecord.Parse(a.Message.Value)).ToList();

    [Fact]
    public void Decline_personas_are_found_with_precision_and_recall_of_at_least_0_9()
    {
        var report = AlertEvaluator.Evaluate(AlertRecords, run.Generator.Labels);
        Assert.True(report.Precision >= 0.9, report.Render());
        Assert.True(report.Recall >= 0.9, report.Render());
        foreach (var kind in report.Kinds.Where(k => k.Customers > 0))
            Assert.True(kind.Recall >= 0.9, $"{kind.Kind} recall {kind.Recall:0.000}\n{report.Render()}");
    }

    [Fact]
    public void Without_a_model_no_churn_risk_fires_and_alerts_carry_no_p_alive()
    {
        Assert.DoesNotContain(run.AlertJson, a => a.GetProperty("kind").GetString() == "churn_risk");
        Assert.All(run.AlertJson, a => Assert.Equal(System.Text.Json.JsonValueKind.Null, a.GetProperty("pAlive").ValueKind));
        Assert.All(run.AlertJson, a => Assert.False(string.IsNullOrEmpty(a.GetProperty("suspectedReason").GetString())));
    }

    [Fact]
    public void Loyal_customers_get_no_decline_alert()
    {
        var report = AlertEvaluator.Evaluate(AlertRecords, run.Generator.Labels);
        Assert.Equal(0, report.AlertsOnLoyalCustomers);
    }

    [Fact]
    public void The_stream_decides_exactly_what_the_engine_decides_in_memory()
    {
        // The stream's last hours of event time are still held back by the watermark; compare what both decided before.
        var cutoff = run.LastEventMs - 2 * EventTime.MillisPerDay;
        var stream = run.Alerts.Select(a => Encoding.UTF8.GetString(a.Message.Value))
            .Where(j => System.Text.Json.JsonDocument.Parse(j).RootElement.GetProperty("detectedAt").GetDateTimeOffset().ToUnixTimeMilliseconds() < cutoff)
            .Order(StringComparer.Ordinal).ToList();
        var memory = run.InMemory.Alerts.Where(a => a.DetectedAtMs < cutoff)
            .Select(a => Encoding.UTF8.GetString(OutputJson.Serialize(a))).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(memory);
        Assert.Equal(memory, stream);

        var streamSegments = run.SegmentChanges.Select(s => Encoding.UTF8.GetString(s.Message.Value))
            .Where(j => System.Text.Json.JsonDocument.Parse(j).RootElement.GetProperty("changedAt").GetDateTimeOffset().ToUnixTimeMilliseconds() < cutoff)
            .Order(StringComparer.Ordinal).ToList();
        var memorySegments = run.InMemory.SegmentChanges.Where(s => s.ChangedAtMs < cutoff)
            .Select(s => Encoding.UTF8.GetString(OutputJson.Serialize(s))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(memorySegments, streamSegments);
    }

    [Fact]
    public void Every_alert_id_is_unique_and_every_record_is_keyed_by_its_customer_on_the_java_partition()
    {
        Assert.Equal(run.Alerts.Count, run.AlertJson.Select(a => a.GetProperty("alertId").GetString()).Distinct().Count());
        foreach (var r in run.Alerts.Concat(run.SegmentChanges))
        {
            var customer = System.Text.Json.JsonDocument.Parse(r.Message.Value).RootElement.GetProperty("customerId").GetString()!;
            Assert.Equal(customer, Encoding.UTF8.GetString(r.Message.Key));
            Assert.Equal(Murmur2Partitioner.PartitionFor(customer, PopulationRun.Partitions), r.Partition.Value);
        }
    }

    [Fact]
    public void Every_customer_has_a_segment_record_and_alerts_carry_schema_version_1()
    {
        var customers = run.SegmentChanges.Select(s => Encoding.UTF8.GetString(s.Message.Key)).ToHashSet();
        Assert.Equal(run.Generator.Labels.Count, customers.Count);
        Assert.All(run.AlertJson, a => Assert.Equal(1, a.GetProperty("schemaVersion").GetInt32()));
    }

    [Fact]
    public void Nothing_valid_is_dead_lettered_and_the_metrics_count_what_was_consumed()
    {
        Assert.Empty(run.DeadLetters);
        Assert.Contains("churnstream_duplicate_events_total", run.MetricsText);
        Assert.Matches(@"churnstream_alerts_emitted_total\{kind=""inactivity"",severity=""[a-z]+""\} [1-9]", run.MetricsText);
    }
}
