using System.Buffers.Text;
using System.Text;
using Confluent.Kafka;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Time;
using ChurnStream.Domain.Kpi;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.Segments;
using ChurnStream.Model;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Kafka.State;
using ChurnStream.Kafka.Topology;
using ChurnStream.Observability;
using Microsoft.Extensions.Logging;
using TaskRecord = (ChurnStream.Kafka.Processing.PartitionTask Task, Confluent.Kafka.ConsumeResult<byte[], byte[]> Message);

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
    private IConsumer<byte[], byte[]>? _consumer;
    private readonly ChurnModel? _model;
    private BrokerTraits _broker = new(IsFullKafka: false, ChangelogCompacted: false);
    private bool _inTransaction;
    private readonly ConsumerStatistics _consumerStatistics = new();
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
        metrics.ObserveConsumerLag(() => _consumerStatistics.Lags.Select(l => (l.Topic, l.Partition, l.Lag)));
        metrics.ObservePrefetchedBytes(() => _consumerStatistics.PrefetchedBytes);
        metrics.ObserveSegmentCounts(SegmentCountsSnapshot);
        metrics.ObserveWatermarks(WatermarksSnapshot);
        metrics.ObserveKpis(KpiSnapshot);
        _model = LoadModel(options.Detection, log);
    }

    /// <summary>Set for a replay: read this range of the inputs with fresh state, end the input, and stop.</summary>
    public ReplayPlan? ReplayRange { get; init; }

    /// <summary>Input records of the replay range handled so far (for progress).</summary>
    public long ReplayedRecords { get; private set; }

    /// <summary>Everything decided so far, per partition; read by the demo and tests after the loop stopped.</summary>
    public IReadOnlyDictionary<int, PartitionTask> Tasks => _tasks;

    /// <summary>Raised on the processing thread after each poll; tests and the demo use it to watch progress.</summary>
    public event Action<StreamProcessor>? Polled;

    /// <summary>Input events handled so far (read from any thread; counted by each task on its own thread).</summary>
    public long EventsProcessed => Interlocked.Read(ref _retiredEventsProcessed) + _taskSnapshot.Sum(t => t.EventsProcessed);

    // What the tasks that were dropped or replaced had counted.
    private long _retiredEventsProcessed;

    // Null when the polling thread runs the records itself (Kafka:ProcessingThreads 1, and every replay).
    private PartitionWorkers<TaskRecord>? _workers;
    private volatile PartitionTask[][] _tasksByWorker = [];
    private ConsumeResult<byte[], byte[]>?[] _lastHandledByWorker = [];

    /// <summary>
    /// As of the last commit: the event time of the oldest event consumed (and committed) but still waiting in an engine
    /// for the watermark, or <see cref="long.MaxValue"/> when none waits. Every event before it has been decided and its
    /// outputs committed.
    /// </summary>
    public long OldestUndecidedEventMs => Interlocked.Read(ref _oldestUndecidedMs);

    private long _oldestUndecidedMs = long.MaxValue;

    /// <summary>
    /// The input positions (next offset to read) the last successful commit stored, per topic and partition this
    /// instance owned then; empty before the first. Read from any thread: the bench times a run's end by it.
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, long> CommittedPositions => Volatile.Read(ref _committedPositions);

    private IReadOnlyDictionary<TopicPartition, long> _committedPositions = new Dictionary<TopicPartition, long>();

    /// <summary>Runs until <paramref name="stop"/> is cancelled. Blocking: call it on a thread of its own.</summary>
    public void Run(CancellationToken stop)
    {
        LibrdkafkaNative.EnsureLoaded();
        _health.SetStarting();
        _log.LogInformation("Connecting to {Bootstrap}; security.protocol={Protocol}; transactional.id={TransactionalId}",
            _options.Kafka.BootstrapServers, _options.Kafka.Properties.GetValueOrDefault("security.protocol", "plaintext"), TransactionalId);
        var adminConfig = ClientConfigs.Common(_options.Kafka);
        if (!UntilConnected(stop, "checking the topics", () => _partitionCount = TopicAdmin.EnsureTopics(_options, adminConfig, TimeSpan.FromSeconds(15)))) return;
        // A broker that does not answer DescribeConfigs quickly (the embedded one never does) is treated as the embedded one.
        _broker = BrokerTraits.Probe(adminConfig, _options.Topics.Changelog, TimeSpan.FromSeconds(2));
        _log.LogInformation("Inputs have {Partitions} partitions; broker: {Broker}; changelog {Changelog}: {Compaction}", _partitionCount, _broker, _options.Topics.Changelog,
            _broker.ChangelogCompacted ? "compacted" : $"full snapshots every {_options.Kafka.ChangelogSnapshotBytes} bytes");
        if (!UntilConnected(stop, "initialising transactions", () => _output = CreateOutput())) return;

        using var consumer = new ConsumerBuilder<byte[], byte[]>(ClientConfigs.Consumer(_options.Kafka, _options.Kafka.GroupId))
            .SetPartitionsAssignedHandler((c, parts) => OnAssigned(parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((c, parts) => OnLost(parts))
            .SetErrorHandler((_, e) => OnClientError("consumer", e))
            .SetLogHandler((_, m) => OnClientLog("consumer", m))
            .SetStatisticsHandler((_, json) => _consumerStatistics.Update(json))
            .Build();
        _consumer = consumer;
        using var workers = _options.Kafka.ProcessingThreads > 1 && ReplayRange is null
            ? new PartitionWorkers<TaskRecord>(_options.Kafka.ProcessingThreads, HandleOnWorker, ShareOnWorker)
            : null;
        _workers = workers;
        _lastHandledByWorker = new ConsumeResult<byte[], byte[]>?[workers?.Count ?? 0];
        consumer.Subscribe(_options.Topics.Subscribed);

        var lastCommit = Environment.TickCount64;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (workers is not null)
                    {
                        if (workers.Failed) QuiesceWorkers();
                        var next = consumer.Consume(TimeSpan.Zero);
                        if (next is null)
                        {
                            workers.Flush(); // nothing more right now: what was read goes to work before this thread waits
                            next = consumer.Consume(TimeSpan.FromMilliseconds(50));
                        }
                        if (next is not null)
                        {
                            Dispatch(next, workers);
                            _consumedSinceCommit = true;
                        }
                    }
                    else
                    {
                        var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                        if (result is not null)
                        {
                            Handle(result);
                            _consumedSinceCommit = true;
                        }
                        if (result is { IsPartitionEOF: false }) _lastHandled = result;
                        if (result is null || result.IsPartitionEOF || ++_handledSinceShare >= ShareWatermarksEvery)
                            ShareLocalWatermarks(_lastHandled);
                    }
                    if (ReplayRange is not null && ReplayReachedItsEnd())
                    {
                        FinishReplay();
                        break;
                    }
                    if (Environment.TickCount64 - lastCommit >= CommitIntervalNow())
                    {
                        // Once per commit tick (at most a second apart), not per event: the clock read showed in profiles.
                        _health.Heartbeat();
                        QuiesceWorkers();
                        if (_tasks.Count > 0)
                        {
                            EnsureTransaction();
                            AdvanceIdlePartitions();
                            ShareLocalWatermarks(trigger: null);
                            _lastHandled = null; // what the tick releases is not timed from a message
                            Array.Clear(_lastHandledByWorker);
                        }
                        Commit();
                        if (_tasks.Count > 0)
                        {
                            // What that commit covered can be claimed at once, first thing in the next transaction.
                            EnsureTransaction();
                            AnnounceWatermarks();
                        }
                        lastCommit = Environment.TickCount64;
                        _wallClockMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                        if (_consumedSinceCommit) _health.SetBrokerReachable(true);
                        _consumedSinceCommit = false;
                        _customersTracked = _taskSnapshot.Sum(t => t.Engine.CustomerCount);
                        Interlocked.Exchange(ref _oldestUndecidedMs, _tasks.Values
                            .Select(t => t.Engine.OldestBufferedMs).Where(ms => ms != CustomerProfile.None).DefaultIfEmpty(long.MaxValue).Min());
                    }
                }
                catch (KafkaException ex) when (_inTransaction && !(ex is ConsumeException))
                {
                    QuiesceWorkers(rethrow: false); // a failure on one worker: the others finish (into the doomed transaction) first
                    // A produce refused inside the transaction (it is in an abortable state): never skip past it.
                    _metrics.Transaction(TransactionOutcome.Aborted);
                    _log.LogWarning("Processing failed inside the transaction ({Reason}); aborting and rewinding", ex.Error.Reason);
                    AbortAndRewind(ex);
                }
                if (Polled is { } polled)
                {
                    QuiesceWorkers(); // what it reads of the tasks is then not changing under it
                    polled(this);
                }
            }
        }
        finally
        {
            _health.SetStopping();
            try
            {
                QuiesceWorkers(rethrow: false);
                if (_workers is { Failed: true }) _log.LogWarning("Stopping after a processing thread failed; committing what was handled before it");
                Commit();
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                _log.LogWarning("Stopping: {Reason}", ex.Error.Reason);
            }
            _output!.Dispose();
        }
    }

    /// <summary>
    /// <c>Kafka:CommitIntervalMs</c> while the service keeps up with its inputs; <c>Kafka:CatchUpCommitIntervalMs</c> while
    /// it works through a backlog (the last record of its own inputs it read was appended more than <c>Kafka:CatchUpAfterMs</c>
    /// ago). In between, half of how far behind it is (<see cref="CommitIntervals.For"/>): a service that falls behind
    /// under load spends less of its time committing and catches up, where a fixed short interval would keep it behind.
    /// Never shorter than the last commit's duration over <c>Kafka:CommitTimeShare</c>. Once every input partition it owns
    /// is at its end it has caught up: the short interval again.
    /// </summary>
    private long CommitIntervalNow() => CommitIntervals.For(_lastAppendAgeMs, _options.Kafka, _lastCommitMs);

    // How long the last commit took, in ms (0 before the first).
    private double _lastCommitMs;

    private bool _consumedSinceCommit;

    // How long before it was read the last record of an own input (not the repartition topic) had been appended (CreateTime or LogAppendTime), in ms.
    private long _lastAppendAgeMs;

    // The wall clock, read once per commit tick rather than per event (it showed in profiles): both of its uses, the
    // future-skew check (hours) and the catch-up detection (seconds), are coarse.
    private long _wallClockMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// Runs a start-up step until the cluster answers: an unreachable broker or a wrong credential gives one clear
    /// line per attempt and a non-ready service, not a crash loop. A configuration problem still stops the service.
    /// </summary>
    private bool UntilConnected(CancellationToken stop, string what, Action step)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                step();
                _health.SetBrokerReachable(true);
                return true;
            }
            catch (KafkaException ex)
            {
                _health.SetBrokerReachable(false, ex.Error.Reason);
                _health.SetNotReady($"{what}: {ex.Error.Reason}");
                _log.LogError("Kafka at {Bootstrap} not usable while {What}: {Reason}; retrying in {Delay} s",
                    _options.Kafka.BootstrapServers, what, ex.Error.Reason, delay.TotalSeconds);
            }
            for (var waited = TimeSpan.Zero; waited < delay && !stop.IsCancellationRequested; waited += TimeSpan.FromMilliseconds(200))
            {
                _health.Heartbeat();
                Thread.Sleep(200);
            }
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
        return false;
    }

    private void OnClientLog(string client, LogMessage m)
    {
        var level = (int)m.Level switch
        {
            <= 3 => LogLevel.Error,
            4 => LogLevel.Warning,
            5 or 6 => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        _log.Log(level, "librdkafka {Client} {Facility}: {Message}", client, m.Facility, m.Message);
    }

    /// <summary>The churn model of <c>Detection:Model:File</c>, or null: then the rules decide alone.</summary>
    private static ChurnModel? LoadModel(DetectionOptions detection, ILogger log)
    {
        if (string.IsNullOrWhiteSpace(detection.Model.File))
        {
            log.LogInformation("No churn model configured (Detection:Model:File): rules only, alerts carry no pAlive and no churn_risk fires");
            return null;
        }
        try
        {
            var model = ChurnModel.FromFile(ModelFile.ReadFile(detection.Model.File), detection.Model);
            log.LogInformation("Churn model loaded from {File}: {Model}", detection.Model.File, model.Describe());
            return model;
        }
        catch (Exception ex) when (ex is ModelFileException or IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException([$"Detection:Model:File '{detection.Model.File}' cannot be used: {ex.Message}"]);
        }
    }

    private IEnumerable<(string tier, string source, double churn, double retention, double winback)> KpiSnapshot()
    {
        var combined = KpiTracker.Combine(_taskSnapshot.Select(t => t.Kpis));
        foreach (var tier in combined.GroupBy(c => c.Tier))
        {
            var sum = tier.Aggregate(default(KpiCounts), (a, c) => a + c.Counts);
            yield return (tier.Key.Name(), "", sum.ChurnRate ?? double.NaN, sum.RetentionRate ?? double.NaN, sum.WinBackRate ?? double.NaN);
        }
        foreach (var cell in combined)
            yield return (cell.Tier.Name(), cell.Source.Name(), cell.Counts.ChurnRate ?? double.NaN, cell.Counts.RetentionRate ?? double.NaN, cell.Counts.WinBackRate ?? double.NaN);
    }

    private Dictionary<int, long>? _repartitionEnds;

    /// <summary>
    /// The replay's input ranges are read, and then the forwarded events those produced: the repartition topic is read
    /// up to where it stood once the inputs were done (after a commit, so everything forwarded is in it).
    /// </summary>
    private bool ReplayReachedItsEnd()
    {
        if (_tasks.Count == 0 || _tasks.Values.Any(t => t.Replaying)) return false;
        var inputs = _options.Topics.Inputs.ToList();
        foreach (var (tp, end) in ReplayRange!.End)
        {
            if (!_tasks.TryGetValue(tp.Partition.Value, out var task)) return false;
            var consumed = task.Inputs[tp.Topic == _options.Topics.Purchases ? 0 : 1].Consumed;
            if (end > ReplayRange.Start[tp].Value && consumed < end) return false;
        }
        if (_repartitionEnds is null)
        {
            EnsureTransaction();
            Commit();
            _repartitionEnds = [];
            foreach (var p in _tasks.Keys)
                _repartitionEnds[p] = RepartitionEndOf(p, TimeSpan.FromSeconds(10));
            return false;
        }
        return _repartitionEnds.All(e => _tasks[e.Key].Inputs[PartitionTask.RepartitionInput].Consumed >= e.Value || e.Value == 0);
    }

    /// <summary>The end of a bounded input: every partition applies what it buffered and fires its timers up to its last event.</summary>
    private void FinishReplay()
    {
        EnsureTransaction();
        foreach (var task in _tasks.Values.OrderBy(t => t.Partition)) task.Engine.Flush(task);
        Commit();
        _log.LogInformation("Replay finished: {Records} input records", ReplayedRecords);
    }

    /// <summary><c>{GroupId}-{InstanceId}</c>: stable per instance, so a restarted instance fences its own zombie.</summary>
    public string TransactionalId => $"{_options.Kafka.GroupId}-{InstanceId}";

    private string InstanceId => string.IsNullOrWhiteSpace(_options.Kafka.InstanceId)
        ? $"{Environment.MachineName}-{Environment.ProcessId}"
        : _options.Kafka.InstanceId;

    private OutputProducer CreateOutput()
    {
        var config = ClientConfigs.Producer(_options.Kafka);
        config.TransactionalId = TransactionalId;
        config.TransactionTimeoutMs = 60_000;
        config.MessageTimeoutMs = 60_000;
        // A broker that does not check producer sequences appends a retried batch behind later ones: one request at a time keeps the order.
        if (!_broker.KeepsProducerOrder && !_options.Kafka.Properties.ContainsKey("max.in.flight.requests.per.connection")) config.MaxInFlight = 1;
        // A catch-up transaction holds a second of outputs and changelog records; librdkafka's default queue is 100,000.
        if (!_options.Kafka.Properties.ContainsKey("queue.buffering.max.messages")) config.QueueBufferingMaxMessages = 2_000_000;
        var producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, e) => OnClientError("producer", e))
            .SetLogHandler((_, m) => OnClientLog("producer", m))
            .Build();
        producer.InitTransactions(TimeSpan.FromSeconds(60));
        LearnOutputTopics(producer);
        return new OutputProducer(producer, _options.Topics, _metrics);
    }

    /// <summary>
    /// Asks for the partitions of every topic the producer writes, before its first transaction. librdkafka holds the
    /// first record for a topic it has not seen yet until its next metadata scan (up to a second), and the commit that
    /// flushes it waits as long: on a fresh start every output topic cost one such wait.
    /// </summary>
    private void LearnOutputTopics(IProducer<byte[], byte[]> producer)
    {
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        foreach (var topic in _options.Topics.Produced)
        {
            try { admin.GetMetadata(topic, TimeSpan.FromSeconds(5)); }
            catch (KafkaException ex) { _log.LogDebug("No metadata for {Topic} yet ({Reason}); the first record will wait for it", topic, ex.Error.Reason); }
        }
    }

    private void EnsureTransaction()
    {
        if (_inTransaction) return;
        _output!.Producer.BeginTransaction();
        _inTransaction = true;
    }

    /// <summary>Hands a record to the worker of its partition's task (the transaction is open before any worker produces).</summary>
    private void Dispatch(ConsumeResult<byte[], byte[]> m, PartitionWorkers<TaskRecord> workers)
    {
        if (!_tasks.TryGetValue(m.Partition.Value, out var task)) return; // not ours any more (mid-rebalance)
        EnsureTransaction(); // an end of partition can release held records too
        workers.Dispatch(task.Partition, (task, m));
    }

    /// <summary>A record on its task's worker thread.</summary>
    private void HandleOnWorker(TaskRecord record)
    {
        var (task, m) = record;
        Handle(task, m);
        if (!m.IsPartitionEOF) _lastHandledByWorker[_workers!.WorkerOf(task.Partition)] = m;
    }

    /// <summary>
    /// After a batch on worker <paramref name="worker"/>: its tasks publish their live watermarks and go by everyone's
    /// (<see cref="ShareWatermarks"/>). When one of its watermarks moved, the other workers are nudged to look too, so
    /// a partition never waits for its next record or the commit tick to see another worker's progress.
    /// </summary>
    private void ShareOnWorker(int worker)
    {
        var mine = _tasksByWorker[worker];
        var moved = ShareWatermarks(mine, _taskSnapshot, _lastHandledByWorker[worker]);
        if (moved) _workers!.Nudge(except: worker);
    }

    /// <summary>
    /// Waits until every worker has handled what it was given, so the polling thread may read and change the tasks (a
    /// commit, a rebalance, a rewind); then raises a worker's failure here, where the loop aborts and rewinds.
    /// </summary>
    private void QuiesceWorkers(bool rethrow = true)
    {
        if (_workers is null) return;
        _workers.Quiesce();
        if (rethrow) _workers.ThrowIfFailed();
    }

    private void Handle(ConsumeResult<byte[], byte[]> m)
    {
        if (!_tasks.TryGetValue(m.Partition.Value, out var task)) return; // not ours any more (mid-rebalance)
        Handle(task, m);
    }

    private void Handle(PartitionTask task, ConsumeResult<byte[], byte[]> m)
    {
        if (m.Topic == _options.Topics.Customers)
        {
            if (!m.IsPartitionEOF) HandleCustomer(m, task);
            return;
        }
        var input = InputOf(m.Topic);
        if (m.IsPartitionEOF)
        {
            if (input == PartitionTask.RepartitionInput) task.NoteRepartitionRead(m.Offset.Value);
            task.EndReached(input);
            // Caught up: no backlog left to spread the commits' cost over, so what was read goes out within the short interval.
            if (input != PartitionTask.RepartitionInput && _tasks.Values.All(t => t.OwnInputsAtEnd)) _lastAppendAgeMs = 0;
            if (task.Replaying)
            {
                task.InputReplayed(input);
                if (!task.Replaying)
                    foreach (var (held, heldInput) in task.TakeHeld()) HandleInput(held, heldInput, task);
            }
            return;
        }
        EnsureTransaction();
        task.Trigger = m;
        try
        {
            HandleInput(m, input, task);
        }
        finally
        {
            task.Trigger = null;
        }
        if (input == PartitionTask.RepartitionInput) task.NoteRepartitionRead(m.Offset.Value + 1);
    }

    /// <summary>A record of the customers table: joined into the profile; a bad one goes to the DLQ like any input.</summary>
    private void HandleCustomer(ConsumeResult<byte[], byte[]> m, PartitionTask task)
    {
        EnsureTransaction();
        _metrics.EventConsumed(m.Topic);
        if (!CustomerAttributesParser.TryParse(m.Message.Key ?? [], m.Message.Value ?? [], out var attributes, out var rejection))
        {
            _output!.DeadLetter(m, rejection);
            return;
        }
        task.ApplyAttributes(m, attributes);
    }

    private void HandleInput(ConsumeResult<byte[], byte[]> m, int input, PartitionTask task)
    {
        var progress = task.Inputs[input];
        if (ReplayRange is { } plan && input != PartitionTask.RepartitionInput)
        {
            if (plan.End.TryGetValue(m.TopicPartition, out var end) && m.Offset.Value >= end) return; // past the replay's range
            ReplayedRecords++;
        }
        if (task.Replaying)
        {
            if (progress.IsReplaying(m.Offset.Value))
            {
                Replay(m, input, task);
                if (m.Offset.Value + 1 >= progress.ReplayUntil) task.InputReplayed(input);
            }
            else
            {
                // Past its replay range while another input still replays: wait, so the clock starts with the whole buffer.
                task.InputReplayed(input);
                task.Hold(m, input);
            }
            if (!task.Replaying)
                foreach (var (held, heldInput) in task.TakeHeld()) HandleInput(held, heldInput, task);
            return;
        }

        if (input == PartitionTask.RepartitionInput && TryWatermarkOf(m, out var source, out var watermark, out var epoch))
        {
            task.ObserveSourceEpoch(source, epoch);
            task.ObserveSourceWatermark(source, watermark);
            progress.Handled(m.Offset.Value);
            return;
        }

        _metrics.EventConsumed(m.Topic);
        // A forwarded event keeps its source record's timestamp: its age says how far behind the source was when it read it.
        if (input != PartitionTask.RepartitionInput && m.Message.Timestamp.Type != TimestampType.NotAvailable)
            _lastAppendAgeMs = _wallClockMs - m.Message.Timestamp.UnixTimestampMs;
        if (input == PartitionTask.RepartitionInput && TrySourceOf(m, out var sourceTopic, out var sourcePartition, out var sourceOffset, out var sourceCommitted))
        {
            if (_tasks.TryGetValue(sourcePartition, out var sourceTask)) sourceTask.InFlight.Received(task.Partition, InputOf(sourceTopic), sourceOffset);
            if (!task.Forwards.TryTake(sourceTopic, sourcePartition, sourceOffset, sourceCommitted))
            {
                _metrics.DuplicateEvent(); // forwarded again by a source that went back to its last committed state
                progress.Handled(m.Offset.Value);
                return;
            }
        }
        task.CountEvent();
        Route(m, input, task);
        progress.Handled(m.Offset.Value);
    }

    /// <summary>
    /// A message read again after a restore, from before the checkpoint: only an event that was still waiting in the
    /// buffer is accepted again; whatever else it caused (a forward, a dead letter, a late update) is already in
    /// the committed state and outputs.
    /// </summary>
    private void Replay(ConsumeResult<byte[], byte[]> m, int input, PartitionTask task)
    {
        if (input == PartitionTask.RepartitionInput && TryWatermarkOf(m, out _, out _, out _)) return;
        var contract = InputTopic.Purchases;
        if (input == PartitionTask.RepartitionInput && !TryContractOf(m, out contract)) return;
        if (input == PartitionTask.EngagementsInput) contract = InputTopic.Engagements;
        if (m.Message.Value is not { Length: > 0 } value || !_parser.TryParse(value, contract, out var evt, out _)) return;
        if (Murmur2Partitioner.PartitionFor(evt.CustomerId, _partitionCount) != m.Partition.Value) return;
        if (input != PartitionTask.RepartitionInput && !KeyIs(m.Message.Key, evt.CustomerId)) return;
        if (evt.OccurredAtMs < task.RestoredWatermark) return;
        task.Replayed(m, evt, input);
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
            && evt.OccurredAtMs > _wallClockMs + (long)(_options.Clock.MaxFutureSkewHours * EventTime.MillisPerHour))
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
                _output!.Repartition(m, evt.CustomerId, owner, contract, task.Inputs[input].CommittedConsumed);
                task.InFlight.Sent(owner, input, m.Offset.Value, evt.OccurredAtMs);
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

    private static bool TrySourceOf(ConsumeResult<byte[], byte[]> m, out string topic, out int partition, out long offset, out long committed)
    {
        topic = "";
        partition = -1;
        offset = -1;
        committed = -1;
        var h = m.Message.Headers;
        if (h is null || !h.TryGetLastBytes(HeaderNames.SourceTopic, out var t) || !h.TryGetLastBytes(HeaderNames.SourcePartition, out var p)
            || !h.TryGetLastBytes(HeaderNames.SourceOffset, out var o) || !h.TryGetLastBytes(HeaderNames.SourceCommitted, out var c)) return false;
        topic = Encoding.UTF8.GetString(t);
        return IsNumber(p, out partition) && IsNumber(o, out offset) && IsNumber(c, out committed);
    }

    private static bool TryWatermarkOf(ConsumeResult<byte[], byte[]> m, out int source, out SourceWatermark watermark, out long epoch)
    {
        source = -1;
        watermark = SourceWatermark.Unknown;
        epoch = 0;
        var h = m.Message.Headers;
        if (h is null || !h.TryGetLastBytes(HeaderNames.Watermark, out var w) || !h.TryGetLastBytes(HeaderNames.WatermarkSource, out var s)
            || !IsNumber(s, out source)) return false;
        if (h.TryGetLastBytes(HeaderNames.WatermarkEpoch, out var e) && !IsNumber(e, out epoch)) epoch = 0; // none before this header existed
        var idle = h.TryGetLastBytes(HeaderNames.WatermarkStatus, out var status) && status.AsSpan().SequenceEqual("idle"u8);
        // "idle" as the watermark itself: a source without any event of its own (and the format before the status header)
        if (w.AsSpan().SequenceEqual("idle"u8)) { watermark = new SourceWatermark(long.MinValue, true); return true; }
        if (!IsNumber(w, out long ms)) return false;
        watermark = new SourceWatermark(ms, idle);
        return true;
    }

    /// <summary>A header value that is a decimal number and nothing else.</summary>
    private static bool IsNumber(byte[] text, out long value) => Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;

    private static bool IsNumber(byte[] text, out int value) => Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;

    private const int ShareWatermarksEvery = PartitionWorkers<TaskRecord>.BatchSize; // as often as the workers share
    private int _handledSinceShare;
    private ConsumeResult<byte[], byte[]>? _lastHandled; // the latest message since the last commit tick, if any

    /// <summary>
    /// Each partition of this instance lets the others (and itself) go by its live watermark
    /// (<see cref="PartitionTask.ShareWatermarkWith"/>): events read here wait for the repartition topic's watermark,
    /// which the announcements alone move once per commit and a round trip, i.e. one to three commit intervals; in a
    /// backlog a whole interval of events then waits in the buffers. Every <see cref="ShareWatermarksEvery"/> messages
    /// (on worker threads: after each batch, <see cref="ShareOnWorker"/>), whenever the consumer has nothing new (so the
    /// last events before a pause are not kept waiting) and at each commit tick. Outputs it releases are timed from
    /// <paramref name="trigger"/>'s append (the latest message handled, so the processing-latency metric keeps its samples).
    /// </summary>
    private void ShareLocalWatermarks(ConsumeResult<byte[], byte[]>? trigger)
    {
        _handledSinceShare = 0;
        var tasks = _taskSnapshot; // the tasks of _tasks, as an array
        if (tasks.Length == 0) return;
        EnsureTransaction();
        ShareWatermarks(tasks, tasks, trigger);
    }

    /// <summary>
    /// <paramref name="mine"/> (the tasks of the calling thread) publish their live watermarks, then each of them goes by
    /// the published watermark of every task in <paramref name="all"/>. True when one of the published watermarks moved.
    /// </summary>
    private static bool ShareWatermarks(PartitionTask[] mine, PartitionTask[] all, ConsumeResult<byte[], byte[]>? trigger)
    {
        var moved = false;
        foreach (var task in mine)
            if (!task.Replaying) moved |= task.PublishWatermark();
        foreach (var target in mine)
        {
            if (target.Replaying) continue;
            foreach (var source in all)
                if (!source.Replaying && source.CanShareWith(target)) source.ShareWatermarkWith(target);
            target.Trigger = trigger;
            try
            {
                target.ApplySharedWatermarks();
            }
            finally
            {
                target.Trigger = null;
            }
        }
        return moved;
    }

    /// <summary>Each partition tells every partition of the repartition topic how far its own inputs have come.</summary>
    private void AnnounceWatermarks()
    {
        foreach (var task in _tasks.Values.Where(t => !t.Replaying))
        {
            var before = task.AnnouncedIdle;
            if (task.NextMarker() is not { } w) continue;
            if (w.Idle != before)
                _log.LogInformation(w.Idle
                        ? "Partition {Partition}: every input at its end; it announces idle at {Watermark} and holds back no partition it forwards to"
                        : "Partition {Partition}: active again at {Watermark}",
                    task.Partition, w.Watermark == long.MinValue ? "none" : EventTime.Format(w.Watermark));
            for (var p = 0; p < _partitionCount; p++) _output!.WatermarkMarker(p, task.Partition, w, task.Epoch);
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
        var tick = Environment.TickCount64;
        foreach (var task in _tasks.Values) task.NoteWallClock(tick);
        foreach (var task in _tasks.Values.Where(t => !t.Replaying)) task.MarkIdleInputs(_options.Clock.IdleInputAfterMs, _options.Clock.IdlePartitionAfterMs);
        if (!_options.Clock.IdleAdvance) return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var task in _tasks.Values.Where(t => !t.Replaying))
        {
            var quietFor = tick - task.LastEventWallMs;
            var live = task.Engine.MaxEventTime != long.MinValue && task.Engine.MaxEventTime > now - EventTime.MillisPerDay;
            if (live && quietFor >= _options.Clock.IdleAdvanceAfterSeconds * 1000L)
                task.AdvanceWatermark(now - _latenessMs);
        }
    }

    /// <summary>
    /// Ends the open transaction: each task's changelog batch, the consumed positions (for the group), then commit.
    /// A failure aborts it and rewinds every task to the last committed state, never skipping input.
    /// </summary>
    private void Commit()
    {
        if (_output is null || !_inTransaction || _consumer is null) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var inputs = _options.Topics.Inputs.ToList();
            var offsets = new List<TopicPartitionOffset>();
            foreach (var task in _tasks.Values)
            {
                task.WriteChangelog(inputs, _broker.ChangelogCompacted ? null : _options.Kafka.ChangelogSnapshotBytes);
                for (var i = 0; i < inputs.Count; i++)
                    if (task.Inputs[i].Consumed >= 0)
                        offsets.Add(new TopicPartitionOffset(inputs[i], task.Partition, task.Inputs[i].Consumed));
            }
            if (offsets.Count > 0)
                _output.Producer.SendOffsetsToTransaction(offsets, _consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
            _output.Producer.CommitTransaction(TimeSpan.FromSeconds(30));
            _inTransaction = false;
            foreach (var task in _tasks.Values) task.Committed();
            CommitPlainly(offsets);
            Volatile.Write(ref _committedPositions, offsets.ToDictionary(o => o.TopicPartition, o => o.Offset.Value));
            _metrics.Transaction(TransactionOutcome.Committed);
            var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            _lastCommitMs = took.TotalMilliseconds;
            _metrics.CommitDuration(took);
            _metrics.OffsetCommit(OffsetCommitOutcome.Success);
        }
        catch (KafkaException ex)
        {
            _metrics.Transaction(TransactionOutcome.Aborted);
            _metrics.OffsetCommit(OffsetCommitOutcome.Failure);
            _log.LogWarning("Transaction failed ({Reason}); aborting and rewinding to the last committed state", ex.Error.Reason);
            AbortAndRewind(ex);
        }
    }

    /// <summary>
    /// The same positions, committed once more outside the transaction: identical on a real cluster (where the
    /// transaction stored them), and the only record of them on a broker whose TxnOffsetCommit stores nothing (the
    /// embedded one), for lag monitoring. The restore never relies on them: it resumes from the changelog checkpoint.
    /// </summary>
    private void CommitPlainly(List<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0) return;
        try { _consumer!.Commit(offsets); }
        catch (KafkaException ex) { _log.LogDebug("Plain offset commit failed: {Reason}", ex.Error.Reason); }
    }

    private void AbortAndRewind(KafkaException cause)
    {
        try
        {
            if (cause is KafkaTxnRequiresAbortException || !cause.Error.IsFatal) _output!.Producer.AbortTransaction(TimeSpan.FromSeconds(30));
            else throw cause;
        }
        catch (KafkaException)
        {
            // Fatal (fenced, or the producer is unusable): a new producer with the same transactional id fences the old one.
            _log.LogWarning("Re-creating the transactional producer");
            _output!.Dispose();
            _output = CreateOutput();
            foreach (var task in _tasks.Values) task.UseOutput(_output);
        }
        _inTransaction = false;
        RestoreTasks(_tasks.Keys.ToList(), seek: true);
    }

    private List<TopicPartitionOffset> OnAssigned(List<TopicPartition> partitions)
    {
        QuiesceWorkers(rethrow: false);
        _metrics.Rebalance(RebalanceKind.Assigned);
        var restored = RestoreTasks(partitions.Select(p => p.Partition.Value).Distinct().Where(p => !_tasks.ContainsKey(p)).ToList(), seek: false);
        _log.LogInformation("Assigned partitions {Partitions}", string.Join(",", _tasks.Keys.Order()));
        _health.SetReady();
        return partitions.Select(tp => new TopicPartitionOffset(tp,
            // The customers table is read from its start on every assignment: re-applying it is idempotent (latest wins).
            tp.Topic == _options.Topics.Customers ? Offset.Beginning
            : ReplayRange is { } plan ? plan.Start.TryGetValue(tp, out var start) ? start : Offset.Beginning
            : restored.TryGetValue(tp.Partition.Value, out var r) ? PartitionTask.ResumeOffset(r, tp.Topic) : Offset.Unset)).ToList();
    }

    /// <summary>
    /// Rebuilds the tasks of <paramref name="partitions"/> from the changelog, before any of their events is processed;
    /// with <paramref name="seek"/>, moves the consumer back to where each must resume.
    /// </summary>
    private Dictionary<int, RestoredPartition> RestoreTasks(IReadOnlyList<int> partitions, bool seek)
    {
        var result = new Dictionary<int, RestoredPartition>();
        if (partitions.Count == 0) return result;
        _health.SetRestoring($"partitions {string.Join(",", partitions)}");
        _metrics.StateRestoreStarted();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var inputs = _options.Topics.Inputs.ToList();
        var logs = ReplayRange is not null && !seek
            ? partitions.ToDictionary(p => p, _ => new RestoredPartition(new Dictionary<string, byte[]>(), null, null, 0)) // a replay starts from fresh state
            : ChangelogRestorer.ReadAll(_options.Kafka, _options.Topics.Changelog, partitions, brokerHidesAborted: _broker.HidesAbortedTransactions,
                TimeSpan.FromSeconds(_options.Kafka.RestoreTimeoutSeconds));
        var generation = ++_taskGeneration;
        foreach (var p in partitions)
        {
            _health.Heartbeat();
            var restored = logs[p];
            var task = new PartitionTask(p, _partitionCount, _options.Detection, _model, _output!, _metrics) { Generation = generation };
            task.Restore(restored, inputs);
            if (_tasks.TryGetValue(p, out var replaced)) Interlocked.Add(ref _retiredEventsProcessed, replaced.EventsProcessed);
            _tasks[p] = task;
            result[p] = restored;
            if (seek)
            {
                if (!string.IsNullOrEmpty(_options.Topics.Customers))
                    _consumer!.Seek(new TopicPartitionOffset(_options.Topics.Customers, p, Offset.Beginning));
                foreach (var topic in inputs)
                {
                    var offset = PartitionTask.ResumeOffset(restored, topic);
                    var tp = new TopicPartition(topic, p);
                    if (offset != Offset.Unset) _consumer!.Seek(new TopicPartitionOffset(tp, offset));
                    else
                    {
                        var committed = _consumer!.Committed([tp], TimeSpan.FromSeconds(10)).Single().Offset;
                        _consumer.Seek(new TopicPartitionOffset(tp, committed.Value >= 0 ? committed : Offset.Beginning));
                    }
                }
            }
            _log.LogInformation("Restored partition {Partition}: {Customers} customers from {Records} changelog records", p, restored.Profiles.Count, restored.RecordsRead);
        }
        LearnRepartitionEnds(generation);
        PublishTasks();
        _metrics.StateRestoreCompleted(started.Elapsed);
        _health.SetReady();
        return result;
    }

    private int _taskGeneration;

    /// <summary>
    /// Tells every task where its repartition partition ends now, after the tasks of <paramref name="generation"/> were
    /// created (<see cref="PartitionTask.ExpectRepartitionEnd"/>): once a task has read that far, its partitions of this
    /// instance share their live watermarks with it at once. If the broker does not answer, sharing waits for each
    /// source's first watermark record instead, as before.
    /// </summary>
    private void LearnRepartitionEnds(int generation)
    {
        try
        {
            foreach (var task in _tasks.Values)
                task.ExpectRepartitionEnd(RepartitionEndOf(task.Partition, TimeSpan.FromSeconds(5)), generation);
        }
        catch (KafkaException ex)
        {
            _log.LogInformation("No end offset of {Topic} ({Reason}); partitions share their watermarks after their first commit", _options.Topics.Repartition, ex.Error.Reason);
        }
    }

    /// <summary>The end (high watermark) of <paramref name="partition"/> of the repartition topic, as the broker has it now.</summary>
    private long RepartitionEndOf(int partition, TimeSpan timeout) =>
        _consumer!.QueryWatermarkOffsets(new TopicPartition(_options.Topics.Repartition, partition), timeout).High.Value;

    private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        QuiesceWorkers(rethrow: false); // a failure stays pending: the commit below fails with it and rewinds
        _metrics.Rebalance(RebalanceKind.Revoked);
        if (_tasks.Count > 0) EnsureTransaction();
        Commit();
        DropTasks(partitions.Select(p => p.Partition.Value));
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        QuiesceWorkers(rethrow: false);
        _metrics.Rebalance(RebalanceKind.Lost);
        if (_inTransaction)
        {
            try { _output!.Producer.AbortTransaction(TimeSpan.FromSeconds(30)); }
            catch (KafkaException ex) { _log.LogWarning("Aborting after losing partitions failed: {Reason}", ex.Error.Reason); }
            _inTransaction = false;
        }
        DropTasks(partitions.Select(p => p.Partition.Value));
    }

    private void DropTasks(IEnumerable<int> partitions)
    {
        foreach (var p in partitions.Distinct().ToList())
            if (_tasks.Remove(p, out var dropped)) Interlocked.Add(ref _retiredEventsProcessed, dropped.EventsProcessed);
        PublishTasks();
        if (_tasks.Count == 0 && _health.Phase != HealthPhase.Stopping) _health.SetNotReady("no partitions assigned");
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
        if (_workers is { } workers)
            _tasksByWorker = Enumerable.Range(0, workers.Count).Select(w => _taskSnapshot.Where(t => workers.WorkerOf(t.Partition) == w).ToArray()).ToArray();
        _assignedPartitions = _tasks.Count;
    }

    private IEnumerable<(string dimension, string segment, long count)> SegmentCountsSnapshot()
    {
        var tasks = _taskSnapshot;
        foreach (var (dimension, segment, index) in SegmentCensus.All())
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
