using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Kpi;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

/// <summary>Sentiment and source segments, the customers table, quantile tiers and the KPI tracker.</summary>
public class SegmentDimensionTests
{
    [Fact]
    public void Sentiment_follows_feedback_and_complaints_in_the_current_window()
    {
        var c = "c1";
        var events = Ev.Purchases(c, 0, 200, 10)
            .Append(Ev.Feedback(c, 20, 5)).Append(Ev.Feedback(c, 22, 4))   // satisfied
            .Append(Ev.Complaint(c, 80))                                      // dissatisfied
            .Append(Ev.Feedback(c, 150, 3));                                  // neutral
        var d = Driver.Run(events);
        Assert.Equal(["neutral", "satisfied", "neutral", "dissatisfied", "neutral"], d.Path(c, SegmentDimension.Sentiment));
    }

    [Theory]
    [InlineData("web", "online")]
    [InlineData("App", "online")]
    [InlineData("store", "offline")]
    [InlineData("pos", "offline")]
    [InlineData("referral", "referral")]
    [InlineData("ads", "advertising")]
    [InlineData("phone", "unknown")]
    [InlineData(null, "unknown")]
    public void Without_a_customers_record_the_source_is_the_first_purchase_channel(string? channel, string source)
    {
        var d = Driver.Run([Ev.Purchase("c1", 3, channel: channel, id: "a"), Ev.Purchase("c1", 9, channel: "store", id: "b")]);
        Assert.Equal([source], d.Path("c1", SegmentDimension.Source));
    }

    [Fact]
    public void A_customers_record_arriving_before_the_first_event_gives_the_source_from_the_first_segment_record_on()
    {
        var d = new Driver().Attributes(new CustomerAttributes("c1", AcquisitionSource.Referral, Ev.At(-10), "north"));
        Assert.Empty(d.Sink.SegmentChanges); // nothing to publish before the customer does anything
        d.Feed(Ev.Purchase("c1", 3, channel: "web")).Flush();
        Assert.Equal(["referral"], d.Path("c1", SegmentDimension.Source));
        var p = d.Profile("c1");
        Assert.Equal(("north", Ev.At(-10)), (p.Region, p.SignedUpAtMs));
    }

