using System.Text;
using Confluent.Kafka;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Time;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Kafka.Topology;
using ChurnStream.Observability;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// The service loop: consume the inputs, route every message to the partition that owns its customer, let that
/// partition's engine decide, produce the outputs, and commit the consumed positions once the outputs they caused
/// are acknowledged (at-least-once).
/// </summary>
public sealed class StreamProcessor : IDisposable
{
    private readonly StreamOptions _options;
    private readonly ChurnStreamMetrics _metrics;
    private readonly HealthState _health;
    private readonly ILogger _log;
    private readonly EventParser _parser = EventParser.Default;
    private readonly Dictionary<int, PartitionTask> _tasks = [];
    private volatile PartitionTask[] _taskSnapshot = []; // what scrapes read, from another thread
    private readonly Dictionary<TopicPartition, Offset> _pending = [];
    private readonly ConsumerLagTracker _lag = new();
    private readonly long _latenessMs;
    private OutputProducer? _output;
    private int _partitionCount;
    private volatile int _customersTracked;
    private volatile int _assignedPartitions;

    public StreamProcessor(StreamOptions options, ChurnStreamMetrics metrics, HealthState health, ILogger log)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new OptionsValidationException(errors);
        _options = options;
        _metrics = metrics;
        _health = health;
        _log = log;
        _latenessMs = (long)(options.Detection.AllowedLatenessHours * EventTime.MillisPerHour);
        metrics.ObserveCustomersTracked(() => _customersTracked);
        metrics.ObservePartitionsAssigned(() => _assignedPartitions);
        metrics.ObserveConsumerLag(() => _lag.Current.Select(l => (l.Topic, l.Partition, l.Lag)));
        metrics.ObserveSegmentCounts(SegmentCountsSnapshot);
        metrics.ObserveWatermarks(WatermarksSnapshot);
    }

    /// <summary>Everything decided so far, per partition; read by the demo and tests after the loop stopped.</summary>
    public IReadOnlyDictionary<int, PartitionTask> Tasks => _tasks;

    /// <summary>Raised on the processing thread after each poll; tests and the demo use it to watch progress.</summary>
    public event Action<StreamProcessor>? Polled;

    public long EventsProcessed { get; private set; }

    /// <summary>Runs until <paramref name="stop"/> is cancelled. Blocking: call it on a thread of its own.</summary>
    public void Run(CancellationToken stop)
    {
        LibrdkafkaNative.EnsureLoaded();
        _health.SetStarting();
        var adminConfig = ClientConfigs.Common(_options.Kafka);
        _partitionCount = TopicAdmin.EnsureTopics(_options, adminConfig, TimeSpan.FromSeconds(15));
        _log.LogInformation("Inputs have {Partitions} partitions; security.protocol={Protocol}", _partitionCount,
            _options.Kafka.Properties.GetValueOrDefault("security.protocol", "plaintext"));

        using var producer = new ProducerBuilder<byte[], byte[]>(ClientConfigs.Producer(_options.Kafka))
            .SetErrorHandler((_, e) => OnClientError("producer", e))
            .Build();
        _output = new OutputProducer(producer, _options.Topics, _metrics);

        using var consumer = new ConsumerBuilder<byte[], byte[]>(ClientConfigs.Consumer(_options.Kafka, _options.Kafka.GroupId))
            .SetPartitionsAssignedHandler((c, parts) => OnAssigned(parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((c, parts) => OnLost(parts))
            .SetErrorHandler((_, e) => OnClientError("consumer", e))
            .SetStatisticsHandler((_, json) => _lag.Update(json))
            .Build();
        consumer.Subscribe(_options.Topics.Inputs);

        var commitEvery = TimeSpan.FromMilliseconds(_options.Kafka.CommitIntervalMs);
        var lastCommit = DateTime.UtcNow;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is not null) Handle(result);
                _health.Heartbeat();
                if (DateTime.UtcNow - lastCommit >= commitEvery)
                {
                    AdvanceIdlePartitions();
                    AnnounceWatermarks();
                    Commit(consumer);
                    lastCommit = DateTime.UtcNow;
                    _customersTracked = _taskSnapshot.Sum(t => t.Engine.CustomerCount);
                }
                Polled?.Invoke(this);
            }
        }
        finally
        {
            _health.SetStopping();
            try
            {
                Commit(consumer);
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                _log.LogWarning("Closing the consumer failed: {Reason}", ex.Error.Reason);
            }
            _output.Flush(TimeSpan.FromSeconds(5));
        }
    }

    private void Handle(ConsumeResult<byte[], byte[]> m)
    {
        var input = InputOf(m.Topic);
        if (!_tasks.TryGetValue(m.Partition.Value, out var task)) return; // not ours any more (mid-rebalance)
        if (m.IsPartitionEOF)
        {
            task.EndReached(input);
            return;
        }

        if (input == PartitionTask.RepartitionInput && TryWatermarkOf(m, out var source, out var watermark))
        {
            task.ObserveSourceWatermark(source, watermark);
            _pending[m.TopicPartition] = m.Offset + 1;
            return;
        }

        _metrics.EventConsumed(m.Topic);
        EventsProcessed++;
        _health.SetBrokerReachable(true);
        Route(m, input, task);
        _pending[m.TopicPartition] = m.Offset + 1;
    }

    private void Route(ConsumeResult<byte[], byte[]> m, int input, PartitionTask task)
    {
        InputTopic contract;
        if (input == PartitionTask.RepartitionInput)
        {
            if (!TryContractOf(m, out contract))
            {
                _output!.DeadLetter(m, new Rejection(RejectReason.InvalidField, $"record on {m.Topic} has no valid '{HeaderNames.Contract}' header"));
                return;
            }
        }
        else
        {
            contract = input == PartitionTask.PurchasesInput ? InputTopic.Purchases : InputTopic.Engagements;
        }

        if (m.Message.Value is not { Length: > 0 } value)
        {
            _output!.DeadLetter(m, new Rejection(RejectReason.InvalidJson, "the message has no value"));
            return;
        }
        if (!_parser.TryParse(value, contract, out var evt, out var rejection))
        {
            _output!.DeadLetter(m, rejection);
            return;
        }
        if (_options.Clock.MaxFutureSkewHours > 0
            && evt.OccurredAtMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)(_options.Clock.MaxFutureSkewHours * EventTime.MillisPerHour))
        {
            _output!.DeadLetter(m, new Rejection(RejectReason.AbsurdTimestamp,
                $"'occurredAt' {EventTime.Format(evt.OccurredAtMs)} is more than {_options.Clock.MaxFutureSkewHours} h in the future"));
            return;
        }

        if (input != PartitionTask.RepartitionInput)
        {
            var owner = Murmur2Partitioner.PartitionFor(evt.CustomerId, _partitionCount);
            if (owner != m.Partition.Value || !KeyIs(m.Message.Key, evt.CustomerId))
            {
                _output!.Repartition(m, evt.CustomerId, owner, contract);
                task.Forwarded(input, evt.OccurredAtMs);
                return;
            }
        }
        else if (Murmur2Partitioner.PartitionFor(evt.CustomerId, _partitionCount) != m.Partition.Value)
        {
            _output!.DeadLetter(m, new Rejection(RejectReason.InvalidField, $"repartitioned record for '{evt.CustomerId}' is on the wrong partition"));
            return;
        }
        task.Accept(m, evt, input);
    }

    private static bool TryContractOf(ConsumeResult<byte[], byte[]> m, out InputTopic contract)
    {
        contract = default;
        if (m.Message.Headers is null || !m.Message.Headers.TryGetLastBytes(HeaderNames.Contract, out var bytes)) return false;
        if (bytes.AsSpan().SequenceEqual("purchases"u8)) { contract = InputTopic.Purchases; return true; }
        if (bytes.AsSpan().SequenceEqual("engagements"u8)) { contract = InputTopic.Engagements; return true; }
        return false;
    }

    private static bool TryWatermarkOf(ConsumeResult<byte[], byte[]> m, out int source, out long watermark)
    {
        source = -1;
        watermark = long.MinValue;
        if (m.Message.Headers is null
            || !m.Message.Headers.TryGetLastBytes(HeaderNames.Watermark, out var w)
            || !m.Message.Headers.TryGetLastBytes(HeaderNames.WatermarkSource, out var s)
            || !int.TryParse(Encoding.UTF8.GetString(s), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out source))
            return false;
        var text = Encoding.UTF8.GetString(w);
        if (text == "idle") { watermark = long.MaxValue; return true; }
        return long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out watermark);
    }

    /// <summary>Each partition tells every partition of the repartition topic how far its own inputs have come.</summary>
    private void AnnounceWatermarks()
    {
        foreach (var task in _tasks.Values)
        {
            if (task.NextMarker(minStepMs: EventTime.MillisPerHour, maxQuietMs: 1000) is not { } w) continue;
            for (var p = 0; p < _partitionCount; p++) _output!.WatermarkMarker(p, task.Partition, w);
        }
    }

    private static bool KeyIs(byte[]? key, string customerId)
    {
        if (key is null || key.Length != Encoding.UTF8.GetByteCount(customerId)) return false;
        Span<byte> buffer = key.Length <= 512 ? stackalloc byte[key.Length] : new byte[key.Length];
        Encoding.UTF8.GetBytes(customerId, buffer);
        return buffer.SequenceEqual(key);
    }

    private int InputOf(string topic) =>
        topic == _options.Topics.Purchases ? PartitionTask.PurchasesInput
        : topic == _options.Topics.Engagements ? PartitionTask.EngagementsInput
        : PartitionTask.RepartitionInput;

    /// <summary>A live partition that has been quiet moves its watermark with the wall clock; historic data never does.</summary>
    private void AdvanceIdlePartitions()
    {
        foreach (var task in _tasks.Values) task.MarkIdleInputs(_options.Clock.IdleInputAfterMs);
        if (!_options.Clock.IdleAdvance) return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var task in _tasks.Values)
        {
            var quietFor = Environment.TickCount64 - task.LastEventWallMs;
            var live = task.Engine.MaxEventTime != long.MinValue && task.Engine.MaxEventTime > now - EventTime.MillisPerDay;
            if (live && quietFor >= _options.Clock.IdleAdvanceAfterSeconds * 1000L)
                task.AdvanceWatermark(now - _latenessMs);
        }
    }

    private void Commit(IConsumer<byte[], byte[]> consumer)
    {
        if (_output is null) return;
        _output.Poll();
        if (_pending.Count == 0) return;
        if (!_output.Flush(TimeSpan.FromSeconds(10)))
        {
            _log.LogWarning("Outputs not yet acknowledged; positions not committed this round");
            return;
        }
        if (_output.DeliveryFailure is { } failure)
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"an output could not be delivered, so positions are not committed past it: {failure}"));
        try
        {
            consumer.Commit(_pending.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)));
            _metrics.OffsetCommit(OffsetCommitOutcome.Success);
            _pending.Clear();
        }
        catch (KafkaException ex)
        {
            _metrics.OffsetCommit(OffsetCommitOutcome.Failure);
            _log.LogWarning("Committing positions failed, will retry: {Reason}", ex.Error.Reason);
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        _metrics.Rebalance(RebalanceKind.Assigned);
        foreach (var p in partitions.Select(p => p.Partition.Value).Distinct())
            if (!_tasks.ContainsKey(p))
                _tasks[p] = new PartitionTask(p, _partitionCount, _options.Detection, _output!, _metrics);
        PublishTasks();
        _log.LogInformation("Assigned partitions {Partitions}", string.Join(",", _tasks.Keys.Order()));
        _health.SetReady();
    }

    private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        _metrics.Rebalance(RebalanceKind.Revoked);
        Commit(consumer);
        DropTasks(partitions.Select(p => p.Partition.Value));
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        _metrics.Rebalance(RebalanceKind.Lost);
        _pending.Clear();
        DropTasks(partitions.Select(p => p.Partition.Value));
    }

    private void DropTasks(IEnumerable<int> partitions)
    {
        foreach (var p in partitions.Distinct().ToList()) _tasks.Remove(p);
        foreach (var tp in _pending.Keys.Where(tp => !_tasks.ContainsKey(tp.Partition.Value)).ToList()) _pending.Remove(tp);
        PublishTasks();
        _log.LogInformation("Revoked; now holding partitions {Partitions}", string.Join(",", _tasks.Keys.Order()));
    }

    private void OnClientError(string client, Error e)
    {
        if (e.Code == ErrorCode.Local_AllBrokersDown) _health.SetBrokerReachable(false);
        if (e.IsFatal) _log.LogError("Fatal {Client} error: {Reason} ({Code})", client, e.Reason, e.Code);
        else _log.LogWarning("{Client} error (retried): {Reason} ({Code})", client, e.Reason, e.Code);
    }

    private void PublishTasks()
    {
        _taskSnapshot = _tasks.Values.ToArray();
        _assignedPartitions = _tasks.Count;
    }

    private IEnumerable<(string dimension, string segment, long count)> SegmentCountsSnapshot()
    {
        var tasks = _taskSnapshot;
        foreach (var (dimension, segment, index) in SegmentCounter.All())
            yield return (dimension, segment, tasks.Sum(t => t.SegmentCounts[index]));
    }

    private IEnumerable<(int partition, DateTimeOffset watermark)> WatermarksSnapshot()
    {
        foreach (var t in _taskSnapshot)
            if (t.Engine.Watermark != long.MinValue)
                yield return (t.Partition, DateTimeOffset.FromUnixTimeMilliseconds(t.Engine.Watermark));
    }

    public void Dispose() => _output?.Dispose();
}

/// <summary>The options failed validation; the message lists every problem.</summary>
public sealed class OptionsValidationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
