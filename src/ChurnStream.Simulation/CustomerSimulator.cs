namespace ChurnStream.Simulation;

internal enum ActivityKind : byte { Purchase, Visit, EmailOpen, Feedback, Complaint }

/// <summary>What a renewal process does to its gaps once the onset is reached.</summary>
internal enum PostOnset : byte { Same, Multiply, Stop, Redraw }

/// <summary>A source of activities of one kind for one customer, producing them lazily in time order.</summary>
internal abstract class ActivitySource
{
    /// <summary>Time of the next activity in days since the simulation start; +inf when exhausted.</summary>
    public double Next;

    public abstract ActivityKind Kind { get; }

    public abstract void Advance();
}

/// <summary>
/// Renewal process: gap = mean x uniform(jitter). Crossing the onset the remaining part of the gap is
/// stretched (a piecewise-linear time warp), so the rhythm changes exactly at the onset.
/// </summary>
internal sealed class RenewalSource : ActivitySource
{
    private readonly ActivityKind _kind;
    private readonly Prng _rng;
    private readonly double _mean, _jLo, _jHi, _onset;
    private readonly PostOnset _post;
    private readonly double _postMultiplier, _postMean, _postJLo, _postJHi;

    public RenewalSource(ActivityKind kind, Prng rng, double first, double mean, (double Lo, double Hi) jitter, double onset,
        PostOnset post = PostOnset.Same, double postMultiplier = 1, double postMean = 0, (double Lo, double Hi) postJitter = default)
    {
        _kind = kind;
        _rng = rng;
        _mean = mean;
        (_jLo, _jHi) = jitter;
        _onset = onset;
        _post = post;
        _postMultiplier = postMultiplier;
        _postMean = postMean;
        (_postJLo, _postJHi) = postJitter;
        Next = first >= onset && post == PostOnset.Stop ? double.PositiveInfinity : first;
    }

    public override ActivityKind Kind => _kind;

    public override void Advance()
    {
        double t = Next;
        double u = _mean * _rng.Uniform(_jLo, _jHi);
        if (t >= _onset)
        {
            Next = t + PostGap(u);
        }
        else if (t + u < _onset)
        {
            Next = t + u;
        }
        else if (_post == PostOnset.Stop)
        {
            Next = double.PositiveInfinity;
        }
        else
        {
            double remaining = (t + u - _onset) / u; // fraction of the gap left at the onset
            Next = _onset + remaining * PostGap(u);
        }
    }

    private double PostGap(double u) => _post switch
    {
        PostOnset.Same => u,
        PostOnset.Multiply => u * _postMultiplier,
        PostOnset.Redraw => _postMean * _rng.Uniform(_postJLo, _postJHi),
        _ => double.PositiveInfinity,
    };
}

/// <summary>A fixed, sorted list of activities (the complaint burst of a complainer).</summary>
internal sealed class ScheduledSource : ActivitySource
{
    private readonly (double At, ActivityKind Kind)[] _items;
    private int _position;

    public ScheduledSource((double At, ActivityKind Kind)[] items)
    {
        _items = items;
        Next = items.Length > 0 ? items[0].At : double.PositiveInfinity;
    }

    public override ActivityKind Kind => _items[_position].Kind;

    public override void Advance()
    {
        _position++;
        Next = _position < _items.Length ? _items[_position].At : double.PositiveInfinity;
    }
}

/// <summary>Lazily produces the events of one customer in event-time order.</summary>
internal sealed class CustomerSimulator
{
    private readonly CustomerSpec _spec;
    private readonly ActivitySource[] _sources;
    private readonly Prng _attributes;
    private readonly Prng _delivery;
    private readonly double _onset;
    private readonly string _number;
    private int _sequence;

