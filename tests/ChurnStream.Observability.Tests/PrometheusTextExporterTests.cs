using System.Diagnostics.Metrics;
using ChurnStream.Observability;

namespace ChurnStream.Observability.Tests;

public sealed class PrometheusTextExporterTests
{
    private static (Meter Meter, PrometheusTextExporter Exporter) NewMeter()
    {
        var meter = new Meter("test." + Guid.NewGuid().ToString("N"));
        return (meter, new PrometheusTextExporter(meter, includeProcessMetrics: false));
    }

    [Fact]
    public void A_counter_gets_the_total_suffix_and_one_sample_per_label_set()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        var counter = meter.CreateCounter<long>("requests", description: "Requests served.");
        counter.Add(2, new KeyValuePair<string, object?>("path", "/b"));
        counter.Add(1, new KeyValuePair<string, object?>("path", "/a"));
        counter.Add(3, new KeyValuePair<string, object?>("path", "/b"));

        Assert.Equal(
            "# HELP requests_total Requests served.\n" +
            "# TYPE requests_total counter\n" +
            "requests_total{path=\"/a\"} 1\n" +
            "requests_total{path=\"/b\"} 5\n",
            exporter.Collect());
    }

    [Fact]
    public void A_counter_already_named_total_is_not_suffixed_twice_and_dotted_names_become_underscores()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        meter.CreateCounter<long>("jobs_total", description: "Jobs.").Add(1);
        meter.CreateCounter<double>("churnstream.bytes.sent", description: "Bytes.").Add(1.5);

        Assert.Equal(
            "# HELP churnstream_bytes_sent_total Bytes.\n" +
            "# TYPE churnstream_bytes_sent_total counter\n" +
            "churnstream_bytes_sent_total 1.5\n" +
            "# HELP jobs_total Jobs.\n" +
            "# TYPE jobs_total counter\n" +
            "jobs_total 1\n",
            exporter.Collect());
    }

    [Fact]
    public void Label_values_and_help_text_are_escaped_and_labels_are_sorted_by_name()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        var counter = meter.CreateCounter<long>("weird", description: "Line one\nback\\slash \"quoted\"");
        counter.Add(1, new KeyValuePair<string, object?>("z", "a\\b"), new KeyValuePair<string, object?>("a", "say \"hi\"\nbye"));

        Assert.Equal(
            "# HELP weird_total Line one\\nback\\\\slash \"quoted\"\n" +
            "# TYPE weird_total counter\n" +
            "weird_total{a=\"say \\\"hi\\\"\\nbye\",z=\"a\\\\b\"} 1\n",
            exporter.Collect());
    }

    [Fact]
    public void Tags_given_in_a_different_order_land_in_the_same_series()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        var counter = meter.CreateCounter<long>("c", description: "C.");
        counter.Add(1, new KeyValuePair<string, object?>("a", "1"), new KeyValuePair<string, object?>("b", "2"));
        counter.Add(1, new KeyValuePair<string, object?>("b", "2"), new KeyValuePair<string, object?>("a", "1"));
        counter.Add(1, new KeyValuePair<string, object?>("b", 2), new KeyValuePair<string, object?>("a", 1));

        Assert.Equal("# HELP c_total C.\n# TYPE c_total counter\nc_total{a=\"1\",b=\"2\"} 3\n", exporter.Collect());
    }

    [Fact]
    public void Gauges_render_observed_values_invariantly_including_NaN_and_infinities_and_drop_series_no_longer_reported()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        var report = new List<Measurement<double>>
        {
            new(0.25, new KeyValuePair<string, object?>("k", "quarter")),
            new(double.NaN, new KeyValuePair<string, object?>("k", "nan")),
            new(double.PositiveInfinity, new KeyValuePair<string, object?>("k", "pinf")),
            new(double.NegativeInfinity, new KeyValuePair<string, object?>("k", "ninf")),
            new(1e-7, new KeyValuePair<string, object?>("k", "tiny")),
        };
        meter.CreateObservableGauge("ratio", () => report.ToArray(), description: "Ratio.");
        var queue = meter.CreateUpDownCounter<long>("queue_depth", description: "Depth.");
        queue.Add(5);
        queue.Add(-2);

        Assert.Equal(
            "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\nqueue_depth 3\n" +
            "# HELP ratio Ratio.\n# TYPE ratio gauge\n" +
            "ratio{k=\"nan\"} NaN\n" +
            "ratio{k=\"ninf\"} -Inf\n" +
            "ratio{k=\"pinf\"} +Inf\n" +
            "ratio{k=\"quarter\"} 0.25\n" +
            "ratio{k=\"tiny\"} 1E-07\n",
            exporter.Collect());

        report.RemoveRange(1, 4);
        Assert.Equal(
            "# HELP queue_depth Depth.\n# TYPE queue_depth gauge\nqueue_depth 3\n" +
            "# HELP ratio Ratio.\n# TYPE ratio gauge\nratio{k=\"quarter\"} 0.25\n",
            exporter.Collect());
    }

    [Fact]
    public void A_histogram_renders_cumulative_buckets_with_le_last_plus_Inf_sum_and_count()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        var histogram = meter.CreateHistogram<double>("latency_seconds", "s", "Latency.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 2.5] });
        var tag = new KeyValuePair<string, object?>("op", "x");
        histogram.Record(0.05, tag);
        histogram.Record(0.1, tag); // le is inclusive
        histogram.Record(2, tag);
        histogram.Record(100, tag);

        Assert.Equal(
            "# HELP latency_seconds Latency.\n" +
            "# TYPE latency_seconds histogram\n" +
            "latency_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n" +
            "latency_seconds_bucket{op=\"x\",le=\"1\"} 2\n" +
            "latency_seconds_bucket{op=\"x\",le=\"2.5\"} 3\n" +
            "latency_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n" +
            "latency_seconds_sum{op=\"x\"} 102.15\n" +
            "latency_seconds_count{op=\"x\"} 4\n",
            exporter.Collect());
    }

    [Fact]
    public void An_unlabelled_histogram_without_advice_uses_the_default_prometheus_buckets()
    {
        var (meter, exporter) = NewMeter();
        using var _ = meter;
        using var __ = exporter;
        meter.CreateHistogram<double>("h", description: "H.").Record(0.3);

        var text = exporter.Collect();

        Assert.Contains("h_bucket{le=\"0.005\"} 0\n", text);
        Assert.Contains("h_bucket{le=\"0.5\"} 1\n", text);
        Assert.Contains("h_bucket{le=\"10\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.3\nh_count 1\n", text);
    }

    [Fact]
    public void Two_metrics_instances_with_the_same_meter_name_do_not_mix_their_numbers()
    {
        using var first = new ChurnStreamMetrics();
        using var second = new ChurnStreamMetrics();
        using var firstExporter = new PrometheusTextExporter(first.Meter, includeProcessMetrics: false);
        using var secondExporter = new PrometheusTextExporter(second.Meter, includeProcessMetrics: false);

        first.EventConsumed("purchases", 3);
        second.EventConsumed("purchases", 40);

        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 3\n", firstExporter.Collect());
        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 40\n", secondExporter.Collect());
    }

    [Fact]
    public void Every_family_is_declared_once_with_help_and_type_and_families_are_sorted()
    {
        var (metrics, exporter) = TestSupport.PopulatedMetrics();
        using var _ = metrics;
        using var __ = exporter;

        var lines = exporter.Collect().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var types = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        var helps = lines.Where(l => l.StartsWith("# HELP ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();

        Assert.Equal(types.Distinct().Count(), types.Count);
        Assert.Equal(types, helps);
        Assert.Equal(types.Order(StringComparer.Ordinal), types);
    }

    [Fact]
    public void A_populated_registry_exports_every_documented_family_with_its_type()
    {
        var (metrics, exporter) = TestSupport.PopulatedMetrics();
        using var _ = metrics;
        using var __ = exporter;
        var text = exporter.Collect();

        var expected = new Dictionary<string, string>
        {
            ["churnstream_events_consumed_total"] = "counter",
            ["churnstream_events_rejected_total"] = "counter",
            ["churnstream_alerts_emitted_total"] = "counter",
            ["churnstream_segment_changes_total"] = "counter",
            ["churnstream_customers_tracked"] = "gauge",
            ["churnstream_processing_latency_seconds"] = "histogram",
            ["churnstream_consumer_lag_records"] = "gauge",
            ["churnstream_consumer_prefetch_bytes"] = "gauge",
            ["churnstream_customers_in_segment"] = "gauge",
            ["churnstream_watermark_lag_seconds"] = "gauge",
            ["churnstream_late_events_total"] = "counter",
            ["churnstream_duplicate_events_total"] = "counter",
            ["churnstream_dlq_records_total"] = "counter",
            ["churnstream_rebalances_total"] = "counter",
            ["churnstream_state_restore_seconds"] = "histogram",
            ["churnstream_commit_duration_seconds"] = "histogram",
            ["churnstream_state_restore_in_progress_seconds"] = "gauge",
            ["churnstream_partitions_assigned"] = "gauge",
            ["churnstream_transactions_total"] = "counter",
            ["churnstream_offset_commits_total"] = "counter",
            ["churnstream_produce_errors_total"] = "counter",
            ["churnstream_kpi_churn_rate"] = "gauge",
            ["churnstream_kpi_retention_rate"] = "gauge",
            ["churnstream_kpi_winback_rate"] = "gauge",
            ["process_cpu_seconds_total"] = "counter",
            ["process_resident_memory_bytes"] = "gauge",
            ["process_start_time_seconds"] = "gauge",
            ["dotnet_gc_collections_total"] = "counter",
            ["dotnet_gc_heap_size_bytes"] = "gauge",
            ["dotnet_threadpool_threads"] = "gauge",
        };
        foreach (var (name, type) in expected)
        {
            Assert.Contains($"# TYPE {name} {type}\n", text);
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), TestSupport.FamilyNames(text).Order(StringComparer.Ordinal));

        Assert.Contains("churnstream_consumer_lag_records{partition=\"1\",topic=\"purchases\"} 0\n", text);
        Assert.Contains("churnstream_consumer_prefetch_bytes 268435456\n", text);
        Assert.Contains("churnstream_alerts_emitted_total{kind=\"inactivity\",severity=\"high\"} 1\n", text);
        Assert.Contains("churnstream_alerts_emitted_total{kind=\"spend_decline\",severity=\"low\"} 0\n", text);
        Assert.Contains("churnstream_transactions_total{outcome=\"aborted\"} 1\n", text);
        Assert.Contains("churnstream_late_events_total{disposition=\"dropped\"} 2\n", text);
        Assert.Contains("churnstream_kpi_retention_rate{tier=\"gold\"} 0.95\n", text);
        Assert.Contains("churnstream_customers_in_segment{dimension=\"value\",segment=\"high\"} 10\n", text);
        Assert.Contains("churnstream_processing_latency_seconds_bucket{le=\"0.005\"} 1\n", text);
        Assert.Contains("churnstream_processing_latency_seconds_bucket{le=\"30\"} 1\n", text);
        Assert.Contains("churnstream_processing_latency_seconds_bucket{le=\"+Inf\"} 2\n", text);
        Assert.Contains("churnstream_events_rejected_total{reason=\"bad \\\"timestamp\\\"\\nline2 \\\\\"} 1\n", text);
        Assert.Contains("dotnet_gc_collections_total{generation=\"0\"} ", text);
        Assert.Matches(@"churnstream_watermark_lag_seconds\{partition=""0""\} (4|5|6)(\.\d+)?\n", text);
        Assert.DoesNotContain("churnstream_watermark_lag_seconds{partition=\"1\"}", text);
    }

    [Fact]
    public void Watermark_lag_and_restore_in_progress_are_measured_against_the_clock()
    {
        var clock = new ManualTimeProvider();
        using var metrics = new ChurnStreamMetrics(clock);
        using var exporter = new PrometheusTextExporter(metrics.Meter, includeProcessMetrics: false);
        var start = clock.GetUtcNow();
        metrics.ObserveWatermarks(() => [(3, start)]);

        metrics.StateRestoreStarted();
        clock.Advance(TimeSpan.FromSeconds(90));
        var during = exporter.Collect();
        metrics.StateRestoreCompleted(90);
        var after = exporter.Collect();

        Assert.Contains("churnstream_watermark_lag_seconds{partition=\"3\"} 90\n", during);
        Assert.Contains("churnstream_state_restore_in_progress_seconds 90\n", during);
        Assert.Contains("churnstream_state_restore_in_progress_seconds 0\n", after);
        Assert.Contains("churnstream_state_restore_seconds_bucket{le=\"120\"} 1\n", after);
        Assert.Contains("churnstream_state_restore_seconds_bucket{le=\"60\"} 0\n", after);
    }

    [Fact]
    public void KPI_gauges_carry_tier_and_source_labels_and_the_tier_only_callback_still_works()
    {
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter, includeProcessMetrics: false);

        metrics.ObserveKpis(() => [("high", 0.1, 0.9, 0.25)]);
        var tierOnly = exporter.Collect();
        metrics.ObserveKpis(() => [("high", "web", 0.125, 0.875, 0.5), ("high", "", 0.2, 0.8, 0.3), ("low", "app", double.NaN, 0.5, 0.0)]);
        var bySource = exporter.Collect();

        Assert.Contains("churnstream_kpi_churn_rate{tier=\"high\"} 0.1\n", tierOnly);
        Assert.Contains("churnstream_kpi_retention_rate{tier=\"high\"} 0.9\n", tierOnly);
        Assert.Contains("churnstream_kpi_winback_rate{tier=\"high\"} 0.25\n", tierOnly);
        Assert.Contains("# TYPE churnstream_kpi_churn_rate gauge\n", tierOnly);
        Assert.Matches(@"# HELP churnstream_kpi_winback_rate Win-back rate: share of the churned customers in a value tier \(and source\)", tierOnly);

        Assert.Contains("churnstream_kpi_churn_rate{source=\"web\",tier=\"high\"} 0.125\n", bySource);
        Assert.Contains("churnstream_kpi_retention_rate{source=\"web\",tier=\"high\"} 0.875\n", bySource);
        Assert.Contains("churnstream_kpi_winback_rate{source=\"web\",tier=\"high\"} 0.5\n", bySource);
        Assert.Contains("churnstream_kpi_churn_rate{tier=\"high\"} 0.2\n", bySource);        // empty source: tier-wide
        Assert.Contains("churnstream_kpi_retention_rate{source=\"app\",tier=\"low\"} 0.5\n", bySource);
        Assert.DoesNotContain("churnstream_kpi_churn_rate{source=\"app\"", bySource);       // NaN: no sample
        Assert.DoesNotContain("churnstream_kpi_churn_rate{tier=\"high\"} 0.1\n", bySource); // last registration wins
    }

    [Fact]
    public void A_throwing_gauge_callback_is_reported_and_does_not_break_the_scrape()
    {
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter, includeProcessMetrics: false);
        var errors = new List<Exception>();
        exporter.CollectError = errors.Add;
        metrics.ObserveCustomersTracked(() => throw new InvalidOperationException("boom"));
        metrics.EventConsumed("purchases");

        var text = exporter.Collect();

        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 1\n", text);
        Assert.DoesNotMatch(@"(?m)^churnstream_customers_tracked ", text);
        Assert.Single(errors);
    }

    [Fact]
    public void Recording_a_counter_with_a_known_label_set_does_not_allocate()
    {
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter, includeProcessMetrics: false);
        const string topic = "purchases";
        void Hot()
        {
            metrics.EventConsumed(topic);
            metrics.AlertEmitted("inactivity", "high");
            metrics.LateEvent(LateEventDisposition.Dropped);
            metrics.Transaction(TransactionOutcome.Committed);
            metrics.DuplicateEvent();
            metrics.ProcessingLatency(0.002);
        }
        for (var i = 0; i < 100; i++) Hot(); // create the series, JIT

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++) Hot();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 10100\n", exporter.Collect());
    }

    [Fact]
    public void Concurrent_recording_loses_no_increments()
    {
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter, includeProcessMetrics: false);

        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                metrics.EventConsumed(i % 2 == 0 ? "purchases" : "engagements");
                metrics.ProcessingLatency(0.01);
                if (i % 1000 == 0) exporter.Collect();
            }
        });

        var text = exporter.Collect();
        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 40000\n", text);
        Assert.Contains("churnstream_events_consumed_total{topic=\"engagements\"} 40000\n", text);
        Assert.Contains("churnstream_processing_latency_seconds_count 80000\n", text);
    }
}
