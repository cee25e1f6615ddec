using Confluent.Kafka;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Kpi;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Time;
using ChurnStream.Domain.Profiles;
using ChurnStream.Kafka.State;
using ChurnStream.Observability;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// The processor of one partition number: partition p of every input topic feeds one <see cref="PartitionEngine"/>,
/// whose decisions go straight to the output producer.
/// </summary>
public sealed class PartitionTask : IDecisionSink
{
    public const int PurchasesInput = 0, EngagementsInput = 1, RepartitionInput = 2;

    private OutputProducer _output;
    private readonly ChurnStreamMetrics _metrics;
    private readonly long[] _segmentCounts = new long[SegmentCensus.Size];
    private readonly KpiTracker _kpis = new();
    private ConsumeResult<byte[], byte[]>? _current;
    private CustomerEvent? _currentEvent;

    private readonly SourceWatermarkValve _sources;
    private SourceWatermark? _lastMarker;

    private readonly BucketClock _clock;

    public PartitionTask(int partition, int partitionCount, DetectionOptions detection, ChurnModel? model, OutputProducer output, ChurnStreamMetrics metrics)
    {
        Partition = partition;
        Engine = new PartitionEngine(detection, inputCount: 3, model);
        Engine.DriveByWatermarks(RepartitionInput);
        Engine.TrackChanges();
        _clock = new BucketClock(detection);
        _sources = new SourceWatermarkValve(partitionCount);
        _sourceEpochs = new long[partitionCount];
        InFlight = new ForwardsInFlight(partitionCount);
        _output = output;
        _metrics = metrics;
    }

    /// <summary>
    /// This incarnation of the task (a new one at every restore, rewind or assignment), on its watermark records. A
    /// partition that has read a record of this epoch has read everything earlier incarnations forwarded to it.
    /// </summary>
    public long Epoch { get; } = Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>What this task has forwarded that its targets have not taken in yet.</summary>
    public ForwardsInFlight InFlight { get; }

    private readonly long[] _sourceEpochs;

    /// <summary>A watermark record of <paramref name="source"/>'s incarnation <paramref name="epoch"/> arrived here.</summary>
    public void ObserveSourceEpoch(int source, long epoch)
    {
        if ((uint)source < (uint)_sourceEpochs.Length) _sourceEpochs[source] = epoch;
    }

    /// <summary>
    /// <paramref name="target"/> has read a watermark record of this incarnation, or its repartition partition up to the
    /// end measured after this task was created (<see cref="ExpectRepartitionEnd"/>), so everything earlier incarnations
    /// forwarded to it is behind it: from then on it may go by this task's live watermark (<see cref="ShareWatermarkWith"/>).
    /// </summary>
    public bool CanShareWith(PartitionTask target) =>
        target._sourceEpochs[Partition] == Epoch || Generation <= target.CaughtUpGeneration();

    /// <summary>
    /// The tasks created together (an assignment, a rewind) share a generation; a later set has a higher one. See
    /// <see cref="ExpectRepartitionEnd"/>.
    /// </summary>
    public int Generation { get; init; }

    private sealed record RepartitionEnd(long Offset, int Generation);

    private RepartitionEnd? _repartitionEnd; // written by the polling thread, read on this task's thread
    private long _repartitionReadTo; // the next offset of the repartition partition to read (0: nothing known read)
    private int _caughtUpGeneration = -1;

    /// <summary>
    /// The end of this partition of the repartition topic, measured after every task of <paramref name="generation"/>
    /// and before was created: whatever their earlier incarnations forwarded here lies before it. Once this task has
    /// read that far, those sources may share their live watermarks with it (<see cref="CanShareWith"/>) without
    /// waiting for a watermark record of their new epoch, which comes only after their first commit and behind
    /// everything the consumer prefetched before it (in a backlog, up to a second of reading).
    /// </summary>
    public void ExpectRepartitionEnd(long endOffset, int generation) =>
        Volatile.Write(ref _repartitionEnd, new RepartitionEnd(endOffset, generation));

    /// <summary>This task has read its repartition partition up to <paramref name="nextOffset"/> (exclusive). On its own thread.</summary>
    public void NoteRepartitionRead(long nextOffset)
    {
        if (nextOffset > _repartitionReadTo) _repartitionReadTo = nextOffset;
    }

    // On this task's thread: the newest generation whose sources' earlier forwards are all read here.
    private int CaughtUpGeneration()
    {
        if (Volatile.Read(ref _repartitionEnd) is { } end && end.Generation > _caughtUpGeneration && _repartitionReadTo >= end.Offset)
            _caughtUpGeneration = end.Generation;
        return _caughtUpGeneration;
    }

