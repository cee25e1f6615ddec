using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Tests;

/// <summary>Regression tests for violations of the specification found (and fixed) while writing the suite.</summary>
public class RegressionTests
{
    // BUG 1 — PartitionEngine.Flush/Accept: an event that arrives exactly at the watermark is buffered but not drained, and Flush
    // (AdvanceTo(MaxEventTime)) is a no-op when the watermark is already there. With AllowedLatenessHours = 0 (valid) the second of
    // two simultaneous events is never applied.
    [Fact]
    public void With_zero_lateness_Flush_applies_every_event()
    {
        var d = new Driver(new DetectionOptions { AllowedLatenessHours = 0 }, singleInput: true)
            .Feed(Ev.Purchase("a", 1), Ev.Purchase("b", 1)).Flush();
        Assert.Equal(0, d.Engine.BufferedEvents);
        Assert.Equal(1, d.Profile("b").Orders);
    }

    // BUG 2 — PartitionEngine.Drain applies events with OccurredAt <= Watermark. An event exactly at the lateness bound (arriving
    // after an event exactly AllowedLateness later) is therefore applied after same-instant events that were already drained,
    // instead of in EventTimeOrder: the outcome depends on arrival order. Here the category of the "last" purchase (and so the
    // inactivity clock and the silent alert's date) depends on which of two simultaneous purchases arrived first.
    [Fact]
    public void Events_exactly_at_the_lateness_bound_are_applied_in_event_time_order()
    {
        var o = new DetectionOptions();
        o.CategoryInactivity["grocery"] = new InactivityOptions { SilentAfterDays = 14, LostAfterDays = 45 };
        var a = Ev.Purchase("c1", 10, 20, "a", category: "grocery", hour: 0);
        var b = Ev.Purchase("c1", 10, 20, "b", category: "tv", hour: 0);
        var bound = Ev.Tick(10, 6); // exactly AllowedLatenessHours (6 h) later

        var ab = new Driver(o, singleInput: true).Feed(a, bound, b, Ev.Tick(200)).Flush();
        var ba = new Driver(o, singleInput: true).Feed(b, bound, a, Ev.Tick(200)).Flush();

        Assert.Equal(ab.WireText(), ba.WireText());
    }

    // BUG 3 — ProfileUpdater dedupes on the last 4 event-id fingerprints only. A redelivery that arrives after the watermark (late,
    // but within the horizon) is applied a second time once the customer has had 4 other events: spec says "Duplicate deliveries
    // of the same eventId for a customer are counted once".
    // Documented bound (README, "Duplicates"): a redelivery is recognised within the lateness bound (it sorts next to its
    // original) or when it is among the customer's last four events; an older late redelivery counts again.
    [Fact]
    public void Late_redelivery_among_the_customers_last_four_events_is_counted_once()
    {
        var d = new Driver(singleInput: true).FeedInOrder(Ev.Purchases("c1", 0, 4, 1)).Feed(Ev.Tick(20));
        var ordersBefore = d.Profile("c1").Orders;
        d.Feed(Ev.Purchase("c1", 1, 50, "c1-p1")).Flush(); // same event id as the day-1 purchase, redelivered late

        Assert.Equal(ordersBefore, d.Profile("c1").Orders);
        Assert.Single(d.Sink.Duplicates);
        Assert.Empty(d.Sink.LateApplied);
    }

    // BUG 4 — DeclineRule returns Recovered: true whenever there is no "real" baseline, and CustomerDecisions.Review re-arms on it.
    // A customer who slows from every 10 days to every 32 days drops in and out of having a real baseline (4 vs 5 purchases in 90
    // days) and gets a second frequency_decline alert although the ratio never came back to RecoveryRatio (0.8).
    [Fact]
    public void Customer_in_a_steady_decline_is_alerted_once_until_they_recover()
    {
        var events = Ev.Purchases("c1", 0, 101, 10).Concat(Ev.Purchases("c1", 132, 400, 32)).Append(Ev.Tick(400)).ToList();
        var d = Driver.Run(events);
        var alerts = d.AlertsFor("c1", AlertKind.FrequencyDecline);
        Assert.NotEmpty(alerts);

        // Independently: between consecutive alerts, was there a boundary with a real baseline and ratio >= RecoveryRatio?
        var o = new DetectionOptions();
        var clock = new BucketClock(o);
        for (var i = 0; i + 1 < alerts.Count; i++)
        {
            var recovered = false;
            for (var b = clock.BucketOf(alerts[i].DetectedAtMs) + 1; b < clock.BucketOf(alerts[i + 1].DetectedAtMs); b++)
            {
                var p = new CustomerProfile("c1");
                foreach (var e in events.Where(e => e.CustomerId == "c1" && e.OccurredAtMs < clock.StartOf(b))) ProfileUpdater.Apply(p, e, clock);
                var f = DeclineRule.Evaluate(AlertKind.FrequencyDecline, p, b, clock, o);
                recovered |= f.HasBaseline && f.Ratio >= o.Frequency.RecoveryRatio;
            }
            Assert.True(recovered, $"alert {i + 1} at {Ev.Iso(alerts[i + 1].DetectedAtMs)} without recovery since {Ev.Iso(alerts[i].DetectedAtMs)}");
        }
    }
}
