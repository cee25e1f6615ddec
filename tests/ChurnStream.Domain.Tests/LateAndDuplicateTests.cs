using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

public class LateAndDuplicateTests
{
    [Fact]
    public void Refund_lowers_spend_but_not_frequency()
    {
        var d = Driver.Run([Ev.Purchase("c1", 1, 100), Ev.Purchase("c1", 2, 100), Ev.Refund("c1", 3, 60)]);
        var p = d.Profile("c1");
        Assert.Equal(2, p.Orders);
        Assert.Equal(140, p.LifetimeSpend, 6);
        var trailing = Segments.SegmentPolicy.Trailing(p, Ev.At(3, 12), new Time.BucketClock(d.Options));
        Assert.Equal(2, trailing.Purchases);
        Assert.Equal(140, trailing.Spend, 3);
        Assert.Equal(Ev.At(2, 12), p.LastPurchaseMs);
    }

    [Fact]
    public void Refund_alone_does_not_make_a_customer()
    {
        var d = Driver.Run([Ev.Refund("c1", 1, 30)]);
        Assert.Equal(0, d.Profile("c1").Orders);
        Assert.Equal("prospect", d.Path("c1", Segments.SegmentDimension.Lifecycle).Single());
    }

    [Fact]
    public void Redelivered_event_is_counted_once()
    {
        var p = Ev.Purchase("c1", 1, 100, "order-1");
        var d = Driver.Run([p, p, Ev.Purchase("c1", 2, 50, "order-2"), p]);
        Assert.Equal(2, d.Profile("c1").Orders);
        Assert.Equal(150, d.Profile("c1").LifetimeSpend);
        Assert.Equal(2, d.Sink.Duplicates.Count);
    }

    [Fact]
    public void Redelivery_within_the_lateness_bound_is_counted_once()
    {
        var p = Ev.Purchase("c1", 1, 100, "order-1", hour: 10);
        var d = new Driver(singleInput: true).Feed(p, Ev.Tick(1, 14), p with { }).Flush();
        Assert.Equal(1, d.Profile("c1").Orders);
        Assert.Single(d.Sink.Duplicates);
    }

    [Fact]
    public void Same_event_id_on_a_purchase_and_an_engagement_are_different_events()
    {
        var d = Driver.Run([Ev.Purchase("c1", 1, 10, "x"), Ev.Engage("c1", 1, Events.EventKind.Visit, "x")]);
        Assert.Empty(d.Sink.Duplicates);
        Assert.Equal(1, d.Profile("c1").Orders);
    }

    [Fact]
    public void Events_without_an_event_id_are_never_deduplicated()
    {
        var p = Ev.Purchase("c1", 1, 10);
        var d = Driver.Run([p, p]);
        Assert.Equal(2, d.Profile("c1").Orders);
    }

    [Fact]
    public void Event_older_than_the_horizon_is_late_and_not_applied()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 200));
        var late = Ev.Purchase("c2", 50, 999, "old");
        d.Feed(late).Flush();
        Assert.Equal([late], d.Sink.LateDropped);
        Assert.False(d.Engine.Profiles.ContainsKey("c2"));
        Assert.DoesNotContain(d.Sink.SegmentChanges, c => c.CustomerId == "c2");
    }

    [Fact]
    public void Late_event_within_the_horizon_is_applied()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 100), Ev.Tick(200));
        var late = Ev.Purchase("c1", 150, 70, "late-1");
        d.Feed(late).Flush();
        Assert.Equal([late], d.Sink.LateApplied);
        Assert.Equal(2, d.Profile("c1").Orders);
        Assert.Equal(Ev.At(150, 12), d.Profile("c1").LastPurchaseMs);
    }

    [Fact]
    public void Late_event_decisions_are_dated_at_the_watermark_and_earlier_decisions_stand()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 0), Ev.Tick(100));
        Assert.Single(d.AlertsFor("c1", Rules.AlertKind.Inactivity)); // silent at day 60
        d.Feed(Ev.Purchase("c1", 90)); // late: the customer was buying after all
        Assert.Single(d.AlertsFor("c1", Rules.AlertKind.Inactivity));
        var last = d.ChangesFor("c1").Last();
        Assert.Equal(d.Engine.Watermark, last.ChangedAtMs);
        Assert.Equal(Segments.ActivityStatus.Active, last.Segments.Activity);
    }
}