    [Fact]
    public void A_customers_record_arriving_after_the_first_event_republishes_the_source_at_the_watermark()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 3, channel: "web"), Ev.Tick(5));
        Assert.Equal(["online"], d.Path("c1", SegmentDimension.Source));
        d.Attributes(new CustomerAttributes("c1", AcquisitionSource.Advertising));
        var change = d.ChangesFor("c1").Last();
        Assert.Equal([new SegmentTransition(SegmentDimension.Source, "online", "advertising")], change.Changes);
        Assert.Equal(d.Engine.Watermark, change.ChangedAtMs);
        // the same record again changes nothing; a tombstone goes back to the channel
        d.Attributes(new CustomerAttributes("c1", AcquisitionSource.Advertising));
        d.Attributes(new CustomerAttributes("c1", Deleted: true));
        Assert.Equal(["online", "advertising", "online"], d.Path("c1", SegmentDimension.Source));
    }

    [Fact]
    public void Customers_records_are_parsed_with_the_key_as_customer_id()
    {
        Assert.True(CustomerAttributesParser.TryParse("c-1"u8, """{"source":"Referral","signedUpAt":"2025-01-01T00:00:00+01:00","region":"EU","x":[1]}"""u8, out var a, out _));
        Assert.Equal(new CustomerAttributes("c-1", AcquisitionSource.Referral, Ev.StartMs - 3_600_000, "EU"), a);
        Assert.True(CustomerAttributesParser.TryParse("c-1"u8, ReadOnlySpan<byte>.Empty, out var tomb, out _));
        Assert.True(tomb.Deleted);
        Assert.False(CustomerAttributesParser.TryParse(""u8, "{}"u8, out _, out var r1));
        Assert.Equal(RejectReason.MissingField, r1.Reason);
        Assert.False(CustomerAttributesParser.TryParse("c-1"u8, """{"customerId":"c-2"}"""u8, out _, out var r2));
        Assert.Equal(RejectReason.InvalidField, r2.Reason);
        Assert.False(CustomerAttributesParser.TryParse("c-1"u8, """{"signedUpAt":"2025-01-01"}"""u8, out _, out var r3));
        Assert.Equal(RejectReason.InvalidField, r3.Reason);
        Assert.False(CustomerAttributesParser.TryParse("c-1"u8, "{"u8, out _, out var r4));
        Assert.Equal(RejectReason.InvalidJson, r4.Reason);
    }

    [Fact]
    public void Value_sketch_is_deterministic_and_its_quantiles_are_within_two_percent()
    {
        var r = new Random(7);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(r.NextDouble() * 8 - 1)).ToArray();
        var a = new ValueSketch();
        var b = new ValueSketch();
        foreach (var v in values) a.Add(ValueSketch.BinOf(v));
        foreach (var v in values.Reverse()) b.Add(ValueSketch.BinOf(v));
        var sorted = values.Order().ToArray();
        foreach (var q in new[] { 0.01, 0.1, 0.25, 0.5, 0.8, 0.9, 0.99 })
        {
            Assert.Equal(a.Quantile(q), b.Quantile(q));
            var exact = sorted[(int)Math.Ceiling(q * sorted.Length) - 1];
            var estimate = a.Quantile(q);
            Assert.InRange(exact / estimate, 1.0, ValueSketch.Growth);
        }
        // a customer moves, never counts twice
        var bin = ValueSketch.BinOf(12.5);
        a.Move(bin, ValueSketch.BinOf(1000));
        Assert.Equal(values.Length, a.Count);
        Assert.Throws<InvalidOperationException>(() => new ValueSketch().Remove(5));
        Assert.Equal(1, ValueSketch.BinOf(0));
        Assert.Equal(1, ValueSketch.BinOf(-3));
    }

    [Fact]
    public void Quantile_tiers_split_a_partition_population_at_the_configured_quantiles()
    {
        var o = Population.Options();
        o.Segments.TierBy = "quantiles";
        o.Segments.QuantileMinCustomers = 50;
        var events = Enumerable.Range(0, 200).SelectMany(i => Ev.Purchases($"c{i:000}", i % 5, 100, 10, amount: 5 + i)).ToList();
        var d = Driver.Run(events, o);
        var tiers = d.Engine.Profiles.Values.GroupBy(p => p.Segments.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(tiers[ValueTier.High], 30, 50);   // about 20 %
        Assert.InRange(tiers[ValueTier.Medium], 50, 70); // about 30 %
        Assert.Equal(200, d.Engine.ValueSketch.Count);
        // the biggest spender is high, the smallest low
        Assert.Equal((ValueTier.High, ValueTier.Low), (d.Profile("c199").Segments.Value, d.Profile("c000").Segments.Value));
    }

    [Fact]
    public void Quantile_tiers_are_validated()
    {
        var o = new Options.DetectionOptions();
        o.Segments.TierBy = "percentiles";
        o.Segments.HighQuantile = 0.4;
        var errors = o.Validate();
        Assert.Contains("Detection:Segments:TierBy must be 'amounts' or 'quantiles' (is 'percentiles').", errors);
        Assert.Contains("Detection:Segments:HighQuantile (0.4) must be greater than MediumQuantile (0.5) and less than 1.", errors);
    }

    private static SegmentChange Change(string id, SegmentSet? before, SegmentSet after) =>
        new(id, 0, SegmentPolicy.Diff(before, after), after);

    [Fact]
    public void Kpi_tracker_counts_churn_retention_and_win_back_per_highest_tier_and_source()
    {
        var k = new KpiTracker();
        var s0 = new SegmentSet(ValueTier.Low, Lifecycle.New, ActivityStatus.Active, Source: AcquisitionSource.Online);
        var s1 = s0 with { Value = ValueTier.High, Lifecycle = Lifecycle.Loyal };
        var s2 = s1 with { Value = ValueTier.Low, Lifecycle = Lifecycle.Lost, Activity = ActivityStatus.Lost };
        var s3 = s2 with { Lifecycle = Lifecycle.WonBack, Activity = ActivityStatus.Active };
        k.Apply(Change("a", null, s0));
        k.Apply(Change("a", s0, s1));
        k.Apply(Change("a", s1, s2));
        Assert.Equal(new KpiCounts(1, 1, 1, 0), k.CountsFor(ValueTier.High, AcquisitionSource.Online));
        Assert.Equal(1.0, k.CountsFor(ValueTier.High, AcquisitionSource.Online).ChurnRate);
        k.Apply(Change("a", s2, s3));
        var high = k.ForTier(ValueTier.High);
        Assert.Equal(new KpiCounts(1, 0, 1, 1), high);
        Assert.Equal((0.0, 1.0, 1.0), (high.ChurnRate!.Value, high.RetentionRate!.Value, high.WinBackRate!.Value));
        // a prospect (engagement only) is not a customer yet; a second customer lost in the low tier
        k.Apply(Change("p", null, new SegmentSet(ValueTier.Low, Lifecycle.Prospect, ActivityStatus.Active)));
        k.Apply(Change("b", null, s0 with { Source = AcquisitionSource.Referral }));
        k.Apply(Change("b", s0 with { Source = AcquisitionSource.Referral }, s2 with { Source = AcquisitionSource.Referral }));
        Assert.Equal(new KpiCounts(2, 1, 2, 1), k.Total);
        Assert.Equal(new KpiCounts(1, 1, 1, 0), k.ForSource(AcquisitionSource.Referral));
        Assert.Null(k.ForSource(AcquisitionSource.Offline).ChurnRate);
        Assert.Equal(k.Total, KpiTracker.Combine([k]).Aggregate(default(KpiCounts), (a, c) => a + c.Counts));
    }

    [Fact]
    public void Kpi_tracker_fed_by_the_engine_agrees_with_the_profiles()
    {
        var d = Driver.Run(Population.Generate(3).Concat(Population.Generate(11).Select(e => e with { CustomerId = "x" + e.CustomerId })), Population.Options());
        var k = new KpiTracker();
        foreach (var c in d.Sink.SegmentChanges) k.Apply(c);
        var profiles = d.Engine.Profiles.Values;
        Assert.Equal(profiles.Count(p => p.HasPurchased), k.Total.Customers);
        Assert.Equal(profiles.Count(p => p.Segments.Lifecycle == Lifecycle.Lost), k.Total.LostNow);
        var census = new long[SegmentCensus.Size];
        foreach (var c in d.Sink.SegmentChanges) SegmentCensus.Apply(census, c);
        Assert.Equal(profiles.Count(), (int)census.Skip(16).Sum()); // every customer has exactly one source
    }

    [Fact]
    public void Segment_records_carry_all_five_dimensions()
    {
        var d = Driver.Run([Ev.Purchase("c1", 3, channel: "store")]);
        var json = Encoding.UTF8.GetString(OutputJson.Serialize(d.ChangesFor("c1")[0]));
        Assert.EndsWith("\"segments\":{\"value\":\"low\",\"lifecycle\":\"new\",\"activity\":\"active\",\"sentiment\":\"neutral\",\"source\":\"offline\"}}", json);
    }
}
