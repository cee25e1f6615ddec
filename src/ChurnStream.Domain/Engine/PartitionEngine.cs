using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The state and clock of one partition: the profiles of the customers it owns, a buffer that puts events into
/// event-time order, the watermark, and the timers that fire on the absence of events.
/// <para>
/// Each input (purchases, engagements, repartition) keeps its own largest event time; the watermark is the
/// smallest of those over the inputs that are not idle, minus the allowed lateness, and never goes back. An
/// input that has delivered nothing and is not known to be idle holds the watermark where it is (as in Flink).
/// Events wait in the buffer until the watermark passes them, and are then applied interleaved with due
/// timers in time order (a timer at instant T sees the events before T). So, for events within the lateness
/// bound, the outcome does not depend on the order they arrived in. An event behind the watermark is late:
/// applied when still within the horizon, dropped otherwise.
/// </para>
/// </summary>
public sealed class PartitionEngine
{
    private readonly ProfileTable _profiles = new();
    private readonly EventBuffer _buffer;
    private readonly TimerQueue _timers;
    private readonly CustomerDecisions _decisions;
    private readonly long[] _inputWatermark;
    private readonly bool[] _inputIdle;
    private readonly bool[] _watermarkDriven;
    private readonly long _latenessMs;
    private readonly long _horizonMs;

    public PartitionEngine(DetectionOptions options, int inputCount = 1, ChurnModel? model = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        var clock = new BucketClock(options);
        _decisions = new CustomerDecisions(options, clock, model);
        _timers = new TimerQueue(sharedEveryMs: clock.BucketMs, _profiles);
        _buffer = new EventBuffer(inputCount);
        _inputWatermark = Enumerable.Repeat(CustomerProfile.None, inputCount).ToArray();
        _inputIdle = new bool[inputCount];
        _watermarkDriven = new bool[inputCount];
        _latenessMs = (long)(options.AllowedLatenessHours * EventTime.MillisPerHour);
        _horizonMs = options.HorizonDays * EventTime.MillisPerDay;
    }

    public long Watermark { get; private set; } = CustomerProfile.None;
    public long MaxEventTime { get; private set; } = CustomerProfile.None;
    public int BufferedEvents => _buffer.Count;

    /// <summary>The event time of the oldest event waiting for the watermark, or <see cref="CustomerProfile.None"/>.</summary>
    public long OldestBufferedMs => _buffer.TryPeek(out var e) ? e.OccurredAtMs : CustomerProfile.None;
    public int PendingTimers => _timers.Count;
    public int CustomerCount => _profiles.Count;
    public IReadOnlyDictionary<string, CustomerProfile> Profiles => _profiles;
    public long EventsApplied { get; private set; }

    /// <summary>The churn model in use, or null (rules only).</summary>
    public ChurnModel? Model => _decisions.Model;

    /// <summary>The partition's value-score sketch (quantile tiers).</summary>
    public ValueSketch ValueSketch => _decisions.Sketch;

    /// <summary>
    /// Swaps the churn model (null = rules only) without touching any profile: the profiles keep the raw model inputs, so
    /// only decisions taken from now on use the new model. Pending timers are re-planned (the instant P(alive) would
    /// cross the threshold depends on the model). Call between two messages, like everything else.
    /// </summary>
    public void SetModel(ChurnModel? model)
    {
        if (ReferenceEquals(model, _decisions.Model)) return;
        _decisions.Model = model;
        foreach (var p in _profiles.Values) p.SegmentsBucketAfterHead = -1;
        var now = Watermark != CustomerProfile.None ? Watermark : MaxEventTime;
        if (now == CustomerProfile.None) return;
        foreach (var p in _profiles.Values)
        {
            var pending = p.ScheduledTimerMs;
            var next = _decisions.NextTimer(p, now);
            // a timer already planned before the next one the new model asks for (an inactivity deadline, a review) stays
            if (pending != CustomerProfile.None && pending > now && (next == CustomerProfile.None || pending < next)) next = pending;
            _timers.Schedule(p, next);
        }
    }

