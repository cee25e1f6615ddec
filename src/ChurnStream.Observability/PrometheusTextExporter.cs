using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace ChurnStream.Observability;

/// <summary>
/// Aggregates the instruments of exactly one <see cref="Meter"/> instance (matched by reference, so two meters
/// with the same name in one process never mix) and renders them in the Prometheus text exposition format 0.0.4.
/// </summary>
/// <remarks>
/// Mapping: <c>Counter</c>/<c>ObservableCounter</c> → <c>counter</c> (name + <c>_total</c> exactly once);
/// <c>UpDownCounter</c>/<c>ObservableUpDownCounter</c>/<c>ObservableGauge</c>/<c>Gauge</c> → <c>gauge</c>;
/// <c>Histogram</c> → <c>histogram</c> with cumulative <c>_bucket{le}</c> (bounds from the instrument's
/// <see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>, else Prometheus defaults), <c>_sum</c>, <c>_count</c>.
/// Names: see <see cref="PrometheusText.MetricName"/>. Families are sorted by name, series by label values.
/// Observable instruments are sampled at each <see cref="Collect"/>; series a callback no longer reports disappear.
/// Optionally appends process/runtime families computed from the BCL.
/// Thread-safe: recording is lock-free, collections are serialized.
/// </remarks>
public sealed class PrometheusTextExporter : IDisposable
{
    /// <summary>The Content-Type of <see cref="Collect"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter;
    private readonly bool _includeProcessMetrics;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly object _collectLock = new();
    private bool _disposed;

