using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests;

public class PropertyTests
{
    private static readonly long Lateness = (long)(Population.Options().AllowedLatenessHours * EventTime.MillisPerHour);

    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue).ToArbitrary();

    /// <summary>Runs under the set-up <paramref name="variant"/> (rules only, with the model, with the model and quantile tiers).</summary>
    private static Driver Run(IEnumerable<Events.CustomerEvent> arrivalOrder, bool singleInput = false, int variant = 0)
    {
        var (options, model) = Population.Variant(variant);
        return new Driver(options, singleInput, model).Feed(arrivalOrder).Flush();
    }

    private static void AssertSameWire(Driver expected, Driver actual)
    {
        Assert.Equal(expected.Wire().Count, actual.Wire().Count);
        Assert.Equal(expected.WireText(), actual.WireText());
    }

    [Property(MaxTest = 60)]
    public Property Outcome_is_independent_of_arrival_order_within_the_lateness_bound() =>
        Prop.ForAll(Seeds, Seeds, (populationSeed, arrivalSeed) =>
        {
            var events = Population.Generate(populationSeed);
            var inTimeOrder = events.OrderBy(e => e.OccurredAtMs).ToList();
            var shuffled = Population.Arrivals(events, arrivalSeed, Lateness).Select(x => x.Event).ToList();
            Population.AssertWithinLatenessBound(shuffled, Lateness);

            var v = arrivalSeed % 3;
            var a = Run(inTimeOrder, variant: v);
            var b = Run(shuffled, variant: v);
            AssertSameWire(a, b);
            Assert.Empty(b.Sink.LateApplied);
            Assert.Empty(b.Sink.LateDropped);
            // the same holds when all events come through one input
            AssertSameWire(a, Run(shuffled, singleInput: true, variant: v));
        });

    [Property(MaxTest = 60)]
    public Property Duplicates_change_nothing() =>
        Prop.ForAll(Seeds, Seeds, (populationSeed, arrivalSeed) =>
        {
            var events = Population.Generate(populationSeed);
            var arrivals = Population.Arrivals(events, arrivalSeed, Lateness);
            var r = new Random(arrivalSeed ^ 0x5bd1e995);
            var copies = arrivals
                .Where(x => x.Event.EventId is not null && r.NextDouble() < 0.25)
                .Select(x =>
                {
                    // redelivered right after the original or later, but still within the lateness bound of the event
                    var latest = x.Event.OccurredAtMs + Lateness - 1;
                    var key = r.NextDouble() < 0.3 ? x.Key : x.Key + r.NextInt64(0, Math.Max(1, latest - x.Key + 1));
                    return (Event: x.Event with { }, Key: key, Tie: x.Tie + 1e-9);
                })
                .ToList();
            var withDuplicates = arrivals.Concat(copies).OrderBy(x => x.Key).ThenBy(x => x.Tie).Select(x => x.Event).ToList();
            Population.AssertWithinLatenessBound(withDuplicates, Lateness);

            var once = Run(arrivals.Select(x => x.Event), variant: arrivalSeed % 3);
            var twice = Run(withDuplicates, variant: arrivalSeed % 3);
            AssertSameWire(once, twice);
            Assert.Equal(copies.Count, twice.Sink.Duplicates.Count);
        });

    [Property(MaxTest = 30)]
    public Property Two_runs_over_the_same_input_give_byte_identical_outputs() =>
        Prop.ForAll(Seeds, Seeds, (populationSeed, arrivalSeed) =>
        {
            var order = Population.Arrivals(Population.Generate(populationSeed), arrivalSeed, Lateness).Select(x => x.Event).ToList();
            var first = Run(order, variant: arrivalSeed % 3);
            var second = Run(order, variant: arrivalSeed % 3);
            Assert.Equal(first.Wire(), second.Wire());
        });

    [Property(MaxTest = 200)]
    public Property Parser_never_throws_whatever_the_bytes() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Elements(Enumerable.Range(0, 256).Select(i => (byte)i).Concat("{}[]\":,0123456789eE.-+ tnulrfasZT"u8.ToArray()).ToArray())).ToArbitrary(),
            Gen.Elements(Codec.InputTopic.Purchases, Codec.InputTopic.Engagements).ToArbitrary(),
            (bytes, topic) =>
            {
                var ok = Codec.EventParser.Default.TryParse(bytes, topic, out var e, out var rej);
                return ok ? e is not null : !string.IsNullOrEmpty(rej.Detail);
            });

    [Property(MaxTest = 200)]
    public Property Parser_never_throws_on_a_truncated_or_corrupted_valid_message() =>
        Prop.ForAll(Gen.Choose(0, 200).ToArbitrary(), Gen.Choose(0, 255).ToArbitrary(), (cut, b) =>
        {
            var json = """{"customerId":"c-1","occurredAt":"2025-03-01T11:15:00+01:00","type":"feedback","score":3,"reason":"price","x":{"y":[1,2]}}"""u8.ToArray();
            var corrupted = json.ToArray();
            corrupted[cut % corrupted.Length] = (byte)b;
            var truncated = json[..(cut % json.Length)];
            foreach (var bytes in new[] { corrupted, truncated })
            {
                var ok = Codec.EventParser.Default.TryParse(bytes, Codec.InputTopic.Engagements, out var e, out var rej);
                if (!(ok ? e is not null : !string.IsNullOrEmpty(rej.Detail))) return false;
            }
            return true;
        });

    /// <summary>Guards the properties against vacuity: the generated populations do produce every kind of decision.</summary>
    [Fact]
    public void Generated_populations_produce_alerts_of_every_kind_and_segment_changes()
    {
        var kinds = new HashSet<AlertKind>();
        var stages = new HashSet<string?>();
        var ties = 0;
        for (var seed = 0; seed < 40; seed++)
        {
            var events = Population.Generate(seed);
            ties += events.GroupBy(e => (e.CustomerId, e.OccurredAtMs)).Count(g => g.Count() > 1);
            var d = Run(events.OrderBy(e => e.OccurredAtMs), variant: 1);
            kinds.UnionWith(d.Sink.Alerts.Select(a => a.Kind));
            stages.UnionWith(d.Sink.Alerts.Select(a => a.Stage));
            Assert.NotEmpty(d.Sink.SegmentChanges);
        }
        Assert.Equal(Enum.GetValues<AlertKind>().ToHashSet(), kinds);
        Assert.Contains("silent", stages);
        Assert.Contains("lost", stages);
        Assert.True(ties > 0, "the generator should produce same-instant events");
    }
}