    /// <summary>
    /// Joins a record of the <c>customers</c> table (the latest wins; a tombstone forgets the attributes). Applied on
    /// arrival, not in event-time order: it is a table, not an event. When the customer already has published segments and
    /// the join changes one (the <c>source</c>), the new set is published at the partition's watermark. A record for a
    /// customer with no event yet is kept in a profile of its own and used from the first event on.
    /// </summary>
    public void ApplyAttributes(CustomerAttributes attributes, IDecisionSink sink)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var p = ProfileOf(attributes.CustomerId);
        p.SegmentsBucketAfterHead = -1;
        if (attributes.Deleted)
        {
            p.HasAttributes = false;
            p.AttributeSource = Segments.AcquisitionSource.Unknown;
            p.SignedUpAtMs = CustomerProfile.None;
            p.Region = null;
        }
        else
        {
            p.HasAttributes = true;
            p.AttributeSource = attributes.Source;
            p.SignedUpAtMs = attributes.SignedUpAtMs;
            p.Region = attributes.Region;
        }
        if (p.HasSegments && Watermark != CustomerProfile.None) _decisions.AfterAttributes(p, Watermark, sink);
    }

    /// <summary>Takes one event from input <paramref name="input"/>; whatever becomes decidable is handed to <paramref name="sink"/>.</summary>
    public void Accept(CustomerEvent e, int input, IDecisionSink sink)
    {
        if (Watermark != CustomerProfile.None && e.OccurredAtMs < Watermark)
        {
            ApplyLate(e, sink);
            return;
        }
        _buffer.Enqueue(e, input);
        if (e.OccurredAtMs > MaxEventTime) MaxEventTime = e.OccurredAtMs;
        ObserveInputTime(input, e.OccurredAtMs, sink);
    }

    /// <summary>
    /// Input <paramref name="input"/> delivered an event of time <paramref name="eventTimeMs"/> that belongs to another
    /// partition (it is forwarded there): it still shows how far this input has come.
    /// </summary>
    public void ObserveInputTime(int input, long eventTimeMs, IDecisionSink sink)
    {
        if (_watermarkDriven[input]) return;
        var own = eventTimeMs - _latenessMs;
        if (own > _inputWatermark[input]) _inputWatermark[input] = own;
        _inputIdle[input] = false;
        AdvanceTo(CandidateWatermark(includeWatermarkDriven: true), sink);
    }

    /// <summary>
    /// Makes <paramref name="input"/> advance only by <see cref="ObserveInputWatermark"/>, not by its events' times:
    /// for an input fed by other partitions (the repartition topic), whose progress they announce themselves.
    /// </summary>
    public void DriveByWatermarks(int input) => _watermarkDriven[input] = true;

    /// <summary>
    /// An upstream's promise that <paramref name="input"/> brings no more events before <paramref name="watermarkMs"/>
    /// (never moves its watermark back); <paramref name="idle"/>: every upstream is idle, so it holds nothing back.
    /// </summary>
    public void ObserveInputWatermark(int input, long watermarkMs, IDecisionSink sink, bool idle = false)
    {
        if (watermarkMs > _inputWatermark[input]) _inputWatermark[input] = watermarkMs;
        _inputIdle[input] = idle;
        AdvanceTo(CandidateWatermark(includeWatermarkDriven: true), sink);
    }

    /// <summary>
    /// The watermark of this partition's own inputs alone (not those driven by upstream watermarks): what it can
    /// promise the partitions it forwards events to.
    /// </summary>
    public long OwnInputsWatermark
    {
        get
        {
            var candidate = CandidateWatermark(includeWatermarkDriven: false);
            if (candidate > _ownInputsWatermark) _ownInputsWatermark = candidate;
            return _ownInputsWatermark;
        }
    }

    private long _ownInputsWatermark = CustomerProfile.None;

    /// <summary>
    /// An input with nothing to read (at the end of its partition) stops holding the watermark back; it holds it
    /// again from its next event.
    /// </summary>
    public void SetInputIdle(int input, bool idle, IDecisionSink sink)
    {
        if (_inputIdle[input] == idle) return;
        _inputIdle[input] = idle;
        AdvanceTo(CandidateWatermark(includeWatermarkDriven: true), sink);
    }

    public bool IsInputIdle(int input) => _inputIdle[input];

    /// <summary>Moves the watermark forward from outside (a quiet partition in real time); never moves it back.</summary>
    public void AdvanceWatermarkTo(long watermarkMs, IDecisionSink sink)
    {
        if (watermarkMs > _ownInputsWatermark) _ownInputsWatermark = watermarkMs;
        AdvanceTo(watermarkMs, sink);
    }

    /// <summary>End of a bounded input: applies every buffered event and fires the timers up to the last event time seen.</summary>
    public void Flush(IDecisionSink sink)
    {
        if (MaxEventTime == CustomerProfile.None) return;
        AdvanceTo(MaxEventTime, sink);
        Drain(sink, final: true);
    }

    private long CandidateWatermark(bool includeWatermarkDriven)
    {
        long activeMin = long.MaxValue, seenMax = CustomerProfile.None;
        for (var i = 0; i < _inputWatermark.Length; i++)
        {
            if (_watermarkDriven[i] && !includeWatermarkDriven) continue;
            if (_inputIdle[i]) { seenMax = Math.Max(seenMax, _inputWatermark[i]); continue; }
            // An input that has delivered nothing yet may still hold the oldest events: wait for it.
            if (_inputWatermark[i] == CustomerProfile.None) return CustomerProfile.None;
            seenMax = Math.Max(seenMax, _inputWatermark[i]);
            activeMin = Math.Min(activeMin, _inputWatermark[i]);
        }
        return activeMin != long.MaxValue ? activeMin : seenMax;
    }

    private void AdvanceTo(long watermarkMs, IDecisionSink sink)
    {
        if (watermarkMs == CustomerProfile.None || watermarkMs <= Watermark) return;
        Watermark = watermarkMs;
        Drain(sink);
    }

    private void Drain(IDecisionSink sink, bool final = false)
    {
        while (true)
        {
            // An event exactly at the watermark may still get same-instant siblings (they are not late): it waits,
            // unless the input has ended.
            var hasEvent = _buffer.TryPeek(out var e) && (e.OccurredAtMs < Watermark || (final && e.OccurredAtMs <= Watermark));
            var hasTimer = _timers.TryPeekDue(Watermark, out var profile, out var at);
            if (hasTimer && (!hasEvent || at <= e!.OccurredAtMs))
            {
                _timers.RemoveDue(profile);
                _decisions.OnTimer(profile, at, sink);
                _changed?.Add(profile);
                _timers.Schedule(profile, _decisions.NextTimer(profile, at));
            }
            else if (hasEvent)
            {
                _buffer.Dequeue();
                Apply(e!, sink);
            }
            else
            {
                return;
            }
        }
    }

    private void Apply(CustomerEvent e, IDecisionSink sink)
    {
        var profile = ProfileOf(e.CustomerId);
        var segmentsStay = _decisions.LeavesSegmentsUnchanged(profile, e);
        switch (ProfileUpdater.Apply(profile, e, _decisions.Clock))
        {
            case ApplyOutcome.Duplicate:
                sink.OnDuplicate(e);
                return;
            case ApplyOutcome.BeyondHorizon:
                sink.OnLateEvent(e, applied: false);
                return;
        }
        EventsApplied++;
        _changed?.Add(profile);
        if (segmentsStay) CustomerDecisions.KeepSegments(profile);
        else _decisions.AfterEvent(profile, e.OccurredAtMs, sink);
        _timers.Schedule(profile, _decisions.NextTimer(profile, e.OccurredAtMs));
    }

    private void ApplyLate(CustomerEvent e, IDecisionSink sink)
    {
        if (e.OccurredAtMs < Watermark - _horizonMs)
        {
            sink.OnLateEvent(e, applied: false);
            return;
        }
        var profile = ProfileOf(e.CustomerId);
        var outcome = ProfileUpdater.Apply(profile, e, _decisions.Clock);
        if (outcome == ApplyOutcome.Duplicate) { sink.OnDuplicate(e); return; }
        sink.OnLateEvent(e, applied: outcome == ApplyOutcome.Applied);
        if (outcome != ApplyOutcome.Applied) return;
        EventsApplied++;
        _changed?.Add(profile);
        // Decisions already taken stand; the late event counts from here on, at the watermark.
        _decisions.AfterEvent(profile, Watermark, sink);
        _timers.Schedule(profile, _decisions.NextTimer(profile, Watermark));
        Drain(sink);
    }

    private CustomerProfile ProfileOf(string customerId) => _profiles.GetOrAdd(customerId);

    private HashSet<CustomerProfile>? _changed;

    /// <summary>Starts remembering which profiles change, for a changelog that writes only those.</summary>
    public void TrackChanges() => _changed ??= new HashSet<CustomerProfile>(ReferenceEqualityComparer.Instance);

    /// <summary>The profiles changed since the last call (empty unless <see cref="TrackChanges"/> was called).</summary>
    public IReadOnlyList<CustomerProfile> TakeChanged()
    {
        if (_changed is null || _changed.Count == 0) return [];
        var changed = _changed.ToArray();
        _changed.Clear();
        return changed;
    }

    /// <summary>The clock of this partition, for a checkpoint: every watermark and idle flag.</summary>
    public EngineWatermarks ExportWatermarks() => new(Watermark, MaxEventTime, _ownInputsWatermark,
        _inputWatermark.Select((w, i) => new InputWatermark(w, _inputIdle[i], _watermarkDriven[i])).ToArray());

    /// <summary>The events still waiting for the watermark, for a checkpoint (in no particular order).</summary>
    public IReadOnlyList<CustomerEvent> BufferedEventsSnapshot() => _buffer.ToArray();

    /// <summary>On a fresh engine (set up like the original, before any event): the clock and buffer of a checkpoint. Does not drain.</summary>
    public void RestoreClock(EngineWatermarks w, IEnumerable<CustomerEvent> buffered)
    {
        if (w.Inputs.Count != _inputWatermark.Length) throw new ArgumentException("the checkpoint has a different number of inputs", nameof(w));
        for (var i = 0; i < _inputWatermark.Length; i++)
        {
            if (w.Inputs[i].DrivenByWatermarks != _watermarkDriven[i]) throw new ArgumentException($"input {i} is set up differently", nameof(w));
            _inputWatermark[i] = w.Inputs[i].Watermark;
            _inputIdle[i] = w.Inputs[i].Idle;
        }
        Watermark = w.Watermark;
        MaxEventTime = w.MaxEventTime;
        _ownInputsWatermark = w.OwnInputsWatermark;
        foreach (var e in buffered) _buffer.Enqueue(e, EventBuffer.NoInput); // a checkpoint keeps them in no order
    }

    /// <summary>Adopts a restored profile (from the changelog) and its pending timer.</summary>
    public void Restore(CustomerProfile profile)
    {
        _profiles.Set(profile);
        if (profile.TierSketchBin != 0) _decisions.Sketch.Add(profile.TierSketchBin);
        var at = profile.ScheduledTimerMs;
        profile.ScheduledTimerMs = CustomerProfile.None;
        _timers.Schedule(profile, at);
    }
}
