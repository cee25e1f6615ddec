using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.Time;

namespace ChurnStream.Host.Backfill;

/// <summary>What a backfill reads, with which settings, and where it writes.</summary>
public sealed class BackfillRequest
{
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string OutputDir { get; init; }

    /// <summary><c>jsonl</c> or <c>csv</c> for every input; null = by extension (<c>.csv</c>, <c>.csv.gz</c> → csv).</summary>
    public string? Format { get; init; }

    /// <summary>The contract of every JSON line; null = by its fields (<c>amount</c> → purchase, <c>type</c> → engagement).</summary>
    public InputTopic? Topic { get; init; }

    public CsvSettings Csv { get; init; } = new();
    public required DetectionOptions Detection { get; init; }

    /// <summary>The churn model of <c>Detection:Model:File</c>, as the stream uses it (null = rules only).</summary>
    public ChurnModel? Model { get; init; }

    /// <summary>The stream's partition count (<c>Kafka:Partitions</c>): each partition has its own engine and watermark.</summary>
    public int Partitions { get; init; } = 6;

    /// <summary>Stop at the first bad row (exit code 1) instead of counting and skipping it.</summary>
    public bool Strict { get; init; }

    /// <summary>How many bad rows are printed on stderr (all of them go to <c>bad-rows.txt</c>).</summary>
    public int ShowBadRows { get; init; } = 100;

    /// <summary>Seconds between progress lines on stderr (at most one a second).</summary>
    public double ProgressSeconds { get; init; } = 1;
}

/// <summary>
/// <c>churnstream backfill</c>: the stream's engine over files, no Kafka. Events go, in file order, to the
/// partition that owns their customer (Java murmur2 over <c>Kafka:Partitions</c>, as in the stream), each
/// partition with its own watermark, buffer and timers; at the end of the input every partition is flushed
/// (buffered events applied, timers fired up to its last event time). Alerts and segment changes are written as
/// they are decided, with the stream's bytes; memory holds the customer state and one line at a time.
/// </summary>
public sealed class BackfillRunner : IRowHandler
{
    public const string AlertsFile = "alerts.jsonl";
    public const string SegmentsFile = "segments.jsonl";
    public const string SummaryFile = "summary.json";
    public const string BadRowsFile = "bad-rows.txt";

    private readonly BackfillRequest _request;
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly PartitionedEngine _engine;
    private readonly Stopwatch _clock = new();
    private readonly SortedDictionary<string, long> _badByReason = new(StringComparer.Ordinal);
    private readonly List<InputCounts> _inputs = [];
    private FileSink _sink = null!;
    private StreamWriter _badRows = null!;
    private InputCounts _currentInput = null!;
    private CustomerEvent? _currentEvent;
    private long _currentLine;
    private long _rows, _events, _purchases, _refunds, _engagements, _badRowCount;
    private long _firstEventMs = long.MaxValue, _lastEventMs = long.MinValue;
    private long _bytesBefore, _totalBytes;
    private double _nextProgress;
    private string? _failure;

    private sealed class InputCounts(string path, string format)
    {
        public string Path { get; } = path;
        public string Format { get; } = format;
        public long Rows, Events, BadRows;
    }

    public BackfillRunner(BackfillRequest request, TextWriter stdout, TextWriter stderr)
    {
        _request = request;
        _out = stdout;
        _err = stderr;
        _engine = new PartitionedEngine(request.Detection, request.Partitions, request.Model);
    }

    public bool Stopped => _failure is not null;

