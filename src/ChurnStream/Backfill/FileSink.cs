using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Rules;

namespace ChurnStream.Host.Backfill;

/// <summary>
/// Writes every decision as it comes, in the engine's emission order, with exactly the bytes the stream publishes
/// (<see cref="OutputJson"/>), one record per line. Keeps only counts and, per customer, a reference to the
/// (shared) segment combination of their last segment record: nothing grows with the number of events.
/// </summary>
internal sealed class FileSink : IDecisionSink, IDisposable
{
    private readonly Stream _alerts;
    private readonly Stream _segments;
    private readonly Action<CustomerEvent> _lateDropped;
    private readonly Dictionary<string, string> _lastSegments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _combinations = new(StringComparer.Ordinal);

    public FileSink(string alertsPath, string segmentsPath, Action<CustomerEvent> lateDropped)
    {
        _alerts = new FileStream(alertsPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _segments = new FileStream(segmentsPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _lateDropped = lateDropped;
    }

    public long Alerts { get; private set; }
    public long SegmentChanges { get; private set; }
    public long Duplicates { get; private set; }
    public long LateApplied { get; private set; }
    public long LateDropped { get; private set; }
    public SortedDictionary<string, long> AlertsByKind { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> AlertsBySeverity { get; } = new(StringComparer.Ordinal);

    public void OnAlert(ChurnAlert alert)
    {
        _alerts.Write(OutputJson.Serialize(alert));
        _alerts.WriteByte((byte)'\n');
        Alerts++;
        Increment(AlertsByKind, alert.Kind.Name());
        Increment(AlertsBySeverity, alert.Severity.Name());
    }

    public void OnSegmentChange(SegmentChange change)
    {
        var bytes = OutputJson.Serialize(change);
        _segments.Write(bytes);
        _segments.WriteByte((byte)'\n');
        SegmentChanges++;
        // The mix is read back from the published record, so it follows whatever dimensions the record carries.
        var combination = Combination(bytes);
        if (!_combinations.TryGetValue(combination, out var shared)) _combinations[combination] = shared = combination;
        _lastSegments[change.CustomerId] = shared;
    }

    public void OnLateEvent(CustomerEvent evt, bool applied)
    {
        if (applied) LateApplied++;
        else
        {
            LateDropped++;
            _lateDropped(evt);
        }
    }

    public void OnDuplicate(CustomerEvent evt) => Duplicates++;

    /// <summary>Customers per segment in each dimension, from each customer's last segment record.</summary>
    public List<(string Dimension, List<(string Segment, long Customers)> Segments)> SegmentMix()
    {
        var order = new List<string>();
        var counts = new Dictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        var perCombination = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in _lastSegments.Values) perCombination[c] = perCombination.GetValueOrDefault(c) + 1;
        foreach (var (combination, n) in perCombination.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var pair in combination.Split('\n'))
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0) continue;
                var (dimension, segment) = (pair[..eq], pair[(eq + 1)..]);
                if (!counts.TryGetValue(dimension, out var bySegment))
                {
                    counts[dimension] = bySegment = new SortedDictionary<string, long>(StringComparer.Ordinal);
                    order.Add(dimension);
                }
                bySegment[segment] = bySegment.GetValueOrDefault(segment) + n;
            }
        }
        return order.Select(d => (d, counts[d].Select(kv => (kv.Key, kv.Value)).ToList())).ToList();
    }

    public void Dispose()
    {
        _alerts.Dispose();
        _segments.Dispose();
    }

    private static void Increment(SortedDictionary<string, long> map, string key) => map[key] = map.GetValueOrDefault(key) + 1;

    /// <summary><c>dimension=segment</c> lines of the record's <c>segments</c> object, in the record's order.</summary>
    private static string Combination(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("segments"u8))
            {
                reader.Read();
                var parts = new List<string>(4);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var dimension = reader.GetString()!;
                    reader.Read();
                    parts.Add(reader.TokenType == JsonTokenType.String ? $"{dimension}={reader.GetString()}" : $"{dimension}=null");
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                }
                return string.Join('\n', parts);
            }
            reader.Read();
            reader.Skip();
        }
        return "";
    }
}
