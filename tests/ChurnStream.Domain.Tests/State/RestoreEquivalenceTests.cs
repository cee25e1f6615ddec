using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests.State;

public class RestoreEquivalenceTests
{
    private static readonly long Lateness = (long)(Population.Options().AllowedLatenessHours * EventTime.MillisPerHour);
    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue).ToArbitrary();

    private const string PurchasesTopic = "purchases", EngagementsTopic = "engagements";

    /// <summary>What goes to the changelog at a checkpoint: every profile (key = customer id) and the partition's checkpoint record.</summary>
    private static (List<(string Key, byte[] Value)> Profiles, byte[] Checkpoint) Snapshot(Driver d, IReadOnlyDictionary<string, long> positions)
    {
        var clock = new BucketClock(d.Options);
        var profiles = d.Engine.Profiles.Values.Select(p => (p.CustomerId, ProfileCodec.Encode(p, clock))).ToList();
        var checkpoint = new PartitionCheckpoint(positions, d.Engine.ExportWatermarks(), d.Engine.BufferedEventsSnapshot(), []);
        return (profiles, PositionsCodec.Encode(checkpoint));
    }

    /// <summary>A fresh engine from the changelog alone.</summary>
    private static (Driver Driver, PartitionCheckpoint Checkpoint) Restore((List<(string Key, byte[] Value)> Profiles, byte[] Checkpoint) snapshot, bool singleInput, int variant = 0)
    {
        var (options, model) = Population.Variant(variant);
        var d = new Driver(options, singleInput, model);
        var clock = new BucketClock(d.Options);
        var checkpoint = PositionsCodec.Decode(snapshot.Checkpoint);
        d.Engine.RestoreClock(checkpoint.Watermarks, checkpoint.Buffered);
        foreach (var (key, value) in snapshot.Profiles) d.Engine.Restore(ProfileCodec.Decode(key, value, clock));
        return (d, checkpoint);
    }

    private static Dictionary<string, long> PositionsAfter(IEnumerable<CustomerEvent> consumed) => new(StringComparer.Ordinal)
    {
        [PurchasesTopic] = consumed.Count(e => e.IsPurchase),
        [EngagementsTopic] = consumed.Count(e => !e.IsPurchase),
    };

    /// <summary>
    /// Random histories of a few customers in an arrival order within the lateness bound, cut at a random message:
    /// the engine that goes on and the engine restored from the changelog at the cut (profiles, watermarks, buffered
    /// events) emit byte-identical outputs from the cut on, and end with byte-identical profiles.
    /// </summary>
    [Property(MaxTest = 40)]
    public Property Restored_profile_makes_the_same_future_decisions_as_the_original() =>
        Prop.ForAll(Seeds, Seeds, Gen.Choose(0, 1000).ToArbitrary(), (populationSeed, arrivalSeed, cutPermille) =>
        {
            var singleInput = (arrivalSeed & 1) == 0;
            var arrivals = Population.Arrivals(Population.Generate(populationSeed), arrivalSeed, Lateness).Select(x => x.Event).ToList();
            var cut = arrivals.Count * cutPermille / 1000;
            var (prefix, suffix) = (arrivals.Take(cut).ToList(), arrivals.Skip(cut).ToList());

            var variant = populationSeed % 3; // rules only, with the model, with the model and quantile tiers
            var (options, model) = Population.Variant(variant);
            var original = new Driver(options, singleInput, model).Feed(prefix);
            var outputsBeforeCut = original.Wire().Count;
            var snapshot = Snapshot(original, PositionsAfter(prefix));
            original.Feed(suffix).Flush();

            var (restored, checkpoint) = Restore(snapshot, singleInput, variant);
            // the positions say where to resume reading each input
            Assert.Equal(prefix.Count(e => e.IsPurchase), checkpoint.Positions[PurchasesTopic]);
            Assert.Equal(prefix.Count(e => !e.IsPurchase), checkpoint.Positions[EngagementsTopic]);
            restored.Feed(suffix).Flush();

            Assert.Equal(original.Wire().Skip(outputsBeforeCut).Select(b => Convert.ToBase64String(b)),
                restored.Wire().Select(b => Convert.ToBase64String(b)));
            Assert.Equal(original.Sink.Duplicates.Count(d => suffix.Contains(d)), restored.Sink.Duplicates.Count);
            var clock = new BucketClock(original.Options);
            Assert.Equal(original.Engine.Profiles.Keys.Order(StringComparer.Ordinal), restored.Engine.Profiles.Keys.Order(StringComparer.Ordinal));
            foreach (var p in original.Engine.Profiles.Values)
                Assert.Equal(ProfileCodec.Encode(p, clock), ProfileCodec.Encode(restored.Profile(p.CustomerId), clock));
            Assert.Equal((original.Engine.Watermark, original.Engine.MaxEventTime), (restored.Engine.Watermark, restored.Engine.MaxEventTime));
            // the quantile sketch is rebuilt from the profiles' bins
            Assert.Equal(original.Engine.ValueSketch.Count, restored.Engine.ValueSketch.Count);
            for (var bin = 1; bin <= Scoring.ValueSketch.BinCount; bin += 37)
                Assert.Equal(original.Engine.ValueSketch.CountAtOrBelow(bin), restored.Engine.ValueSketch.CountAtOrBelow(bin));
        });

    /// <summary>Guards the property against vacuity: cuts do fall with events buffered and timers pending, and outputs follow.</summary>
    [Fact]
    public void Cuts_in_generated_histories_leave_events_buffered_and_timers_pending()
    {
        int withBuffered = 0, withTimers = 0, withLaterAlerts = 0;
        for (var seed = 0; seed < 20; seed++)
        {
            var arrivals = Population.Arrivals(Population.Generate(seed), seed, Lateness).Select(x => x.Event).ToList();
            var d = new Driver(Population.Options()).Feed(arrivals.Take(arrivals.Count / 2));
            if (d.Engine.BufferedEvents > 0) withBuffered++;
            if (d.Engine.Profiles.Values.Any(p => p.ScheduledTimerMs != Profiles.CustomerProfile.None)) withTimers++;
            var before = d.Sink.Alerts.Count;
            d.Feed(arrivals.Skip(arrivals.Count / 2)).Flush();
            if (d.Sink.Alerts.Count > before) withLaterAlerts++;
        }
        Assert.True(withBuffered >= 15 && withTimers >= 15 && withLaterAlerts >= 10, $"{withBuffered} {withTimers} {withLaterAlerts}");
    }

    /// <summary>Why the watermarks belong in the checkpoint: a fresh clock takes an event as on time that the original applies late.</summary>
    [Fact]
    public void Without_the_watermarks_a_restored_engine_would_decide_differently()
    {
        var events = Ev.Purchases("a", 0, 100, 5).Concat(Ev.Visits("a", 0, 100, 2)).ToList();
        var late = Ev.Purchase("a", 90, id: "late-one", hour: 3);
        var original = new Driver(Population.Options()).FeedInOrder(events);
        var snapshot = Snapshot(original, PositionsAfter(events));
        var before = original.Wire().Count;
        original.Feed(late).Flush();
        Assert.Single(original.Sink.LateApplied);

        var (restored, _) = Restore(snapshot, singleInput: false);
        restored.Feed(late).Flush();
        Assert.Equal(original.Wire().Skip(before).Select(Convert.ToBase64String), restored.Wire().Select(Convert.ToBase64String));

        // the same profiles on a fresh clock: the late purchase is buffered, not late
        var naive = new Driver(Population.Options());
        var clock = new BucketClock(naive.Options);
        foreach (var (key, value) in snapshot.Profiles) naive.Engine.Restore(ProfileCodec.Decode(key, value, clock));
        naive.Feed(late).Flush();
        Assert.Empty(naive.Sink.LateApplied);
    }
}
