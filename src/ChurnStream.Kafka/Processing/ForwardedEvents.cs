using System.Globalization;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// Which forwarded events a partition has already taken in, per source (input topic and partition), by source offset.
/// <para>
/// A source that goes back to its last committed state forwards the same events again; only the first copy counts.
/// Every forwarded event also carries its source's <b>committed floor</b>: the source's consumed position at its last
/// commit. Below it the source never forwards again, and everything it forwarded there was committed, so it is in the
/// repartition log ahead of anything later. At or above it a set of the offsets taken in is kept, not just the highest,
/// because on a broker that writes no transaction markers an aborted transaction can leave holes: a refused produce
/// request lost some forwards while later ones landed, and the copies that fill those holes come later.
/// </para>
/// </summary>
public sealed class ForwardedEvents
{
    private const string FloorPrefix = "forward-floor:";
    private const string SeenPrefix = "forward-seen:";

    private readonly Dictionary<(string Topic, int Partition), Source> _sources = [];

    private sealed class Source
    {
        public long Floor = -1;
        public readonly HashSet<long> Seen = [];
    }

    /// <summary>True the first time the event forwarded from <paramref name="offset"/> of its source arrives.</summary>
    public bool TryTake(string topic, int partition, long offset, long committedFloor)
    {
        var source = SourceOf(topic, partition);
        if (committedFloor > source.Floor)
        {
            source.Floor = committedFloor;
            source.Seen.RemoveWhere(o => o < committedFloor);
        }
        return offset >= source.Floor && source.Seen.Add(offset);
    }

    /// <summary>Writes the state into a checkpoint's positions.</summary>
    public void WriteTo(IDictionary<string, long> positions)
    {
        foreach (var ((topic, partition), source) in _sources)
        {
            var key = $"{topic}:{partition.ToString(CultureInfo.InvariantCulture)}";
            positions[FloorPrefix + key] = source.Floor;
            foreach (var offset in source.Seen) positions[$"{SeenPrefix}{key}:{offset.ToString(CultureInfo.InvariantCulture)}"] = offset;
        }
    }

    /// <summary>Adopts the state a checkpoint's positions hold (written by <see cref="WriteTo"/>).</summary>
    public void ReadFrom(IReadOnlyDictionary<string, long> positions)
    {
        _sources.Clear();
        foreach (var (key, value) in positions)
        {
            if (key.StartsWith(FloorPrefix, StringComparison.Ordinal))
            {
                var (topic, partition) = TopicAndPartition(key[FloorPrefix.Length..]);
                SourceOf(topic, partition).Floor = value;
            }
            else if (key.StartsWith(SeenPrefix, StringComparison.Ordinal))
            {
                var rest = key[SeenPrefix.Length..];
                var (topic, partition) = TopicAndPartition(rest[..rest.LastIndexOf(':')]);
                SourceOf(topic, partition).Seen.Add(value);
            }
        }
    }

    private Source SourceOf(string topic, int partition)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_sources, (topic, partition), out _);
        return slot ??= new Source();
    }

    // Topic names cannot hold ':' (see TopicOptions.Validate), so the last one separates the partition.
    private static (string Topic, int Partition) TopicAndPartition(string key)
    {
        var at = key.LastIndexOf(':');
        return (key[..at], int.Parse(key[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