    /// <param name="meter">The meter whose instruments are exported (only this instance).</param>
    /// <param name="includeProcessMetrics">Append <c>process_*</c> and <c>dotnet_*</c> families.</param>
    public PrometheusTextExporter(Meter meter, bool includeProcessMetrics = true)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter;
        _includeProcessMetrics = includeProcessMetrics;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (!ReferenceEquals(instrument.Meter, _meter)) return;
                var state = InstrumentState.Create(instrument);
                if (state is null) return;
                _instruments[instrument] = state;
                listener.EnableMeasurementEvents(instrument, state);
            },
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _),
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Called with the exception when an observable callback throws during <see cref="Collect"/>.</summary>
    public Action<Exception>? CollectError { get; set; }

    /// <summary>Samples observable instruments and renders every family as exposition text.</summary>
    public string Collect()
    {
        lock (_collectLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var observables = _instruments.Values.Where(s => s.IsObservable).ToList();
            foreach (var state in observables) state.BeginObservation();
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (Exception ex)
            {
                CollectError?.Invoke(ex);
            }

            var families = new List<Family>();
            foreach (var state in _instruments.Values)
            {
                families.Add(state.Snapshot());
            }
            if (_includeProcessMetrics)
            {
                families.AddRange(ProcessMetrics.Collect());
            }

            var sb = new StringBuilder(4096);
            foreach (var group in families.GroupBy(f => f.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = group.First();
                sb.Append("# HELP ").Append(first.Name).Append(' ');
                PrometheusText.AppendHelp(sb, first.Help);
                sb.Append('\n');
                sb.Append("# TYPE ").Append(first.Name).Append(' ').Append(first.Type).Append('\n');
                foreach (var sample in group.SelectMany(f => f.Series).OrderBy(s => s.Labels.SortKey(), StringComparer.Ordinal))
                {
                    sample.Render(sb, first.Name);
                }
            }
            return sb.ToString();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_collectLock)
        {
            if (_disposed) return;
            _disposed = true;
            _listener.Dispose();
        }
    }

    // ----- aggregation state -----

    internal sealed record Family(string Name, string Help, string Type, IReadOnlyList<Sample> Series);

    internal abstract class Sample(LabelSet labels)
    {
        public LabelSet Labels { get; } = labels;

        public abstract void Render(StringBuilder sb, string name);
    }

    internal sealed class ScalarSample(LabelSet labels, string value) : Sample(labels)
    {
        public override void Render(StringBuilder sb, string name)
        {
            sb.Append(name);
            Labels.AppendTo(sb);
            sb.Append(' ').Append(value).Append('\n');
        }
    }

    private sealed class HistogramSample(LabelSet labels, double[] bounds, long[] counts, double sum) : Sample(labels)
    {
        public override void Render(StringBuilder sb, string name)
        {
            long cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += counts[i];
                sb.Append(name).Append("_bucket");
                Labels.AppendTo(sb, "le", i < bounds.Length ? PrometheusText.FormatDouble(bounds[i]) : "+Inf");
                sb.Append(' ').Append(PrometheusText.FormatLong(cumulative)).Append('\n');
            }
            sb.Append(name).Append("_sum");
            Labels.AppendTo(sb);
            sb.Append(' ').Append(PrometheusText.FormatDouble(sum)).Append('\n');
            sb.Append(name).Append("_count");
            Labels.AppendTo(sb);
            sb.Append(' ').Append(PrometheusText.FormatLong(cumulative)).Append('\n');
        }
    }

    private enum Kind { Counter, Gauge, UpDown, Histogram }

    private abstract class InstrumentState
    {
        protected InstrumentState(Instrument instrument, Kind kind)
        {
            Kind = kind;
            IsObservable = instrument.IsObservable;
            Name = PrometheusText.MetricName(instrument.Name, kind == Kind.Counter);
            Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        }

        public Kind Kind { get; }

        public bool IsObservable { get; }

        public string Name { get; }

        public string Help { get; }

        protected string TypeName => Kind switch
        {
            Kind.Counter => "counter",
            Kind.Histogram => "histogram",
            _ => "gauge",
        };

        public static InstrumentState? Create(Instrument instrument)
        {
            var type = instrument.GetType();
            if (!type.IsGenericType) return null;
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(Histogram<>))
            {
                return new HistogramState(instrument, BucketsOf(instrument));
            }
            Kind kind;
            if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>)) kind = Kind.Counter;
            else if (definition == typeof(UpDownCounter<>)) kind = Kind.UpDown;
            else if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>)) kind = Kind.Gauge;
            else return null;
            return new ScalarState(instrument, kind);
        }

        private static double[] BucketsOf(Instrument instrument)
        {
            IEnumerable<double>? advised = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
                Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                _ => null,
            };
            var bounds = (advised ?? DefaultBuckets).Where(double.IsFinite).Distinct().Order().ToArray();
            return bounds;
        }

        public virtual void BeginObservation()
        {
        }

        public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public abstract Family Snapshot();
    }

    private sealed class ScalarCell
    {
        private long _long;
        private double _double;

        public void Add(long value) => Interlocked.Add(ref _long, value);

        public void Add(double value)
        {
            double current, updated;
            do
            {
                current = Volatile.Read(ref _double);
                updated = current + value;
            }
            while (Interlocked.CompareExchange(ref _double, updated, current) != current && !double.IsNaN(current));
        }

        public void Set(long value)
        {
            Volatile.Write(ref _double, 0);
            Interlocked.Exchange(ref _long, value);
        }

        public void Set(double value)
        {
            Interlocked.Exchange(ref _long, 0);
            Volatile.Write(ref _double, value);
        }

        public string Format()
        {
            var l = Interlocked.Read(ref _long);
            var d = Volatile.Read(ref _double);
            return d == 0 ? PrometheusText.FormatLong(l) : PrometheusText.FormatDouble(l + d);
        }
    }

    private sealed class ScalarState(Instrument instrument, Kind kind) : InstrumentState(instrument, kind)
    {
        private readonly Series<ScalarCell> _series = new(() => new ScalarCell());

        public override void BeginObservation() => _series.Clear();

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _series.Get(tags);
            // Synchronous counters and up-down counters accumulate deltas; observable ones and gauges report values.
            if ((Kind == Kind.Counter && !IsObservable) || Kind == Kind.UpDown) cell.Add(value);
            else cell.Set(value);
        }

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _series.Get(tags);
            if ((Kind == Kind.Counter && !IsObservable) || Kind == Kind.UpDown) cell.Add(value);
            else cell.Set(value);
        }

        public override Family Snapshot() =>
            new(Name, Help, TypeName, _series.Items.Select(kv => (Sample)new ScalarSample(kv.Key, kv.Value.Format())).ToList());
    }

    private sealed class HistogramCell(int buckets)
    {
        private readonly long[] _counts = new long[buckets + 1];
        private double _sum;

        public void Record(double value, double[] bounds)
        {
            var index = Array.BinarySearch(bounds, value);
            if (index < 0) index = ~index; // first bound >= value ("le" is inclusive)
            Interlocked.Increment(ref _counts[index]);
            double current;
            do
            {
                current = Volatile.Read(ref _sum);
            }
            while (Interlocked.CompareExchange(ref _sum, current + value, current) != current && !double.IsNaN(current));
        }

        public (long[] Counts, double Sum) Read()
        {
            var counts = new long[_counts.Length];
            for (var i = 0; i < counts.Length; i++) counts[i] = Interlocked.Read(ref _counts[i]);
            return (counts, Volatile.Read(ref _sum));
        }
    }

    private sealed class HistogramState : InstrumentState
    {
        private readonly double[] _bounds;
        private readonly Series<HistogramCell> _series;

        public HistogramState(Instrument instrument, double[] bounds)
            : base(instrument, Kind.Histogram)
        {
            _bounds = bounds;
            _series = new(() => new HistogramCell(bounds.Length));
        }

        public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record((double)value, tags);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (double.IsNaN(value)) return;
            _series.Get(tags).Record(value, _bounds);
        }

        public override Family Snapshot() =>
            new(Name, Help, TypeName, _series.Items.Select(kv =>
            {
                var (counts, sum) = kv.Value.Read();
                return (Sample)new HistogramSample(kv.Key, _bounds, counts, sum);
            }).ToList());
    }

    /// <summary>Label set → cell map whose lookup by the listener's tag span does not allocate.</summary>
    private sealed class Series<TCell>(Func<TCell> factory)
        where TCell : class
    {
        private readonly ConcurrentDictionary<LabelSet, TCell> _cells = new(LabelSet.Comparer.Instance);

        public IEnumerable<KeyValuePair<LabelSet, TCell>> Items => _cells.ToArray();

        public TCell Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var lookup = _cells.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
            if (lookup.TryGetValue(tags, out var cell)) return cell;
            return _cells.GetOrAdd(LabelSet.From(tags), _ => factory());
        }

        public void Clear() => _cells.Clear();
    }

    /// <summary>Process and runtime families computed from the BCL at scrape time.</summary>
    private static class ProcessMetrics
    {
        private static readonly double StartTimeSeconds = ReadStartTime();

        private static double ReadStartTime()
        {
            using var process = Process.GetCurrentProcess();
            return (process.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        }

        public static IEnumerable<Family> Collect()
        {
            var cpu = Environment.CpuUsage.TotalTime.TotalSeconds;
            yield return Gaugeish("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", PrometheusText.FormatDouble(cpu));
            yield return Gaugeish("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", PrometheusText.FormatLong(Environment.WorkingSet));
            yield return Gaugeish("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge", PrometheusText.FormatDouble(StartTimeSeconds));
            var generations = new List<Sample>();
            for (var g = 0; g <= GC.MaxGeneration; g++)
            {
                generations.Add(new ScalarSample(
                    LabelSet.From([new KeyValuePair<string, object?>("generation", g)]),
                    PrometheusText.FormatLong(GC.CollectionCount(g))));
            }
            yield return new Family("dotnet_gc_collections_total", "Number of garbage collections per generation since the process started.", "counter", generations);
            yield return Gaugeish("dotnet_gc_heap_size_bytes", "Bytes currently thought to be allocated on the managed heap.", "gauge", PrometheusText.FormatLong(GC.GetTotalMemory(false)));
            yield return Gaugeish("dotnet_threadpool_threads", "Number of thread pool threads that currently exist.", "gauge", PrometheusText.FormatLong(ThreadPool.ThreadCount));
        }

        private static Family Gaugeish(string name, string help, string type, string value) =>
            new(name, help, type, [new ScalarSample(LabelSet.Empty, value)]);
    }
}