    /// <summary>Runs the backfill; 0 on success (bad rows counted and skipped), 1 when <c>--strict</c> met a bad row.</summary>
    public int Run()
    {
        Directory.CreateDirectory(_request.OutputDir);
        var final = new[] { AlertsFile, SegmentsFile, SummaryFile, BadRowsFile }.Select(f => Path.Combine(_request.OutputDir, f)).ToArray();
        var temp = final.Select(f => f + ".partial").ToArray();
        _totalBytes = _request.Inputs.Sum(p => new FileInfo(p).Length);
        _clock.Start();
        _nextProgress = _request.ProgressSeconds;
        try
        {
            using (_sink = new FileSink(temp[0], temp[1], OnLateDropped))
            using (_badRows = new StreamWriter(temp[3], false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" })
            {
                foreach (var path in _request.Inputs)
                {
                    var format = InputFiles.FormatOf(path, _request.Format);
                    _currentInput = new InputCounts(path, format);
                    _inputs.Add(_currentInput);
                    if (format == "csv") new CsvSource(_request.Csv).Read(path, this);
                    else JsonLinesSource.Read(path, _request.Topic, this);
                    _bytesBefore += new FileInfo(path).Length;
                    if (Stopped) break;
                }
                _currentEvent = null;
                if (!Stopped) _engine.Flush(_sink);
            }
            if (Stopped)
            {
                foreach (var t in temp) File.Delete(t);
                _err.WriteLine($"churnstream: backfill stopped at the first bad row (--strict): {_failure}; nothing was written");
                return 1;
            }
            File.WriteAllBytes(temp[2], SummaryJson());
            for (var i = 0; i < final.Length; i++) File.Move(temp[i], final[i], overwrite: true);
        }
        catch
        {
            foreach (var t in temp) TryDelete(t);
            throw;
        }
        _clock.Stop();
        PrintSummary(final);
        return 0;
    }

    void IRowHandler.OnRow(long bytesRead)
    {
        _rows++;
        _currentInput.Rows++;
        if ((_rows & 1023) == 0 && _clock.Elapsed.TotalSeconds >= _nextProgress) Progress(bytesRead);
    }

    void IRowHandler.OnEvent(CustomerEvent e, long line)
    {
        _events++;
        _currentInput.Events++;
        if (e.Kind == EventKind.Purchase)
        {
            _purchases++;
            if (e.Amount < 0) _refunds++;
        }
        else _engagements++;
        if (e.OccurredAtMs < _firstEventMs) _firstEventMs = e.OccurredAtMs;
        if (e.OccurredAtMs > _lastEventMs) _lastEventMs = e.OccurredAtMs;
        _currentEvent = e;
        _currentLine = line;
        _engine.Accept(e, _sink);
    }

    void IRowHandler.OnBadRow(long line, string reason, string detail) => BadRow($"{_currentInput.Path}:{line}", reason, detail);

    /// <summary>
    /// An event too far behind its partition's watermark to be applied (the stream dead-letters it with reason
    /// <c>late</c>): the input is out of time order by more than the horizon.
    /// </summary>
    private void OnLateDropped(CustomerEvent e)
    {
        var where = ReferenceEquals(e, _currentEvent) ? $"{_currentInput.Path}:{_currentLine}" : $"{_currentInput.Path}:(buffered event)";
        BadRow(where, RejectReason.Late.Name(),
            $"event of customer {e.CustomerId} at {EventTime.Format(e.OccurredAtMs)} is beyond the horizon behind its partition's watermark (the input is out of time order)");
    }

    private void BadRow(string where, string reason, string detail)
    {
        _badRowCount++;
        _currentInput.BadRows++;
        _badByReason[reason] = _badByReason.GetValueOrDefault(reason) + 1;
        var message = $"{where}: {reason}: {detail}";
        _badRows.WriteLine(message);
        if (_request.Strict)
        {
            _err.WriteLine(message);
            _failure = message;
            return;
        }
        if (_badRowCount <= _request.ShowBadRows) _err.WriteLine(message);
        else if (_badRowCount == _request.ShowBadRows + 1)
            _err.WriteLine($"churnstream: more bad rows; all of them are listed in {Path.Combine(_request.OutputDir, BadRowsFile)}");
    }

    private void Progress(long bytesRead)
    {
        var elapsed = _clock.Elapsed.TotalSeconds;
        _nextProgress = elapsed + _request.ProgressSeconds;
        var share = _totalBytes > 0 ? Math.Min(1.0, (double)(_bytesBefore + bytesRead) / _totalBytes) : 0;
        _err.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backfill: {_rows:N0} rows ({_rows / elapsed:N0}/s), {_events:N0} events ({_events / elapsed:N0}/s), {share * 100:0}% of input, bad rows {_badRowCount:N0}"));
    }

    private long Customers => _engine.Partitions.Sum(p => (long)p.CustomerCount);

    /// <summary>The summary as JSON: only what follows from the input and configuration, so it is deterministic too.</summary>
    private byte[] SummaryJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("inputs");
            foreach (var i in _inputs)
            {
                w.WriteStartObject();
                w.WriteString("file", i.Path);
                w.WriteString("format", i.Format);
                w.WriteNumber("rows", i.Rows);
                w.WriteNumber("events", i.Events);
                w.WriteNumber("badRows", i.BadRows);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("partitions", _request.Partitions);
            w.WriteNumber("rows", _rows);
            w.WriteNumber("events", _events);
            w.WriteNumber("purchases", _purchases);
            w.WriteNumber("refunds", _refunds);
            w.WriteNumber("engagements", _engagements);
            w.WriteNumber("customers", Customers);
            if (_events > 0)
            {
                w.WriteString("firstEventAt", EventTime.Format(_firstEventMs));
                w.WriteString("lastEventAt", EventTime.Format(_lastEventMs));
            }
            w.WriteStartObject("badRows");
            w.WriteNumber("total", _badRowCount);
            WriteCounts(w, "byReason", _badByReason);
            w.WriteEndObject();
            w.WriteNumber("duplicates", _sink.Duplicates);
            w.WriteNumber("lateApplied", _sink.LateApplied);
            w.WriteNumber("lateDropped", _sink.LateDropped);
            w.WriteStartObject("alerts");
            w.WriteNumber("total", _sink.Alerts);
            WriteCounts(w, "byKind", _sink.AlertsByKind);
            WriteCounts(w, "bySeverity", _sink.AlertsBySeverity);
            w.WriteEndObject();
            w.WriteNumber("segmentChanges", _sink.SegmentChanges);
            w.WriteStartObject("segmentMix");
            foreach (var (dimension, segments) in _sink.SegmentMix())
            {
                w.WriteStartObject(dimension);
                foreach (var (segment, n) in segments) w.WriteNumber(segment, n);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteCounts(Utf8JsonWriter w, string name, SortedDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in counts) w.WriteNumber(k, v);
        w.WriteEndObject();
    }

    private void PrintSummary(string[] files)
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        var inv = CultureInfo.InvariantCulture;
        _out.WriteLine(string.Create(inv,
            $"backfill: {_inputs.Count} file(s), {_rows:N0} rows, {_events:N0} events ({_purchases:N0} purchases of which {_refunds:N0} refunds, {_engagements:N0} engagements), {Customers:N0} customers"));
        _out.WriteLine(string.Create(inv, $"bad rows: {_badRowCount:N0}") +
            (_badByReason.Count > 0 ? " (" + string.Join(", ", _badByReason.Select(kv => $"{kv.Key} {kv.Value:N0}")) + ")" : "") +
            string.Create(inv, $"; duplicates {_sink.Duplicates:N0}; late applied {_sink.LateApplied:N0}"));
        _out.WriteLine(string.Create(inv, $"alerts: {_sink.Alerts:N0}") +
            (_sink.AlertsByKind.Count > 0 ? " (" + string.Join(", ", _sink.AlertsByKind.Select(kv => $"{kv.Key} {kv.Value:N0}")) + ")" : ""));
        foreach (var (dimension, segments) in _sink.SegmentMix())
            _out.WriteLine($"segments at the end, {dimension}: " + string.Join(", ", segments.Select(s => $"{s.Segment} {s.Customers.ToString("N0", inv)}")));
        _out.WriteLine($"wrote {files[0]}, {files[1]}, {files[2]}" + (_badRowCount > 0 ? $", {files[3]}" : ""));
        _out.WriteLine(string.Create(inv,
            $"events={_events} alerts={_sink.Alerts} segment_changes={_sink.SegmentChanges} bad_rows={_badRowCount} seconds={seconds:0.00} rows_per_s={_rows / seconds:0} events_per_s={_events / seconds:0} peak_working_set_mb={peakMb:0}"));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
