using ChurnStream.Domain.Advice;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

/// <summary>Suspected reasons for hand-made histories that behave like the generator's personas, and the playbook.</summary>
public class ReasonAndPlaybookTests
{
    /// <summary>A loyal customer as the generator makes them: a purchase a week, a visit every 2 days, an e-mail opened weekly.</summary>
    private static IEnumerable<CustomerEvent> Loyal(string c, double from, double to, double amount = 80) =>
        Ev.Purchases(c, from, to, 7, amount)
            .Concat(Ev.Visits(c, from + 1, to, 2))
            .Concat(Enumerable.Range(0, (int)((to - from) / 7)).Select(i => Ev.Engage(c, from + 3 + 7 * i, EventKind.EmailOpen, $"{c}-m{i}")));

    [Fact]
    public void Complainer_gets_service_and_the_high_value_service_action()
    {
        var c = "complainer";
        var events = Loyal(c, 0, 200)
            .Append(Ev.Complaint(c, 160) with { Reason = StatedReason.Service, EventId = "k1" })
            .Append(Ev.Complaint(c, 163) with { Reason = StatedReason.Service, EventId = "k2" })
            .Append(Ev.Feedback(c, 165, 1) with { EventId = "f1" });
        var d = Driver.Run(events);
        var a = d.AlertsFor(c, AlertKind.Dissatisfaction).First();
        Assert.Equal(SuspectedReason.Service, a.Advice!.Reason);
        Assert.Equal(2, a.Advice.Evidence.Complaints);
        Assert.Equal(StatedReason.Service, a.Advice.Evidence.StatedReason);
        Assert.Equal(ValueTier.High, a.Segments.Value);
        Assert.Equal("apology, compensation and account-manager call", a.Advice.RecommendedAction);
        Assert.Equal(Sentiment.Dissatisfied, a.Segments.Sentiment);
    }

    [Fact]
    public void Complaints_without_a_stated_reason_still_point_to_service()
    {
        var c = "grumbler";
        var events = Loyal(c, 0, 200, amount: 20).Append(Ev.Complaint(c, 160)).Append(Ev.Complaint(c, 161, hour: 15));
        var a = Driver.Run(events).AlertsFor(c, AlertKind.Dissatisfaction).First();
        Assert.Equal(SuspectedReason.Service, a.Advice!.Reason);
        Assert.Equal(StatedReason.None, a.Advice.Evidence.StatedReason);
        Assert.Equal("apology and service follow-up", a.Advice.RecommendedAction);
    }

    [Fact]
    public void Frequency_decline_while_still_engaging_points_to_price()
    {
        var c = "freq";
        // weekly until day 150, then a purchase every 25 days; visits and e-mails as before
        var events = Ev.Purchases(c, 0, 150, 7, 40).Concat(Ev.Purchases(c, 175, 260, 25, 40).Select(e => e with { EventId = e.EventId + "s" }))
            .Concat(Ev.Visits(c, 1, 260, 2));
        var d = Driver.Run(events);
        var a = d.AlertsFor(c, AlertKind.FrequencyDecline).First();
        Assert.Equal(SuspectedReason.Price, a.Advice!.Reason);
        Assert.InRange(a.Advice.Evidence.InteractionRatio!.Value, 0.8, 1.25);
        Assert.True(a.Advice.Evidence.PurchaseRatio < 0.5);
        Assert.Equal(0, a.Advice.Evidence.Complaints);
        Assert.Equal("time-limited offer", a.Advice.RecommendedAction);
    }

    [Fact]
    public void Silent_customer_whose_purchases_and_engagement_stop_together_points_to_need_change()
    {
        var c = "silent";
        // loyal until day 150, then only an e-mail opened now and then
        var events = Loyal(c, 0, 150, amount: 30)
            .Concat(new[] { 175, 205, 235 }.Select(day => Ev.Engage(c, day, EventKind.EmailOpen, $"late-mail{day}")))
            .Append(Ev.Tick(280));
        var d = Driver.Run(events);
        var silent = d.AlertsFor(c, AlertKind.Inactivity).First();
        Assert.Equal("silent", silent.Stage);
        Assert.Equal(SuspectedReason.NeedChange, silent.Advice!.Reason);
        Assert.True(silent.Advice.Evidence.InteractionRatio < 0.5);
        Assert.Equal("cross-sell or referral", silent.Advice.RecommendedAction);
        Assert.All(d.AlertsFor(c).Where(x => x.Kind != AlertKind.Dissatisfaction), x => Assert.Equal(SuspectedReason.NeedChange, x.Advice!.Reason));
    }

    [Fact]
    public void A_stated_price_reason_wins_over_behaviour()
    {
        var c = "priced-out";
        var events = Loyal(c, 0, 150, amount: 30)
            .Append(Ev.Feedback(c, 140, 3) with { Reason = StatedReason.Price, EventId = "fb" })
            .Append(Ev.Tick(280));
        var silent = Driver.Run(events).AlertsFor(c, AlertKind.Inactivity).First();
        Assert.Equal(SuspectedReason.Price, silent.Advice!.Reason);
        Assert.Equal(StatedReason.Price, silent.Advice.Evidence.StatedReason);
    }

    [Fact]
    public void Engagement_decline_with_purchases_steady_has_no_known_reason()
    {
        var c = "eng";
        var events = Ev.Purchases(c, 0, 260, 7, 40).Concat(Ev.Visits(c, 1, 150, 2)).Concat(Ev.Visits(c, 150, 260, 14).Select(e => e with { EventId = e.EventId + "b" }));
        var a = Driver.Run(events).AlertsFor(c, AlertKind.EngagementDecline).First();
        Assert.Equal(SuspectedReason.Unknown, a.Advice!.Reason);
        Assert.Equal("review the customer", a.Advice.RecommendedAction);
    }