    public CustomerSimulator(int seed, CustomerSpec spec)
    {
        _spec = spec;
        _onset = spec.OnsetDay ?? double.PositiveInfinity;
        _number = (spec.Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _attributes = Prng.Create(seed, spec.Index, CustomerSpec.AttributeStream);
        _delivery = Prng.Create(seed, spec.Index, CustomerSpec.DeliveryStream);
        var p = spec.Profile;
        double s = spec.StartOffsetDays;
        bool silent = spec.Persona == Personas.Silent;
        var engagementPost = silent ? PostOnset.Stop : spec.EngagementMultiplier != 1 ? PostOnset.Multiply : PostOnset.Same;
        var sources = new List<ActivitySource>(5);

        var purchaseRng = Prng.Create(seed, spec.Index, CustomerSpec.PurchaseStream);
        sources.Add(new RenewalSource(ActivityKind.Purchase, purchaseRng, s, spec.PurchaseMeanDays, p.PurchaseJitter, _onset,
            silent ? PostOnset.Stop : spec.FrequencyMultiplier != 1 ? PostOnset.Multiply : PostOnset.Same, spec.FrequencyMultiplier));

        var visitRng = Prng.Create(seed, spec.Index, CustomerSpec.VisitStream);
        sources.Add(new RenewalSource(ActivityKind.Visit, visitRng, s + visitRng.NextDouble() * spec.VisitMeanDays,
            spec.VisitMeanDays, p.VisitJitter, _onset, engagementPost, spec.EngagementMultiplier));

        var emailRng = Prng.Create(seed, spec.Index, CustomerSpec.EmailStream);
        sources.Add(new RenewalSource(ActivityKind.EmailOpen, emailRng, s + emailRng.NextDouble() * spec.EmailMeanDays,
            spec.EmailMeanDays, p.EmailJitter, _onset,
            silent ? PostOnset.Redraw : engagementPost, spec.EngagementMultiplier,
            spec.SilentEmailMeanDays, DeclineRanges.SilentEmailJitter));

        if (spec.FeedbackMeanDays is { } feedbackMean)
        {
            var feedbackRng = Prng.Create(seed, spec.Index, CustomerSpec.FeedbackStream);
            sources.Add(new RenewalSource(ActivityKind.Feedback, feedbackRng, s + feedbackRng.NextDouble() * feedbackMean,
                feedbackMean, p.FeedbackJitter, _onset, engagementPost, spec.EngagementMultiplier));
        }

        if (spec.Persona == Personas.Complainer)
        {
            var burstRng = Prng.Create(seed, spec.Index, CustomerSpec.BurstStream);
            var items = new List<(double, ActivityKind)>();
            for (int i = 0; i < spec.Complaints; i++)
                items.Add((_onset + burstRng.Uniform(0, DeclineRanges.ComplaintWindowDays), ActivityKind.Complaint));
            items.Add((_onset + burstRng.Uniform(0, DeclineRanges.ComplaintWindowDays), ActivityKind.Feedback));
            items.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            sources.Add(new ScheduledSource([.. items]));
        }
        _sources = [.. sources];
    }

    /// <summary>Appends every event before <paramref name="endDay"/> (days since start) to the context's batch.</summary>
    public void EmitUntil(double endDay, EmissionContext context)
    {
        var sources = _sources;
        while (true)
        {
            ActivitySource? next = null;
            double at = endDay;
            for (int i = 0; i < sources.Length; i++)
            {
                if (sources[i].Next < at)
                {
                    at = sources[i].Next;
                    next = sources[i];
                }
            }
            if (next is null) return;
            Emit(next.Kind, at, context);
            next.Advance();
        }
    }

    private void Emit(ActivityKind kind, double atDay, EmissionContext context)
    {
        int n = _sequence++;
        long occurredTicks = context.TicksOf(atDay);
        string eventId = string.Concat(context.EventIdPrefix, _number, "-", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        bool afterOnset = atDay >= _onset;
        byte[] json;
        string topic;
        if (kind == ActivityKind.Purchase)
        {
            topic = Topics.Purchases;
            double amount = _spec.AmountMean * _attributes.Uniform(_spec.Profile.AmountJitter.Lo, _spec.Profile.AmountJitter.Hi);
            if (afterOnset) amount *= _spec.SpendFactor;
            string channel = _attributes.Chance(_spec.OnlineShare) ? "online" : "store";
            int category = _attributes.Chance(0.6) ? _spec.FavouriteCategory : _attributes.NextInt(0, CustomerSpec.Categories.Length - 1);
            json = context.Writer.Purchase(_spec.CustomerId, occurredTicks, eventId, amount,
                string.Concat(context.OrderIdPrefix, _number, "-", n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                channel, CustomerSpec.Categories[category]);
        }
        else
        {
            topic = Topics.Engagements;
            json = kind switch
            {
                ActivityKind.Visit => context.Writer.Engagement(_spec.CustomerId, occurredTicks, eventId, "visit", _spec.PrefersApp ? "app" : "web", null, null),
                ActivityKind.EmailOpen => context.Writer.Engagement(_spec.CustomerId, occurredTicks, eventId, "email_open", "email", null, null),
                ActivityKind.Feedback => context.Writer.Engagement(_spec.CustomerId, occurredTicks, eventId, "feedback", null,
                    afterOnset && _spec.Persona == Personas.Complainer ? _attributes.NextInt(1, 2) : _attributes.NextInt(4, 5), null),
                _ => context.Writer.Engagement(_spec.CustomerId, occurredTicks, eventId, "complaint", null, null, "service"),
            };
        }

        // Always three draws per event, whatever the rates.
        bool duplicate = _delivery.NextDouble() < context.DuplicateRate;
        bool unkeyed = _delivery.NextDouble() < context.UnkeyedRate;
        long delaySeconds = 120 + (long)(_delivery.NextDouble() * (6 * 3600 - 120));

        var occurredAt = new DateTimeOffset(occurredTicks, TimeSpan.Zero);
        var original = new SimulatedEvent(topic, _spec.CustomerId, occurredAt, eventId, unkeyed, json, occurredAt, isRedelivery: false);
        context.Batch.Add(new Entry(occurredTicks, _spec.Index, n, false, original));
        if (duplicate)
        {
            long deliverTicks = occurredTicks + delaySeconds * TimeSpan.TicksPerSecond;
            var copy = new SimulatedEvent(topic, _spec.CustomerId, occurredAt, eventId, unkeyed, json,
                new DateTimeOffset(deliverTicks, TimeSpan.Zero), isRedelivery: true);
            var entry = new Entry(deliverTicks, _spec.Index, n, true, copy);
            (deliverTicks < context.BatchEndTicks ? context.Batch : context.Carry).Add(entry);
        }
    }
}

/// <summary>A message with its position in the stream: (delivery time, customer index, sequence, redelivery flag).</summary>
internal readonly struct Entry : IComparable<Entry>
{
    public readonly long DeliverTicks;
    private readonly long _tieBreak; // customer index (31 bits) | sequence (31 bits) | redelivery (1 bit)
    public readonly SimulatedEvent Event;

    public Entry(long deliverTicks, int customer, int sequence, bool redelivery, SimulatedEvent @event)
    {
        DeliverTicks = deliverTicks;
        _tieBreak = ((long)customer << 32) | ((long)sequence << 1) | (redelivery ? 1L : 0L);
        Event = @event;
    }

    public int CompareTo(Entry other)
    {
        int c = DeliverTicks.CompareTo(other.DeliverTicks);
        return c != 0 ? c : _tieBreak.CompareTo(other._tieBreak);
    }
}

/// <summary>Shared state of one enumeration of the event stream.</summary>
internal sealed class EmissionContext(GeneratorOptions options)
{
    private readonly long _startTicks = options.Start.UtcTicks;
    private readonly long _lastSecond = (long)options.Days * 86_400 - 1;

    public EventWriter Writer { get; } = new();
    public List<Entry> Batch { get; } = new(1024);
    public List<Entry> Carry { get; } = new(64);
    public long BatchEndTicks { get; set; }
    public double DuplicateRate { get; } = options.DuplicateRate;
    public double UnkeyedRate { get; } = options.UnkeyedRate;
    public string EventIdPrefix { get; } = "e-" + options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-";
    public string OrderIdPrefix { get; } = "o-" + options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-";

    /// <summary>Whole-second UTC ticks of a time given in days since the start (clamped into the simulated period).</summary>
    public long TicksOf(double day)
    {
        long second = Math.Clamp((long)Math.Round(day * 86_400.0, MidpointRounding.AwayFromZero), 0, _lastSecond);
        return _startTicks + second * TimeSpan.TicksPerSecond;
    }
}
