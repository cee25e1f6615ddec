using ChurnStream.Domain.Events;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Tests;

public class DeclineTests
{
    [Fact]
    public void Weekly_buyer_who_drops_to_one_purchase_a_month_gets_a_frequency_decline_alert()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 120, 7).Concat(Ev.Purchases("c1", 126, 200, 30)).Append(Ev.Tick(200)));

        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.FrequencyDecline));
        Assert.True(alert.Metrics.Ratio <= 0.5, $"ratio {alert.Metrics.Ratio}");
        Assert.Equal(0.5, alert.Metrics.Threshold);
        Assert.Equal("purchases_per_day", alert.Metrics.Unit);
        Assert.True(alert.DetectedAtMs > Ev.At(120) && alert.DetectedAtMs <= Ev.At(160));
        Assert.Equal(0, alert.DetectedAtMs % (5 * EventTime.MillisPerDay)); // evaluated at a bucket boundary
        Assert.Equal(Segments.ActivityStatus.Declining, alert.Segments.Activity);
    }

    [Fact]
    public void Steady_weekly_buyer_gets_no_decline_alert()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 200, 7).Append(Ev.Tick(200)));
        Assert.Empty(d.Sink.Alerts);
    }

    private static List<Events.CustomerEvent> HalfRateAfterDay91()
    {
        // 3 a day for 90 days fixes the baseline at 3/day; then 1.5 a day: at boundary day 121 the current window holds only
        // the slow days, so the current rate is exactly 0.5 of the baseline rate.
        var fast = Enumerable.Range(0, 90 * 3).Select(i => Ev.Purchase("c1", 1 + i / 3.0, 10, $"f{i}", hour: 0));
        var slow = Enumerable.Range(0, 60 * 3 / 2).Select(i => Ev.Purchase("c1", 91 + i * 2 / 3.0, 10, $"s{i}", hour: 0));
        return fast.Concat(slow).Append(Ev.Tick(160)).ToList();
    }

    [Fact]
    public void Rate_of_exactly_half_the_baseline_fires_a_frequency_decline_with_default_options()
    {
        var d = Driver.Run(HalfRateAfterDay91());
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.FrequencyDecline));
        Assert.Equal(0.5, alert.Metrics.Ratio!.Value, 6);
        Assert.Equal(Ev.At(121), alert.DetectedAtMs);
    }

    [Fact]
    public void Fortnightly_buyer_with_one_purchase_instead_of_two_in_a_month_is_not_declining()
    {
        // Baseline: a purchase every 13 days predicts 2.3 in 30 days. One purchase is under half the rate but only
        // 1.3 purchases short of it: below MinShortfall (1.5), so no alert. None at all is 2.3 short: an alert.
        var steady = Ev.Purchases("c1", 0, 160, 13);
        var oneGap = Ev.Purchases("c1", 0, 130, 13).Append(Ev.Purchase("c1", 140, 50)).Append(Ev.Tick(160));
        Assert.Empty(Driver.Run(steady.Append(Ev.Tick(165))).AlertsFor("c1", AlertKind.FrequencyDecline));
        Assert.Empty(Driver.Run(oneGap).AlertsFor("c1", AlertKind.FrequencyDecline));
        var stopped = Ev.Purchases("c1", 0, 130, 13).Append(Ev.Tick(175));
        Assert.NotEmpty(Driver.Run(stopped).AlertsFor("c1", AlertKind.FrequencyDecline));
    }

    [Fact]
    public void Published_ratio_is_the_current_rate_over_the_baseline_rate()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 120, 7).Concat(Ev.Purchases("c1", 126, 200, 30)).Append(Ev.Tick(200)));
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.FrequencyDecline));
        Assert.Equal(alert.Metrics.Current / alert.Metrics.Baseline!.Value, alert.Metrics.Ratio!.Value, 6);
    }

    [Fact]
    public void Alert_fires_once_while_the_decline_holds_and_again_after_recovery()
    {
        var events = Ev.Purchases("c1", 0, 120, 7)          // weekly
            .Concat(Ev.Purchases("c1", 126, 216, 30))       // monthly: decline
            .Concat(Ev.Purchases("c1", 216, 340, 7))        // weekly again: recovery
            .Concat(Ev.Purchases("c1", 346, 440, 30))       // monthly again: a new decline
            .Append(Ev.Tick(440));
        var d = Driver.Run(events);

        var alerts = d.AlertsFor("c1", AlertKind.FrequencyDecline);
        Assert.Equal(2, alerts.Count);
        Assert.InRange(alerts[0].DetectedAtMs, Ev.At(120), Ev.At(216));
        Assert.InRange(alerts[1].DetectedAtMs, Ev.At(340), Ev.At(440));
        Assert.NotEqual(alerts[0].AlertId, alerts[1].AlertId);
        // the activity segment follows: declining, back to active, declining again
        Assert.Equal(["active", "declining", "active", "declining"], d.Path("c1", Segments.SegmentDimension.Activity).Take(4));
    }

    [Fact]
    public void Occasional_buyer_is_left_to_the_inactivity_clock()
    {
        // Every 45 days: the baseline predicts under 1.5 purchases in 30 days, so an empty current window is normal for them.
        var d = Driver.Run(Ev.Purchases("c1", 0, 181, 45).Append(Ev.Tick(310)));

        Assert.Empty(d.AlertsFor("c1", AlertKind.FrequencyDecline));
        Assert.Empty(d.AlertsFor("c1", AlertKind.SpendDecline));
        var inactivity = d.AlertsFor("c1", AlertKind.Inactivity);
        Assert.Equal(["silent", "lost"], inactivity.Select(a => a.Stage));
        Assert.Equal(Ev.At(180 + 60, 12), inactivity[0].DetectedAtMs);
    }

    [Fact]
    public void Customer_with_too_few_baseline_purchases_gets_no_decline_alert()
    {
        // Two purchases in the baseline window (minimum is 3), though they predict 2 in the current window.
        var d = Driver.Run(new[] { Ev.Purchase("c1", 70), Ev.Purchase("c1", 80), Ev.Tick(150) });
        Assert.Empty(d.AlertsFor("c1", AlertKind.FrequencyDecline));
    }

    [Fact]
    public void Customer_who_spends_a_fifth_of_what_they_used_to_gets_a_spend_decline_but_no_frequency_decline()
    {
        var d = Driver.Run(Ev.Purchases("c1", 0, 120, 7, amount: 100).Concat(Ev.Purchases("c1", 120, 200, 7, amount: 20)).Append(Ev.Tick(200)));

        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.SpendDecline));
        Assert.Equal("spend_per_day", alert.Metrics.Unit);
        Assert.InRange(alert.Metrics.Ratio!.Value, 0.15, 0.5);
        Assert.Empty(d.AlertsFor("c1", AlertKind.FrequencyDecline));
    }

    [Fact]
    public void Refunds_can_cause_a_spend_decline_without_a_frequency_decline()
    {
        var refunds = Ev.Purchases("c1", 120, 200, 7).Select(p => Ev.Refund("c1", (p.OccurredAtMs - Ev.StartMs) / (double)EventTime.MillisPerDay, 40, hour: 0) with
        {
            OccurredAtMs = p.OccurredAtMs + EventTime.MillisPerHour,
        });
        var d = Driver.Run(Ev.Purchases("c1", 0, 200, 7, amount: 50).Concat(refunds).Append(Ev.Tick(200)));

        Assert.Single(d.AlertsFor("c1", AlertKind.SpendDecline));
        Assert.Empty(d.AlertsFor("c1", AlertKind.FrequencyDecline));
    }

    [Fact]
    public void Daily_visitor_who_drops_to_weekly_visits_gets_an_engagement_decline_alert()
    {
        var d = Driver.Run(Ev.Visits("c1", 0, 120, 1).Concat(Ev.Visits("c1", 120, 200, 7)).Append(Ev.Tick(200)));

        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.EngagementDecline));
        Assert.Equal("interactions_per_day", alert.Metrics.Unit);
        Assert.True(alert.Metrics.Ratio <= 0.5);
        Assert.Empty(d.AlertsFor("c1", AlertKind.FrequencyDecline));
    }

    [Fact]
    public void Complaints_and_tickets_do_not_count_as_engagement()
    {
        // Daily complaints then silence: complaints are not interactions, so there is no engagement baseline to decline from.
        var events = Enumerable.Range(0, 100).Select(i => Ev.Engage("c1", i, EventKind.SupportTicket, $"t{i}"))
            .Concat(Enumerable.Range(0, 100).Select(i => Ev.Engage("c1", i, EventKind.Unsubscribe, $"u{i}")))
            .Append(Ev.Tick(200));
        var d = Driver.Run(events);
        Assert.Empty(d.AlertsFor("c1", AlertKind.EngagementDecline));
    }

    [Fact]
    public void Occasional_visitor_is_not_judged_on_engagement()
    {
        // 5 visits in the baseline window: under the engagement minimum of 6.
        var d = Driver.Run(Ev.Visits("c1", 0, 90, 18).Append(Ev.Tick(200)));
        Assert.Empty(d.AlertsFor("c1", AlertKind.EngagementDecline));
    }

    [Fact]
    public void High_value_customer_gets_a_higher_severity_for_the_same_drop()
    {
        var events = Ev.Purchases("big", 0, 120, 7, amount: 200).Concat(Ev.Purchases("big", 126, 200, 30, amount: 200))
            .Concat(Ev.Purchases("small", 0, 120, 7, amount: 10)).Concat(Ev.Purchases("small", 126, 200, 30, amount: 10))
            .Append(Ev.Tick(200));
        var d = Driver.Run(events);

        var big = Assert.Single(d.AlertsFor("big", AlertKind.FrequencyDecline));
        var small = Assert.Single(d.AlertsFor("small", AlertKind.FrequencyDecline));
        Assert.Equal(small.Metrics.Ratio, big.Metrics.Ratio);
        Assert.Equal(small.DetectedAtMs, big.DetectedAtMs);
        Assert.Equal(Segments.ValueTier.High, big.Segments.Value);
        Assert.Equal(Segments.ValueTier.Medium, small.Segments.Value);
        Assert.True(big.Severity > small.Severity, $"{big.Severity} vs {small.Severity}");
    }

    [Theory]
    [InlineData(0.45, 0, Segments.ValueTier.Low, Severity.Low)]
    [InlineData(0.25, 0, Segments.ValueTier.Low, Severity.Medium)]
    [InlineData(0.05, 0, Segments.ValueTier.Low, Severity.High)]
    [InlineData(0.45, 0, Segments.ValueTier.High, Severity.High)]
    [InlineData(0.25, 0, Segments.ValueTier.High, Severity.Critical)]
    [InlineData(0.0, 0, Segments.ValueTier.High, Severity.Critical)]
    [InlineData(0.45, 0, Segments.ValueTier.Medium, Severity.Medium)]
    public void Severity_rises_with_the_size_of_the_drop_and_the_value_tier(double ratio, int _, Segments.ValueTier tier, Severity expected) =>
        Assert.Equal(expected, SeverityPolicy.For(SeverityPolicy.DropLevel(ratio), tier));

    [Fact]
    public void Bigger_drop_gives_higher_severity_for_the_same_customer_tier()
    {
        // "stop": known since day 0, a burst of 10 purchases on days 85-89 then nothing: the first boundary with a full baseline
        // already has an empty current window (large drop). "slow": weekly, then monthly (moderate drop). Both are medium value.
        var events = Enumerable.Range(0, 10).Select(i => Ev.Purchase("stop", 85 + i / 2.0, 10, $"b{i}", hour: 0))
            .Append(Ev.Engage("stop", 0))
            .Concat(Ev.Purchases("slow", 0, 120, 7, amount: 10)).Concat(Ev.Purchases("slow", 126, 200, 30, amount: 10))
            .Append(Ev.Tick(200));
        var d = Driver.Run(events);
        var stop = d.AlertsFor("stop", AlertKind.FrequencyDecline)[0];
        var slow = d.AlertsFor("slow", AlertKind.FrequencyDecline)[0];
        Assert.Equal(stop.Segments.Value, slow.Segments.Value);
        Assert.True(stop.Metrics.Ratio < slow.Metrics.Ratio, $"stop ratio {stop.Metrics.Ratio}, slow ratio {slow.Metrics.Ratio}");
        Assert.True(stop.Severity > slow.Severity, $"{stop.Severity} vs {slow.Severity}");
    }
}