    private static PlaybookOptions Book(params PlaybookRule[] rules) => new() { DefaultAction = "default", Rules = [.. rules] };

    [Fact]
    public void Playbook_takes_the_first_matching_rule_in_order_with_wildcards_and_falls_back_to_the_default()
    {
        var book = new Playbook(Book(
            new PlaybookRule { Reason = "service", Tier = "high", Action = "call" },
            new PlaybookRule { Reason = "service", Action = "apology" },
            new PlaybookRule { Kind = "inactivity", Stage = "silent", Action = "e-mail" },
            new PlaybookRule { Kind = "inactivity", Action = "win-back" },
            new PlaybookRule { Reason = "service", Tier = "low", Action = "never reached" }));
        Assert.Equal("call", book.ActionFor(AlertKind.FrequencyDecline, null, SuspectedReason.Service, ValueTier.High));
        Assert.Equal("apology", book.ActionFor(AlertKind.FrequencyDecline, null, SuspectedReason.Service, ValueTier.Low));
        Assert.Equal("apology", book.ActionFor(AlertKind.Inactivity, "silent", SuspectedReason.Service, ValueTier.Medium));
        Assert.Equal("e-mail", book.ActionFor(AlertKind.Inactivity, "silent", SuspectedReason.Unknown, ValueTier.Medium));
        Assert.Equal("win-back", book.ActionFor(AlertKind.Inactivity, "lost", SuspectedReason.Price, ValueTier.Medium));
        Assert.Equal("default", book.ActionFor(AlertKind.SpendDecline, null, SuspectedReason.Price, ValueTier.Low));
    }

    [Fact]
    public void Without_configured_rules_the_default_playbook_applies()
    {
        var book = new Playbook(new PlaybookOptions());
        Assert.Equal("time-limited offer", book.ActionFor(AlertKind.SpendDecline, null, SuspectedReason.Price, ValueTier.Low));
        Assert.Equal("re-engagement e-mail", book.ActionFor(AlertKind.Inactivity, "silent", SuspectedReason.Unknown, ValueTier.Low));
        Assert.Equal("review the customer", book.ActionFor(AlertKind.EngagementDecline, null, SuspectedReason.Unknown, ValueTier.Low));
    }

    [Fact]
    public void Unknown_names_in_the_playbook_are_reported_as_actionable_sentences()
    {
        var o = new DetectionOptions { Playbook = Book(
            new PlaybookRule { Kind = "frequency", Action = "x" },
            new PlaybookRule { Reason = "pricing", Action = "x" },
            new PlaybookRule { Tier = "gold", Action = "x" },
            new PlaybookRule { Kind = "churn_risk", Stage = "lost", Action = "x" },
            new PlaybookRule { Stage = "gone", Action = "x" },
            new PlaybookRule { Reason = "price", Action = " " }) };
        var errors = o.Validate();
        Assert.Contains("Detection:Playbook:Rules:0:Kind 'frequency' is not an alert kind (one of frequency_decline, spend_decline, engagement_decline, dissatisfaction, inactivity, churn_risk or *).", errors);
        Assert.Contains("Detection:Playbook:Rules:1:Reason 'pricing' is not a reason (one of unknown, service, price, need_change or *).", errors);
        Assert.Contains("Detection:Playbook:Rules:2:Tier 'gold' is not a value tier (one of low, medium, high or *).", errors);
        Assert.Contains("Detection:Playbook:Rules:3:Stage 'lost' needs Kind 'inactivity' (is 'churn_risk').", errors);
        Assert.Contains("Detection:Playbook:Rules:4:Stage 'gone' is not an inactivity stage (silent, lost or *).", errors);
        Assert.Contains("Detection:Playbook:Rules:5:Action must not be empty.", errors);
        Assert.Throws<ArgumentException>(() => new Engine.PartitionEngine(o));
    }

    [Fact]
    public void Priority_puts_every_high_value_alert_before_every_medium_and_low_one()
    {
        var all = from t in Enum.GetValues<ValueTier>() from s in Enum.GetValues<Severity>() select (t, s, p: PriorityPolicy.For(t, s));
        foreach (var a in all)
            foreach (var b in all)
            {
                if (a.t > b.t) Assert.True(a.p < b.p, $"{a} vs {b}");
                if (a.t == b.t && a.s > b.s) Assert.True(a.p < b.p, $"{a} vs {b}");
            }
        Assert.Equal(1, PriorityPolicy.For(ValueTier.High, Severity.Critical));
        Assert.Equal(12, PriorityPolicy.For(ValueTier.Low, Severity.Low));
    }

    [Fact]
    public void In_the_stream_a_high_value_customer_alert_has_a_higher_priority_than_a_low_value_one_for_the_same_decline()
    {
        var events = Ev.Purchases("big", 0, 150, 5, 150).Concat(Ev.Purchases("small", 0, 150, 5, 5)).Append(Ev.Tick(260));
        var d = Driver.Run(events);
        var big = d.AlertsFor("big", AlertKind.FrequencyDecline).First();
        var small = d.AlertsFor("small", AlertKind.FrequencyDecline).First();
        Assert.Equal((ValueTier.High, ValueTier.Medium), (big.Segments.Value, small.Segments.Value));
        Assert.True(big.Advice!.Priority < small.Advice!.Priority);
    }
}
