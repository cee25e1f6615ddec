using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

public class InactivityTests
{
    [Fact]
    public void Customer_who_stops_buying_for_60_days_becomes_silent()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Purchase("c1", 10), Ev.Tick(80)]);
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity));
        Assert.Equal("silent", alert.Stage);
        Assert.Equal(Ev.At(70, 12), alert.DetectedAtMs);
        Assert.Equal(60, alert.Metrics.Current);
        Assert.Equal(60, alert.Metrics.Threshold);
        Assert.Equal("days_without_purchase", alert.Metrics.Unit);
        Assert.Equal(InactivityStage.Silent, d.Profile("c1").Stage);
    }

    [Fact]
    public void Customer_who_stops_buying_for_120_days_becomes_lost()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Purchase("c1", 10), Ev.Tick(200)]);
        var alerts = d.AlertsFor("c1", AlertKind.Inactivity);
        Assert.Equal(["silent", "lost"], alerts.Select(a => a.Stage));
        Assert.Equal(Ev.At(130, 12), alerts[1].DetectedAtMs);
        Assert.Equal(InactivityStage.Lost, d.Profile("c1").Stage);
        Assert.Equal(new SegmentSet(ValueTier.Low, Lifecycle.Lost, ActivityStatus.Lost) with { Value = d.Profile("c1").Segments.Value }, d.Profile("c1").Segments);
        Assert.True(alerts[1].Severity > alerts[0].Severity);
    }

    [Fact]
    public void Customer_who_buys_before_the_deadline_is_not_silent()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Purchase("c1", 59), Ev.Purchase("c1", 118), Ev.Tick(170)]);
        Assert.Empty(d.AlertsFor("c1", AlertKind.Inactivity));
    }

    [Fact]
    public void Silent_alert_is_dated_at_the_deadline_not_when_the_watermark_passed()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 0, hour: 10.5), Ev.Tick(100));
        // No flush and no further event from c1: the bystander's event moved the watermark past the deadline.
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity));
        Assert.Equal(Ev.At(60, 10.5), alert.DetectedAtMs);
        Assert.True(d.Engine.Watermark > Ev.At(99));
    }

    [Fact]
    public void Inactivity_does_not_fire_before_the_watermark_reaches_the_deadline()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 0), Ev.Tick(60, 12 + 5.9)); // watermark = deadline - 6 min
        Assert.Empty(d.AlertsFor("c1", AlertKind.Inactivity));
        d.Feed(Ev.Tick(60, 12 + 6));                                              // watermark = deadline
        Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity));
    }

    [Fact]
    public void Grocery_customers_go_silent_on_their_own_clock()
    {
        var o = new DetectionOptions();
        o.CategoryInactivity["grocery"] = new InactivityOptions { SilentAfterDays = 14, LostAfterDays = 45 };
        var d = Driver.Run([Ev.Purchase("g", 10, category: "grocery"), Ev.Purchase("e", 10, category: "electronics"), Ev.Tick(200)], o);

        var grocery = d.AlertsFor("g", AlertKind.Inactivity);
        Assert.Equal([Ev.At(24, 12), Ev.At(55, 12)], grocery.Select(a => a.DetectedAtMs));
        Assert.Equal([14.0, 45.0], grocery.Select(a => a.Metrics.Threshold));
        var other = d.AlertsFor("e", AlertKind.Inactivity);
        Assert.Equal([Ev.At(70, 12), Ev.At(130, 12)], other.Select(a => a.DetectedAtMs));
    }

    [Fact]
    public void The_category_of_the_last_purchase_picks_the_clock()
    {
        var o = new DetectionOptions();
        o.CategoryInactivity["grocery"] = new InactivityOptions { SilentAfterDays = 14, LostAfterDays = 45 };
        var d = Driver.Run([Ev.Purchase("c1", 0, category: "grocery"), Ev.Purchase("c1", 5, category: "furniture"), Ev.Tick(100)], o);
        Assert.Equal(Ev.At(65, 12), Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity)).DetectedAtMs);
    }

    [Fact]
    public void Refund_does_not_restart_the_inactivity_clock()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0, 100), Ev.Refund("c1", 30, 100), Ev.Tick(80)]);
        Assert.Equal(Ev.At(60, 12), Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity)).DetectedAtMs);
    }

    [Fact]
    public void Engagement_does_not_restart_the_inactivity_clock()
    {
        var d = Driver.Run(new[] { Ev.Purchase("c1", 0) }.Concat(Ev.Visits("c1", 1, 80, 1)));
        Assert.Equal(Ev.At(60, 12), Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity)).DetectedAtMs);
    }

    [Fact]
    public void Prospect_without_purchases_never_gets_an_inactivity_alert()
    {
        var d = Driver.Run(Ev.Visits("c1", 0, 10, 1).Append(Ev.Tick(300)));
        Assert.Empty(d.AlertsFor("c1", AlertKind.Inactivity));
    }

    [Fact]
    public void Lost_customer_who_buys_again_can_go_silent_again()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Purchase("c1", 150), Ev.Tick(260)]);
        Assert.Equal(["silent", "lost", "silent"], d.AlertsFor("c1", AlertKind.Inactivity).Select(a => a.Stage));
        Assert.Equal(Ev.At(210, 12), d.AlertsFor("c1", AlertKind.Inactivity)[2].DetectedAtMs);
    }
}

public class WatermarkTests
{
    [Fact]
    public void Purchases_input_holds_the_watermark_back_until_it_is_idle()
    {
        var d = new Driver().Feed(Ev.Purchase("c1", 0), Ev.Tick(100)); // tick arrives on the engagements input
        Assert.Empty(d.AlertsFor("c1", AlertKind.Inactivity));
        d.Engine.SetInputIdle(0, true, d.Sink);
        Assert.Equal(Ev.At(60, 12), Assert.Single(d.AlertsFor("c1", AlertKind.Inactivity)).DetectedAtMs);
    }

    [Fact]
    public void Watermark_is_the_largest_event_time_minus_the_allowed_lateness_and_never_goes_back()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Tick(10));
        Assert.Equal(Ev.At(10) - 6 * Time.EventTime.MillisPerHour, d.Engine.Watermark);
        d.Feed(Ev.Tick(5));
        Assert.Equal(Ev.At(10) - 6 * Time.EventTime.MillisPerHour, d.Engine.Watermark);
    }

    [Fact]
    public void Events_within_the_lateness_bound_wait_in_the_buffer()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c1", 10, hour: 12), Ev.Purchase("c2", 10, hour: 8));
        Assert.Equal(2, d.Engine.BufferedEvents);
        Assert.Empty(d.Sink.SegmentChanges);
        d.Flush();
        Assert.Equal(0, d.Engine.BufferedEvents);
        Assert.Equal(["c2", "c1"], d.Sink.SegmentChanges.Select(c => c.CustomerId)); // applied in event-time order
    }
}