    /// <summary>
    /// Lets <paramref name="target"/>, a partition of the same instance, go by this partition's live watermark instead of
    /// the one it announces at each commit: what the announcement promises (no more forwards before it), this task knows
    /// directly, without waiting for a commit and a record's round trip. Only when <see cref="CanShareWith"/>, and never
    /// past an event still in flight to the target. Announcements go on as before: for other instances and after a
    /// restart. It goes by what this task last <see cref="PublishWatermark">published</see>, so the target may be on
    /// another worker thread: the forwards a published watermark covers were recorded in <see cref="InFlight"/> before it.
    /// The target takes it in at its next <see cref="ApplySharedWatermarks"/>, once for all its sources.
    /// </summary>
    public void ShareWatermarkWith(PartitionTask target)
    {
        var published = Volatile.Read(ref _published).Value;
        if (published.Watermark == CustomerProfile.None) return;
        var inFlight = InFlight.EarliestTo(target.Partition);
        target.OfferSourceWatermark(Partition, inFlight == long.MaxValue
            ? published
            : new SourceWatermark(Math.Min(published.Watermark, inFlight), Idle: false));
    }

    // What a source shared: taken in at once, applied at the next ApplySharedWatermarks (once for all sources).
    private void OfferSourceWatermark(int source, SourceWatermark shared)
    {
        if (_sources.Observe(source, shared)) _sharedSinceApplied = true;
    }

    private bool _sharedSinceApplied;

    /// <summary>Moves the repartition input by what its sources shared since the last call (<see cref="ShareWatermarkWith"/>).</summary>
    public void ApplySharedWatermarks()
    {
        if (!_sharedSinceApplied) return;
        _sharedSinceApplied = false;
        ApplySourceWatermarks();
    }

    /// <summary>
    /// Makes this task's live watermark (<see cref="PartitionEngine.OwnInputsWatermark"/>) and idleness visible to
    /// <see cref="ShareWatermarkWith"/> on any thread. Called on the task's own thread, after the records it covers.
    /// True when it changed.
    /// </summary>
    public bool PublishWatermark()
    {
        var current = new SourceWatermark(Engine.OwnInputsWatermark, _partitionIdle);
        if (current == _published.Value) return false;
        Volatile.Write(ref _published, new Published(current));
        return true;
    }

    /// <summary>Input events this task has handled (counted on its own thread, read from any).</summary>
    public long EventsProcessed => Volatile.Read(ref _eventsProcessed);

    private long _eventsProcessed;

    public void CountEvent() => _eventsProcessed++;

    // A reference, so that another thread reads the watermark and its idleness together.
    private sealed record Published(SourceWatermark Value);

    private Published _published = new(new SourceWatermark(CustomerProfile.None, false));

    /// <summary>After the producer was re-created.</summary>
    public void UseOutput(OutputProducer output) => _output = output;

    /// <summary>Per input (purchases, engagements, repartition): what was consumed and what still waits in the buffer.</summary>
    public InputProgress[] Inputs { get; } = [new(), new(), new()];

    /// <summary>The watermark of the checkpoint this task was restored from: replayed events at or after it were still buffered.</summary>
    public long RestoredWatermark { get; private set; } = long.MinValue;

    /// <summary>The forwarded events taken in so far, per source: a copy forwarded again is dropped.</summary>
    public ForwardedEvents Forwards { get; } = new();

    /// <summary>The last batch known to be committed (written by this task, or restored).</summary>
    public ChangelogBatch? LastCommitted { get; private set; }

    /// <summary>Adopts the state a changelog held: profiles, the engine's clock, the repartition sources' watermarks, the positions.</summary>
    public void Restore(RestoredPartition restored, IReadOnlyList<string> inputTopics)
    {
        foreach (var (customer, bytes) in restored.Profiles)
        {
            var profile = ProfileCodec.Decode(customer, bytes, _clock);
            Engine.Restore(profile);
            if (profile.HasSegments)
            {
                // The segment mix and KPIs start from the restored customers (what they were, not how they got there).
                var initial = new SegmentChange(customer, 0, SegmentPolicy.Diff(null, profile.Segments), profile.Segments);
                SegmentCensus.Apply(_segmentCounts, initial);
                _kpis.Apply(initial);
            }
        }
        Engine.TakeChanged();
        LastCommitted = restored.Batch;
        if (restored.Checkpoint is not { } c) return;
        RestoredWatermark = c.Watermarks.Watermark;
        _sources.Restore(c.SourceWatermarks);
        for (var input = 0; input < Inputs.Length; input++)
        {
            var topic = inputTopics[input];
            if (c.Positions.TryGetValue(ConsumedKey(topic), out var consumed))
                Inputs[input].RestoreFrom(consumed);
        }
        Forwards.ReadFrom(c.Positions);

        // The events that were waiting in the buffer are read again first; the clock starts once all of them are back.
        _pendingClock = c.Watermarks;
        for (var input = 0; input < Inputs.Length; input++)
            _replayDone[input] = !(c.Positions.TryGetValue(ResumeKey(inputTopics[input]), out var resume) && resume < Inputs[input].ReplayUntil);
        if (!_replayDone.Contains(false)) FinishReplay();
    }

