using System.Text;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Time;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using Confluent.Kafka;

namespace ChurnStream.Kafka.State;

/// <summary>A partition's state as the changelog has it: the latest profile of every customer, the checkpoint, and its batch.</summary>
public sealed record RestoredPartition(IReadOnlyDictionary<string, byte[]> Profiles, PartitionCheckpoint? Checkpoint, ChangelogBatch? Batch, int RecordsRead)
{
    /// <summary>The changelog held batches but none could be trusted: the inputs must be read from their start.</summary>
    public bool ReadFromStart { get; init; }
}

/// <summary>
/// Reads one changelog partition from its start to its current end (read_committed) and rebuilds the state of the
/// last batch that is known to be committed.
/// <para>
/// Each commit writes one batch per partition: a checkpoint record (naming the batch, its size and the batch it
/// follows), then the profiles that changed. A batch counts only when all of it is there. Where the broker hides
/// aborted transactions (a real cluster, <paramref name="brokerHidesAborted"/>), the last complete batch is the state.
/// Where it does not (the embedded broker writes no transaction markers), the last complete batch may belong to a
/// transaction that never committed, and its outputs may be only partly written: the restore then goes back to the
/// batch it follows, which a later commit proved committed, and follows that chain; the work of the last batch is
/// done again, and its outputs appear twice, byte for byte.
/// </para>
/// </summary>
public static class ChangelogRestorer
{
    public static RestoredPartition Read(KafkaOptions options, string topic, int partition, bool brokerHidesAborted, TimeSpan timeout)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Consumer(options, options.GroupId + "-restore");
        config.EnableAutoCommit = false;
        config.StatisticsIntervalMs = 0;
        config.EnablePartitionEof = true;
        config.FetchMaxBytes = 50 * 1024 * 1024;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var tp = new TopicPartition(topic, partition);
        var end = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
        if (end.High.Value <= end.Low.Value) return new RestoredPartition(new Dictionary<string, byte[]>(), null, null, 0);

        // Every batch in log order, with its records; profiles without a batch of ours are compaction survivors.
        var batches = new List<BatchRecords>();
        var byId = new Dictionary<ChangelogBatch, BatchRecords>();
        var loose = new List<(string Key, byte[] Value)>();
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        var deadline = DateTime.UtcNow + timeout;
        var read = 0;
        while (true)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"restoring {topic}[{partition}] took longer than {timeout.TotalSeconds} s");
            var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null) continue;
            if (r.IsPartitionEOF) break;
            read++;
            var batch = Header(r.Message.Headers, ChangelogBatch.BatchHeader);
            if (r.Message.Key is { } key && PositionsCodec.IsCheckpointKey(key) && batch is { } id)
            {
                var b = new BatchRecords(id, Header(r.Message.Headers, ChangelogBatch.PreviousHeader), SizeOf(r.Message.Headers), PositionsCodec.Decode(r.Message.Value));
                batches.Add(b);
                byId[id] = b; // a re-used id (never expected) keeps the later one
            }
            else if (r.Message.Key is { } profileKey && r.Message.Value is { } value)
            {
                var customer = Encoding.UTF8.GetString(profileKey);
                if (batch is { } owner && byId.TryGetValue(owner, out var b)) b.Profiles.Add((customer, value));
                else if (batch is null || brokerHidesAborted) loose.Add((customer, value));
            }
            if (r.Offset.Value + 1 >= end.High.Value) break;
        }
        consumer.Close();

        var complete = batches.Where(b => b.Profiles.Count == b.Size).ToList();
        BatchRecords? head = complete.LastOrDefault();
        if (!brokerHidesAborted && head is not null)
            head = head.Previous is { } p && byId.TryGetValue(p, out var parent) && parent.Profiles.Count == parent.Size ? parent : null;

        // The chain of trusted batches, oldest first, and their profiles in that order (latest wins).
        var chain = new List<BatchRecords>();
        for (var b = head; b is not null; b = b.Previous is { } p && byId.TryGetValue(p, out var parent) ? parent : null)
        {
            chain.Add(b);
            if (brokerHidesAborted) break; // everything visible is committed: no need to walk further
        }
        chain.Reverse();
        var state = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (brokerHidesAborted)
        {
            foreach (var (k, v) in loose) state[k] = v;
            foreach (var b in complete) foreach (var (k, v) in b.Profiles) state[k] = v;
        }
        else
        {
            foreach (var (k, v) in loose) state[k] = v;
            foreach (var b in chain) foreach (var (k, v) in b.Profiles) state[k] = v;
        }
        return new RestoredPartition(state, head?.Checkpoint, head?.Id, read) { ReadFromStart = head is null && batches.Count > 0 };
    }

    private sealed class BatchRecords(ChangelogBatch id, ChangelogBatch? previous, int size, PartitionCheckpoint checkpoint)
    {
        public ChangelogBatch Id { get; } = id;
        public ChangelogBatch? Previous { get; } = previous;
        public int Size { get; } = size;
        public PartitionCheckpoint Checkpoint { get; } = checkpoint;
        public List<(string Key, byte[] Value)> Profiles { get; } = [];
    }

    private static ChangelogBatch? Header(Headers? headers, string name) =>
        headers is not null && headers.TryGetLastBytes(name, out var bytes) && ChangelogBatch.TryRead(bytes, out var b) ? b : null;

    private static int SizeOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(ChangelogBatch.SizeHeader, out var bytes) && ChangelogBatch.TryReadSize(bytes, out var s) ? s : -1;
}
