using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

public class SegmentTests
{
    [Fact]
    public void First_classification_of_a_customer_is_a_change_from_null()
    {
        var d = Driver.Run([Ev.Purchase("c1", 3)]);
        var first = Assert.Single(d.ChangesFor("c1"));
        Assert.Equal(Ev.At(3, 12), first.ChangedAtMs);
        Assert.Equal(
            [new SegmentTransition(SegmentDimension.Value, null, "low"), new SegmentTransition(SegmentDimension.Lifecycle, null, "new"),
             new SegmentTransition(SegmentDimension.Activity, null, "active"), new SegmentTransition(SegmentDimension.Sentiment, null, "neutral"),
             new SegmentTransition(SegmentDimension.Source, null, "unknown")],
            first.Changes);
    }

    [Fact]
    public void Lifecycle_goes_prospect_new_repeat_loyal()
    {
        var events = new[] { Ev.Engage("c1", 0) }.Concat(Ev.Purchases("c1", 2, 60, 7));
        var d = Driver.Run(events);
        Assert.Equal(["prospect", "new", "repeat", "loyal"], d.Path("c1", SegmentDimension.Lifecycle));
        var loyal = d.ChangesFor("c1").Single(c => c.Segments.Lifecycle == Lifecycle.Loyal && c.Changes.Any(t => t.To == "loyal"));
        Assert.Equal(Ev.At(2 + 7 * 7, 12), loyal.ChangedAtMs); // the 8th purchase
    }

    [Fact]
    public void Lost_customer_who_returns_goes_silent_lost_won_back()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Purchase("c1", 5), Ev.Purchase("c1", 160), Ev.Tick(170)]);
        Assert.Equal(["active", "silent", "lost", "active"], d.Path("c1", SegmentDimension.Activity));
        Assert.Equal(["new", "repeat", "lost", "won_back"], d.Path("c1", SegmentDimension.Lifecycle));
        var silent = d.ChangesFor("c1").Single(c => c.Changes.Any(t => t.To == "silent"));
        Assert.Equal(Ev.At(65, 12), silent.ChangedAtMs);
    }

    [Fact]
    public void Value_tier_follows_trailing_spend_and_purchases()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 60, 7, amount: 130).Append(Ev.Tick(300)));
        // 1 purchase: low; 2 purchases = 260 spend: medium; 8 purchases = 1040: high; and low again once the horizon has emptied.
        Assert.Equal(["low", "medium", "high", "medium", "low"], d.Path("c1", SegmentDimension.Value));
    }

    [Fact]
    public void Every_segment_record_is_one_real_change_consistent_with_the_previous_one()
    {
        var events = Ev.Purchases("a", 0, 120, 7, amount: 200).Concat(Ev.Purchases("a", 126, 300, 30, amount: 200))
            .Concat(Ev.Visits("b", 0, 100, 2)).Concat([Ev.Purchase("b", 50), Ev.Purchase("b", 250)])
            .Append(Ev.Tick(420));
        var d = Driver.Run(events);
        foreach (var customer in new[] { "a", "b" })
        {
            SegmentSet? before = null;
            foreach (var c in d.ChangesFor(customer))
            {
                Assert.NotEmpty(c.Changes);
                Assert.Equal(SegmentPolicy.Diff(before, c.Segments), c.Changes);
                Assert.NotEqual(before, c.Segments);
                before = c.Segments;
            }
            Assert.Equal(before, d.Profile(customer).Segments);
        }
    }

    [Fact]
    public void Repeated_identical_classification_publishes_nothing()
    {
        var d = Driver.Run(Ev.Visits("c1", 0, 50, 1));
        Assert.Single(d.ChangesFor("c1"));
    }

    [Fact]
    public void Alert_carries_the_segments_published_with_it()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 120, 7).Concat(Ev.Purchases("c1", 126, 200, 30)).Append(Ev.Tick(200)));
        var alert = d.AlertsFor("c1", Rules.AlertKind.FrequencyDecline)[0];
        var change = d.ChangesFor("c1").Single(c => c.ChangedAtMs == alert.DetectedAtMs);
        Assert.Equal(change.Segments, alert.Segments);
    }
}