    private EngineWatermarks? _pendingClock;
    private readonly List<CustomerEvent> _replayed = [];
    private readonly List<(ConsumeResult<byte[], byte[]> Message, int Input)> _held = [];
    private readonly bool[] _replayDone = new bool[3];

    /// <summary>Restored, and still reading again the events that were waiting for the watermark at the checkpoint.</summary>
    public bool Replaying => _pendingClock is not null;

    /// <summary>An event that was still buffered at the checkpoint, read again.</summary>
    public void Replayed(ConsumeResult<byte[], byte[]> source, CustomerEvent evt, int input)
    {
        Inputs[input].Buffered(source.Offset.Value, evt.OccurredAtMs);
        _replayed.Add(evt);
    }

    public void Hold(ConsumeResult<byte[], byte[]> message, int input) => _held.Add((message, input));

    public void InputReplayed(int input)
    {
        _replayDone[input] = true;
        if (Replaying && !_replayDone.Contains(false)) FinishReplay();
    }

    /// <summary>The messages that arrived past their replay range while others still replayed, in arrival order.</summary>
    public List<(ConsumeResult<byte[], byte[]> Message, int Input)> TakeHeld()
    {
        var held = _held.ToList();
        _held.Clear();
        return held;
    }

    private void FinishReplay()
    {
        Engine.RestoreClock(_pendingClock!, _replayed);
        _pendingClock = null;
        _replayed.Clear();
    }

    /// <summary>
    /// Where an input must be read from after a restore: the checkpoint's resume position; the start when the
    /// checkpoint has none for it or the changelog held no batch it could trust; else (no changelog at all) the
    /// group's committed offset, or the earliest.
    /// </summary>
    public static Offset ResumeOffset(RestoredPartition restored, string topic) =>
        restored.Checkpoint is { } c && c.Positions.TryGetValue(ResumeKey(topic), out var o) && o >= 0 ? new Offset(o)
        // A checkpoint without this input: the partition had read nothing of it then, so all of it is still to read
        // (the group's committed offset may be ahead: it can come from a later commit that the restore went back past).
        : restored.Checkpoint is not null || restored.ReadFromStart ? Offset.Beginning
        : Offset.Unset;

