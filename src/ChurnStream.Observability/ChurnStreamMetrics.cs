using System.Diagnostics.Metrics;
using System.Globalization;

namespace ChurnStream.Observability;

/// <summary>How a late event (behind the watermark) was handled.</summary>
public enum LateEventDisposition { Applied, Dropped }

/// <summary>Consumer-group rebalance callback kind.</summary>
public enum RebalanceKind { Assigned, Revoked, Lost }

/// <summary>Outcome of a producer transaction.</summary>
public enum TransactionOutcome { Committed, Aborted }

/// <summary>Outcome of an offset commit.</summary>
public enum OffsetCommitOutcome { Success, Failure }

/// <summary>
/// All ChurnStream instruments, on one <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>.
/// Instruments are named with their Prometheus family name (counters without the <c>_total</c> suffix, which
/// exporters add), in base units (seconds). Recording methods are allocation-free: label values are passed as
/// stack-only tag structs, closed label sets use interned literals.
/// Gauges are observable: the pipeline registers a callback per gauge (the last registration wins); callbacks run
/// on the scraping thread and must be cheap and thread-safe (return a snapshot).
/// </summary>
public sealed class ChurnStreamMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "ChurnStream";

    /// <summary>Bucket bounds (seconds) of <c>churnstream_processing_latency_seconds</c> and <c>churnstream_commit_duration_seconds</c>: 1 ms .. 30 s.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>Bucket bounds (seconds) of <c>churnstream_state_restore_seconds</c>: 100 ms .. 30 min.</summary>
    public static readonly IReadOnlyList<double> RestoreBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

    /// <summary>Known alert kinds and severities (pre-initialized by <see cref="PrimeKnownSeries"/>).</summary>
    public static readonly IReadOnlyList<string> AlertKinds = ["frequency_decline", "spend_decline", "engagement_decline", "inactivity", "dissatisfaction", "churn_risk"];

    /// <summary>Known alert severities.</summary>
    public static readonly IReadOnlyList<string> AlertSeverities = ["low", "medium", "high", "critical"];

    private static readonly string[] PartitionNames = Enumerable.Range(0, 1024).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly TimeProvider _time;
    private readonly Counter<long> _eventsConsumed;
    private readonly Counter<long> _eventsRejected;
    private readonly Counter<long> _alertsEmitted;
    private readonly Counter<long> _segmentChanges;
    private readonly Counter<long> _lateEvents;
    private readonly Counter<long> _duplicateEvents;
    private readonly Counter<long> _dlqRecords;
    private readonly Counter<long> _rebalances;
    private readonly Counter<long> _transactions;
    private readonly Counter<long> _offsetCommits;
    private readonly Counter<long> _produceErrors;
    private readonly Histogram<double> _processingLatency;
    private readonly Histogram<double> _stateRestore;
    private readonly Histogram<double> _commitDuration;

    private readonly object _restoreLock = new();
    private int _restoresInProgress;
    private long _oldestRestoreStart;

    private volatile Func<long>? _customersTracked;
    private volatile Func<long>? _partitionsAssigned;
    private volatile Func<IEnumerable<(string Topic, int Partition, long Lag)>>? _consumerLag;
    private volatile Func<long>? _prefetchedBytes;
    private volatile Func<IEnumerable<(string Dimension, string Segment, long Count)>>? _segmentCounts;
    private volatile Func<IEnumerable<(string Tier, string? Source, double Churn, double Retention, double Winback)>>? _kpis;
    private volatile Func<IEnumerable<(int Partition, DateTimeOffset Watermark)>>? _watermarks;

    /// <param name="timeProvider">Clock for watermark lag and restore-in-progress (tests); defaults to the system clock.</param>
    public ChurnStreamMetrics(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        Meter = new Meter(MeterName);
        var m = Meter;

        _eventsConsumed = m.CreateCounter<long>("churnstream_events_consumed", "{event}", "Input events consumed, by topic.");
        _eventsRejected = m.CreateCounter<long>("churnstream_events_rejected", "{event}", "Input events rejected as invalid, by reason.");
        _alertsEmitted = m.CreateCounter<long>("churnstream_alerts_emitted", "{alert}", "Churn alerts emitted, by kind and severity.");
        _segmentChanges = m.CreateCounter<long>("churnstream_segment_changes", "{change}", "Customer segment changes, by dimension and target segment.");
        _lateEvents = m.CreateCounter<long>("churnstream_late_events", "{event}", "Events behind the watermark, by disposition (applied|dropped).");
        _duplicateEvents = m.CreateCounter<long>("churnstream_duplicate_events", "{event}", "Duplicate events (same eventId for a customer) ignored.");
        _dlqRecords = m.CreateCounter<long>("churnstream_dlq_records", "{record}", "Records written to the dead-letter queue, by reason.");
        _rebalances = m.CreateCounter<long>("churnstream_rebalances", "{rebalance}", "Consumer-group rebalance callbacks, by kind (assigned|revoked|lost).");
        _transactions = m.CreateCounter<long>("churnstream_transactions", "{transaction}", "Producer transactions, by outcome (committed|aborted).");
        _offsetCommits = m.CreateCounter<long>("churnstream_offset_commits", "{commit}", "Offset commits, by outcome (success|failure).");
        _produceErrors = m.CreateCounter<long>("churnstream_produce_errors", "{error}", "Errors producing output records.");

        _processingLatency = m.CreateHistogram<double>(
            "churnstream_processing_latency_seconds", "s", "Time from the Kafka timestamp of the input record that caused an output (alert or segment change) to producing that output, in seconds.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _stateRestore = m.CreateHistogram<double>(
            "churnstream_state_restore_seconds", "s", "Duration of completed state-store restores, in seconds.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RestoreBuckets });

        _commitDuration = m.CreateHistogram<double>(
            "churnstream_commit_duration_seconds", "s", "Time to end a transaction that committed (changelog, offsets, commit), in seconds.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

        m.CreateObservableGauge("churnstream_customers_tracked", () => SingleValue(_customersTracked), "{customer}", "Customers currently held in state.");
        m.CreateObservableGauge("churnstream_partitions_assigned", () => SingleValue(_partitionsAssigned), "{partition}", "Input partitions currently assigned to this instance.");
        m.CreateObservableGauge("churnstream_consumer_lag_records", ObserveConsumerLagNow, "{record}", "Records between the committed/consumed position and the end of the partition.");
        m.CreateObservableGauge("churnstream_consumer_prefetch_bytes", () => SingleValue(_prefetchedBytes), "By",
            "Input bytes the consumer has fetched ahead of the processing (librdkafka's queue, native memory; at most queued.max.messages.kbytes).");
        m.CreateObservableGauge("churnstream_customers_in_segment", ObserveSegmentCountsNow, "{customer}", "Customers per segment, by dimension and segment.");
        m.CreateObservableGauge("churnstream_watermark_lag_seconds", ObserveWatermarkLagNow, "s", "How far the event-time watermark is behind the wall clock, per partition, in seconds.");
        m.CreateObservableGauge("churnstream_state_restore_in_progress_seconds", ObserveRestoreInProgressNow, "s", "Seconds since state restoring began, while any restore is in progress (0 when none).");
        m.CreateObservableGauge("churnstream_kpi_churn_rate", () => ObserveKpiNow(k => k.Churn), "1",
            "Churn rate: share of the customers in a value tier (and source) that churned over the KPI window, as a ratio 0..1.");
        m.CreateObservableGauge("churnstream_kpi_retention_rate", () => ObserveKpiNow(k => k.Retention), "1",
            "Retention rate: share of the customers in a value tier (and source) that were retained over the KPI window, as a ratio 0..1.");
        m.CreateObservableGauge("churnstream_kpi_winback_rate", () => ObserveKpiNow(k => k.Winback), "1",
            "Win-back rate: share of the churned customers in a value tier (and source) that bought again, as a ratio 0..1.");
    }

    /// <summary>The meter holding every instrument (hand it to an exporter).</summary>
    public Meter Meter { get; }

    // ----- counters -----

    /// <summary><c>churnstream_events_consumed_total{topic}</c>.</summary>
    public void EventConsumed(string topic, long n = 1) => _eventsConsumed.Add(n, new KeyValuePair<string, object?>("topic", topic));

    /// <summary><c>churnstream_events_rejected_total{reason}</c>.</summary>
    public void EventRejected(string reason, long n = 1) => _eventsRejected.Add(n, new KeyValuePair<string, object?>("reason", reason));

    /// <summary><c>churnstream_alerts_emitted_total{kind,severity}</c>.</summary>
    public void AlertEmitted(string kind, string severity, long n = 1) =>
        _alertsEmitted.Add(n, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("severity", severity));

    /// <summary><c>churnstream_segment_changes_total{dimension,to}</c>.</summary>
    public void SegmentChanged(string dimension, string to, long n = 1) =>
        _segmentChanges.Add(n, new KeyValuePair<string, object?>("dimension", dimension), new KeyValuePair<string, object?>("to", to));

    /// <summary><c>churnstream_late_events_total{disposition}</c>.</summary>
    public void LateEvent(LateEventDisposition disposition, long n = 1) =>
        _lateEvents.Add(n, new KeyValuePair<string, object?>("disposition", Label(disposition)));

    /// <summary><c>churnstream_duplicate_events_total</c>.</summary>
    public void DuplicateEvent(long n = 1) => _duplicateEvents.Add(n);

    /// <summary><c>churnstream_dlq_records_total{reason}</c>.</summary>
    public void DlqRecord(string reason, long n = 1) => _dlqRecords.Add(n, new KeyValuePair<string, object?>("reason", reason));

    /// <summary><c>churnstream_rebalances_total{kind}</c>: call once per rebalance callback.</summary>
    public void Rebalance(RebalanceKind kind) => _rebalances.Add(1, new KeyValuePair<string, object?>("kind", Label(kind)));

    /// <summary><c>churnstream_transactions_total{outcome}</c>.</summary>
    public void Transaction(TransactionOutcome outcome) => _transactions.Add(1, new KeyValuePair<string, object?>("outcome", Label(outcome)));

    /// <summary><c>churnstream_offset_commits_total{outcome}</c>.</summary>
    public void OffsetCommit(OffsetCommitOutcome outcome) => _offsetCommits.Add(1, new KeyValuePair<string, object?>("outcome", Label(outcome)));

    /// <summary><c>churnstream_produce_errors_total</c>.</summary>
    public void ProduceError(long n = 1) => _produceErrors.Add(n);

    // ----- histograms -----

    /// <summary><c>churnstream_processing_latency_seconds</c>.</summary>
    public void ProcessingLatency(double seconds) => _processingLatency.Record(seconds);

    /// <summary><c>churnstream_processing_latency_seconds</c>.</summary>
    public void ProcessingLatency(TimeSpan elapsed) => _processingLatency.Record(elapsed.TotalSeconds);

    /// <summary><c>churnstream_commit_duration_seconds</c>: one committed transaction, from its changelog to the broker's answer.</summary>
    public void CommitDuration(TimeSpan elapsed) => _commitDuration.Record(elapsed.TotalSeconds);

    /// <summary>Marks the start of a state restore (feeds <c>churnstream_state_restore_in_progress_seconds</c>).</summary>
    public void StateRestoreStarted()
    {
        lock (_restoreLock)
        {
            if (_restoresInProgress++ == 0) _oldestRestoreStart = _time.GetTimestamp();
        }
    }

    /// <summary>Marks the end of a state restore begun with <see cref="StateRestoreStarted"/> and records its duration in <c>churnstream_state_restore_seconds</c>.</summary>
    public void StateRestoreCompleted(double seconds)
    {
        lock (_restoreLock)
        {
            if (_restoresInProgress > 0) _restoresInProgress--;
        }
        _stateRestore.Record(seconds);
    }

    /// <inheritdoc cref="StateRestoreCompleted(double)"/>
    public void StateRestoreCompleted(TimeSpan elapsed) => StateRestoreCompleted(elapsed.TotalSeconds);

    // ----- observable gauges -----

    /// <summary><c>churnstream_customers_tracked</c>.</summary>
    public void ObserveCustomersTracked(Func<long> callback) => _customersTracked = callback;

    /// <summary><c>churnstream_partitions_assigned</c>.</summary>
    public void ObservePartitionsAssigned(Func<int> callback) => _partitionsAssigned = () => callback();

    /// <summary><c>churnstream_consumer_lag_records{topic,partition}</c>; report only currently assigned partitions.</summary>
    public void ObserveConsumerLag(Func<IEnumerable<(string topic, int partition, long lag)>> callback) => _consumerLag = callback;

    /// <summary><c>churnstream_consumer_prefetch_bytes</c>.</summary>
    public void ObservePrefetchedBytes(Func<long> callback) => _prefetchedBytes = callback;

    /// <summary><c>churnstream_customers_in_segment{dimension,segment}</c>.</summary>
    public void ObserveSegmentCounts(Func<IEnumerable<(string dimension, string segment, long count)>> callback) => _segmentCounts = callback;

    /// <summary>
    /// <c>churnstream_kpi_churn_rate{tier}</c>, <c>_retention_rate</c>, <c>_winback_rate</c>: ratios 0..1 per value tier
    /// (called once per family per scrape; return a snapshot). Replaces any earlier KPI callback.
    /// </summary>
    public void ObserveKpis(Func<IEnumerable<(string tier, double churn, double retention, double winback)>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _kpis = () => callback().Select(k => (k.tier, (string?)null, k.churn, k.retention, k.winback));
    }

    /// <summary>
    /// <c>churnstream_kpi_churn_rate{tier,source}</c>, <c>_retention_rate</c>, <c>_winback_rate</c>: ratios 0..1 per value
    /// tier and source (e.g. channel; keep the set of sources small and closed). A null or empty source omits the
    /// <c>source</c> label (a tier-wide total). Replaces any earlier KPI callback.
    /// </summary>
    public void ObserveKpis(Func<IEnumerable<(string tier, string source, double churn, double retention, double winback)>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _kpis = () => callback().Select(k => (k.tier, (string?)k.source, k.churn, k.retention, k.winback));
    }

    /// <summary>
    /// <c>churnstream_watermark_lag_seconds{partition}</c> = wall clock − watermark at scrape time. Partitions whose
    /// watermark is <see cref="DateTimeOffset.MinValue"/> (no event yet) are not reported.
    /// </summary>
    public void ObserveWatermarks(Func<IEnumerable<(int partition, DateTimeOffset watermark)>> callback) => _watermarks = callback;

    /// <summary>
    /// Records 0 for every closed label set (and the label-less counters), so that the series exist from the first
    /// scrape and <c>rate()</c>/<c>increase()</c> see their first increment. Call once after the exporter is attached.
    /// </summary>
    public void PrimeKnownSeries()
    {
        foreach (var d in Enum.GetValues<LateEventDisposition>()) LateEvent(d, 0);
        foreach (var k in Enum.GetValues<RebalanceKind>()) _rebalances.Add(0, new KeyValuePair<string, object?>("kind", Label(k)));
        foreach (var o in Enum.GetValues<TransactionOutcome>()) _transactions.Add(0, new KeyValuePair<string, object?>("outcome", Label(o)));
        foreach (var o in Enum.GetValues<OffsetCommitOutcome>()) _offsetCommits.Add(0, new KeyValuePair<string, object?>("outcome", Label(o)));
        foreach (var kind in AlertKinds)
        {
            foreach (var severity in AlertSeverities) AlertEmitted(kind, severity, 0);
        }
        DuplicateEvent(0);
        ProduceError(0);
    }

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();

    private static string Label(LateEventDisposition d) => d == LateEventDisposition.Applied ? "applied" : "dropped";

    private static string Label(RebalanceKind k) => k switch
    {
        RebalanceKind.Assigned => "assigned",
        RebalanceKind.Revoked => "revoked",
        _ => "lost",
    };

    private static string Label(TransactionOutcome o) => o == TransactionOutcome.Committed ? "committed" : "aborted";

    private static string Label(OffsetCommitOutcome o) => o == OffsetCommitOutcome.Success ? "success" : "failure";

    private static string PartitionLabel(int partition) =>
        (uint)partition < (uint)PartitionNames.Length ? PartitionNames[partition] : partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>A gauge of one value without labels: nothing until its callback is set.</summary>
    private static IEnumerable<Measurement<long>> SingleValue(Func<long>? callback) =>
        callback is null ? [] : [new Measurement<long>(callback())];

    private IEnumerable<Measurement<long>> ObserveConsumerLagNow()
    {
        var cb = _consumerLag;
        if (cb is null) yield break;
        foreach (var (topic, partition, lag) in cb())
        {
            yield return new Measurement<long>(lag, new("topic", topic), new("partition", PartitionLabel(partition)));
        }
    }

    private IEnumerable<Measurement<long>> ObserveSegmentCountsNow()
    {
        var cb = _segmentCounts;
        if (cb is null) yield break;
        foreach (var (dimension, segment, count) in cb())
        {
            yield return new Measurement<long>(count, new("dimension", dimension), new("segment", segment));
        }
    }

    private IEnumerable<Measurement<double>> ObserveWatermarkLagNow()
    {
        var cb = _watermarks;
        if (cb is null) yield break;
        var now = _time.GetUtcNow();
        foreach (var (partition, watermark) in cb())
        {
            if (watermark == DateTimeOffset.MinValue) continue;
            yield return new Measurement<double>((now - watermark).TotalSeconds, new KeyValuePair<string, object?>("partition", PartitionLabel(partition)));
        }
    }

    private IEnumerable<Measurement<double>> ObserveRestoreInProgressNow()
    {
        lock (_restoreLock)
        {
            var seconds = _restoresInProgress > 0 ? _time.GetElapsedTime(_oldestRestoreStart).TotalSeconds : 0;
            return [new Measurement<double>(seconds)];
        }
    }

    private IEnumerable<Measurement<double>> ObserveKpiNow(Func<(string Tier, string? Source, double Churn, double Retention, double Winback), double> pick)
    {
        var cb = _kpis;
        if (cb is null) yield break;
        foreach (var kpi in cb())
        {
            var value = pick(kpi);
            if (double.IsNaN(value)) continue; // no customers in the tier yet: no sample rather than NaN
            yield return string.IsNullOrEmpty(kpi.Source)
                ? new Measurement<double>(value, new KeyValuePair<string, object?>("tier", kpi.Tier))
                : new Measurement<double>(value, new("tier", kpi.Tier), new("source", kpi.Source));
        }
    }
}
