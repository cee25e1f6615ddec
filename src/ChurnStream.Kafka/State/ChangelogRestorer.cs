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
    public static RestoredPartition Read(KafkaOptions options, string topic, int partition, bool brokerHidesAborted, TimeSpan timeout) =>
        ReadAll(options, topic, [partition], brokerHidesAborted, timeout)[partition];

    /// <summary>Restores several partitions of the changelog with one consumer (one connection set, one metadata round).</summary>
    public static Dictionary<int, RestoredPartition> ReadAll(KafkaOptions options, string topic, IReadOnlyCollection<int> partitions, bool brokerHidesAborted, TimeSpan timeout)
    {
        LibrdkafkaNative.EnsureLoaded();
        var config = ClientConfigs.Consumer(options, options.GroupId + "-restore");
        config.EnableAutoCommit = false;
        config.StatisticsIntervalMs = 0;
        config.EnablePartitionEof = true;
        config.FetchMaxBytes = 50 * 1024 * 1024;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var logs = new Dictionary<int, PartitionLog>();
        var pending = new Dictionary<int, long>();
        foreach (var p in partitions)
        {
            logs[p] = new PartitionLog();
            var end = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            if (end.High.Value > end.Low.Value) pending[p] = end.High.Value;
        }
        if (pending.Count > 0)
        {
            consumer.Assign(pending.Keys.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var deadline = DateTime.UtcNow + timeout;
            while (pending.Count > 0)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"restoring {topic} partitions {string.Join(",", pending.Keys)} took longer than {timeout.TotalSeconds} s");
                var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (r is null) continue;
                var p = r.Partition.Value;
                if (!r.IsPartitionEOF) logs[p].Add(r);
                if (r.IsPartitionEOF || r.Offset.Value + 1 >= pending.GetValueOrDefault(p, long.MaxValue)) pending.Remove(p);
            }
            consumer.Close();
        }
        return logs.ToDictionary(kv => kv.Key, kv => kv.Value.Build(brokerHidesAborted));
    }

    /// <summary>One partition's records in log order: its batches (checkpoint first, then profiles) and loose profiles.</summary>
    private sealed class PartitionLog
    {
        private readonly List<BatchRecords> _batches = [];
        private readonly Dictionary<ChangelogBatch, BatchRecords> _byId = [];
        private readonly List<(string Key, byte[] Value, ChangelogBatch? Batch)> _loose = [];
        private int _read;

        public void Add(ConsumeResult<byte[], byte[]> r)
        {
            _read++;
            var batch = Header(r.Message.Headers, ChangelogBatch.BatchHeader);
            if (r.Message.Key is { } key && PositionsCodec.IsCheckpointKey(key) && batch is { } id)
            {
                var b = new BatchRecords(id, Header(r.Message.Headers, ChangelogBatch.PreviousHeader), ChangelogBatch.SizeOf(r.Message.Headers), PositionsCodec.Decode(r.Message.Value));
                _batches.Add(b);
                _byId[id] = b; // a re-used id (never expected) keeps the later one
            }
            else if (r.Message.Key is { } profileKey && r.Message.Value is { } value)
            {
                var customer = Encoding.UTF8.GetString(profileKey);
                if (batch is { } owner && _byId.TryGetValue(owner, out var b)) b.Profiles.Add((customer, value));
                else _loose.Add((customer, value, batch));
            }
        }

        public RestoredPartition Build(bool brokerHidesAborted)
        {
            var complete = _batches.Where(b => b.Profiles.Count == b.Size).ToList();
            BatchRecords? head = complete.LastOrDefault();
            if (!brokerHidesAborted && head is not null)
                head = head.Previous is { } p && _byId.TryGetValue(p, out var parent) && parent.Profiles.Count == parent.Size ? parent : null;

            var state = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            // Profiles whose batch checkpoint is gone: compaction survivors on a real cluster; on a log without
            // compaction only records written without a batch (none are) are taken.
            foreach (var (k, v, batch) in _loose)
                if (brokerHidesAborted || batch is null) state[k] = v;
            if (brokerHidesAborted)
            {
                foreach (var b in complete) foreach (var (k, v) in b.Profiles) state[k] = v;
            }
            else
            {
                // Only the chain of batches that later commits proved committed, oldest first.
                var chain = new List<BatchRecords>();
                for (var b = head; b is not null; b = b.Previous is { } p && _byId.TryGetValue(p, out var parent) ? parent : null) chain.Add(b);
                chain.Reverse();
                foreach (var b in chain) foreach (var (k, v) in b.Profiles) state[k] = v;
            }
            return new RestoredPartition(state, head?.Checkpoint, head?.Id, _read) { ReadFromStart = head is null && _batches.Count > 0 };
        }
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
}