    /// <summary>
    /// Writes this task's state to the changelog in the open transaction: a checkpoint record (positions, clock,
    /// sources' watermarks), then every profile changed since the last batch.
    /// </summary>
    public void WriteChangelog(IReadOnlyList<string> inputTopics, long? snapshotEveryBytes)
    {
        IReadOnlyList<CustomerProfile> changed = Engine.TakeChanged();
        // No compaction here: now and then write everything again, so the recent log alone is the whole state. Only after
        // as many bytes of changes as the last snapshot took (at least snapshotEveryBytes): the snapshot's own bytes do not
        // count, or a partition whose state outgrew the threshold would rewrite all of it at every commit.
        var snapshot = snapshotEveryBytes is { } every && _bytesSinceSnapshot >= Math.Max(every, _lastSnapshotBytes);
        if (snapshot) changed = Engine.Profiles.Values.ToList();
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var input = 0; input < Inputs.Length; input++)
        {
            if (Inputs[input].Consumed < 0) continue;
            positions[ConsumedKey(inputTopics[input])] = Inputs[input].Consumed;
            positions[ResumeKey(inputTopics[input])] = Inputs[input].ResumeFrom(Engine.Watermark);
        }
        Forwards.WriteTo(positions);
        var checkpoint = new PartitionCheckpoint(positions, Engine.ExportWatermarks(), [], _sources.Export());
        var batch = new ChangelogBatch((LastCommitted?.Sequence ?? 0) + 1, Random.Shared.NextInt64());
        var header = new ChangelogBatchHeaders(batch.ToBytes());
        _output.ChangelogCheckpoint(Partition, PositionsCodec.KeyFor(Partition), PositionsCodec.Encode(checkpoint), header, changed.Count, LastCommitted);
        long written = 0;
        foreach (var p in changed)
        {
            var bytes = ProfileCodec.Encode(p, _clock);
            written += bytes.Length + p.CustomerId.Length;
            _output.ChangelogProfile(Partition, p.CustomerId, bytes, header);
        }
        if (snapshot)
        {
            _lastSnapshotBytes = written;
            _bytesSinceSnapshot = 0;
        }
        else
        {
            _bytesSinceSnapshot += written;
        }
        _pending = batch;
    }

    // A restored task starts with a snapshot, whatever the log it was restored from held.
    private long _bytesSinceSnapshot = long.MaxValue / 2;
    private long _lastSnapshotBytes;
    private ChangelogBatch? _pending;

    /// <summary>The open transaction committed: its batch is now the one the next follows.</summary>
    public void Committed()
    {
        if (_pending is { } b) LastCommitted = b;
        _pending = null;
        foreach (var input in Inputs) input.Committed();
        if (!Replaying) _claimableMarker = CurrentMarker();
    }

    private static string ConsumedKey(string topic) => "consumed:" + topic;
    private static string ResumeKey(string topic) => "resume:" + topic;

    /// <summary>
    /// A watermark record from partition <paramref name="source"/> arrived on this partition of the repartition
    /// topic. The repartition input advances to the smallest watermark over the sources that are not idle (as Flink
    /// combines the watermarks of a shuffle), so forwarded events are applied in event-time order with the local ones.
    /// </summary>
    public void ObserveSourceWatermark(int source, SourceWatermark announced)
    {
        if (_sources.Observe(source, announced)) ApplySourceWatermarks();
    }

    private void ApplySourceWatermarks()
    {
        var combined = _sources.Combined;
        if (combined == SourceWatermark.Unknown) return; // an active source has not spoken yet
        Engine.ObserveInputWatermark(RepartitionInput, combined.Watermark, this, combined.Idle);
    }

    /// <summary>What the repartition topic's sources last announced to this partition.</summary>
    public SourceWatermark[] SourceWatermarks => _sources.Export();

    /// <summary>
    /// What this partition announces to every partition of the repartition topic, when it changed since the last
    /// announcement; null when there is nothing new to say. Its own inputs' watermark, and whether all of them are
    /// idle (then it holds no partition back, as an idle Flink source does not). Asked once per commit, so the records
    /// cost partitions² per commit interval at most.
    /// <para>
    /// It claims only what the <b>last commit</b> covered: every event forwarded before that commit is in the
    /// repartition log ahead of the record. Claiming the live watermark would be wrong on a broker that shows aborted
    /// transactions (the embedded one): a refused produce request can lose forwards of the open transaction while the
    /// record, sent after them, lands; their copies, forwarded again after the rewind, would then arrive late.
    /// </para>
    /// </summary>
    public SourceWatermark? NextMarker()
    {
        if (_claimableMarker is not { } m || m == _lastMarker) return null;
        if (m == SourceWatermark.Unknown) return null; // nothing to promise yet
        _lastMarker = m;
        return m;
    }

    private SourceWatermark? _claimableMarker;

    /// <summary>Whether the last announcement said idle.</summary>
    public bool AnnouncedIdle => _lastMarker?.Idle ?? false;

    private SourceWatermark CurrentMarker() => new(Engine.OwnInputsWatermark, _partitionIdle);

    public int Partition { get; }
    public PartitionEngine Engine { get; }
    /// <summary>
    /// When this partition last had an event (<see cref="Environment.TickCount64"/>), to the precision of the commit tick:
    /// an event only raises a flag, and <see cref="NoteWallClock"/> turns it into a time. Reading the clock for every
    /// event showed in profiles of the processing thread; its one use (idle advance, in seconds) needs no more.
    /// </summary>
    public long LastEventWallMs { get; private set; } = Environment.TickCount64;

    private bool _eventSinceClockNoted;

    /// <summary>Called at each commit tick with the tick's clock: the time of the partition's latest event, if it had one since.</summary>
    public void NoteWallClock(long nowMs)
    {
        if (!_eventSinceClockNoted) return;
        LastEventWallMs = nowMs;
        _eventSinceClockNoted = false;
    }
    public ReadOnlySpan<long> SegmentCounts => _segmentCounts;
    public KpiTracker Kpis => _kpis;

    /// <summary>A record of the <c>customers</c> table: joined into the profile (latest wins), not an event.</summary>
    public void ApplyAttributes(ConsumeResult<byte[], byte[]> source, CustomerAttributes attributes)
    {
        _current = source;
        try { Engine.ApplyAttributes(attributes, this); }
        finally { _current = null; }
    }

    public void Accept(ConsumeResult<byte[], byte[]> source, CustomerEvent evt, int input)
    {
        if (Engine.Watermark == long.MinValue || evt.OccurredAtMs >= Engine.Watermark)
            Inputs[input].Buffered(source.Offset.Value, evt.OccurredAtMs);
        _current = source;
        _currentEvent = evt;
        _eventSinceClockNoted = true;
        _endReachedAt[input] = 0;
        if (input != RepartitionInput) _partitionIdle = false;
        try
        {
            Engine.Accept(evt, input, this);
        }
        finally
        {
            _current = null;
            _currentEvent = null;
        }
    }

    private readonly long[] _endReachedAt = new long[3];

    /// <summary>The consumer reached the end of this input's partition.</summary>
    public void EndReached(int input)
    {
        if (input == RepartitionInput) return; // its progress comes from watermark records, not from being at the end
        if (_endReachedAt[input] == 0) _endReachedAt[input] = Environment.TickCount64;
    }

    /// <summary>Both own inputs at their end since their last event: nothing of this partition's is waiting to be read.</summary>
    public bool OwnInputsAtEnd => _endReachedAt[PurchasesInput] != 0 && _endReachedAt[EngagementsInput] != 0;

    /// <summary>
    /// An input that has stayed at its end for <paramref name="idleAfterMs"/> stops holding the watermark back. A
    /// momentary end (the consumer caught up with a producer that is still writing) does not count. When both own
    /// inputs have stayed at their end for <paramref name="partitionIdleAfterMs"/>, the partition is idle for the
    /// partitions it forwards to (at once if it never had an event: it then holds nothing to wait for).
    /// </summary>
    public void MarkIdleInputs(long idleAfterMs, long partitionIdleAfterMs)
    {
        var now = Environment.TickCount64;
        for (var input = 0; input < _endReachedAt.Length; input++)
            if (_endReachedAt[input] != 0 && now - _endReachedAt[input] >= idleAfterMs)
                Engine.SetInputIdle(input, idle: true, this);
        var ownIdle = Engine.IsInputIdle(PurchasesInput) && Engine.IsInputIdle(EngagementsInput);
        _partitionIdle = ownIdle && (Engine.OwnInputsWatermark == long.MinValue
            || (EndedFor(PurchasesInput, now) >= partitionIdleAfterMs && EndedFor(EngagementsInput, now) >= partitionIdleAfterMs));
    }

    private long EndedFor(int input, long now) => _endReachedAt[input] == 0 ? 0 : now - _endReachedAt[input];

    /// <summary>Every own input at its end long enough (<see cref="MarkIdleInputs"/>); cleared by the next event.</summary>
    private bool _partitionIdle;

    /// <summary>An event read here but forwarded to the partition that owns its customer.</summary>
    public void Forwarded(int input, long eventTimeMs)
    {
        _eventSinceClockNoted = true;
        _endReachedAt[input] = 0;
        _partitionIdle = false;
        Engine.ObserveInputTime(input, eventTimeMs, this);
    }

    public void AdvanceWatermark(long watermarkMs) => Engine.AdvanceWatermarkTo(watermarkMs, this);

    /// <summary>
    /// The message being handled, whatever its kind (an event, a watermark record): outputs it releases are timed
    /// from its append to the log. Decisions released by the wall clock alone carry no latency sample.
    /// </summary>
    public ConsumeResult<byte[], byte[]>? Trigger { get; set; }

    private Timestamp TriggerTime => (_current ?? Trigger)?.Message.Timestamp ?? default;

    public void OnAlert(ChurnAlert alert) => _output.Alert(alert, TriggerTime);

    public void OnSegmentChange(SegmentChange change)
    {
        SegmentCensus.Apply(_segmentCounts, change);
        _kpis.Apply(change);
        _output.SegmentChange(change, TriggerTime);
    }

    public void OnLateEvent(CustomerEvent evt, bool applied)
    {
        _metrics.LateEvent(applied ? LateEventDisposition.Applied : LateEventDisposition.Dropped);
        // A dropped late event is decided while its own message is being handled: keep its bytes in the DLQ.
        if (!applied && _current is not null && ReferenceEquals(evt, _currentEvent))
            _output.DeadLetter(_current, new Rejection(RejectReason.Late,
                $"event time {Domain.Time.EventTime.Format(evt.OccurredAtMs)} is older than the profile horizon behind the watermark"));
    }

    public void OnDuplicate(CustomerEvent evt) => _metrics.DuplicateEvent();
}
