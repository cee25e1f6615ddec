using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Tests;

public class ChurnModelStreamTests
{
    private const double WeekMs = 7.0 * EventTime.MillisPerDay;

    /// <summary>An irregular buyer: bursts and gaps in the first six weeks, then nothing (visits go on, so the customer stays known).</summary>
    private static IEnumerable<CustomerEvent> IrregularBuyer(string c) =>
        new[] { 0, 4, 13, 15, 27, 30, 41 }.Select(d => Ev.Purchase(c, d, 60, $"{c}-p{d}"))
            .Concat(Ev.Visits(c, 1, 200, 9));

    [Fact]
    public void P_alive_expected_purchases_and_value_in_alerts_equal_the_closed_form_for_the_same_inputs()
    {
        var c = "c1";
        // purchase days 0, 3 (twice), 10, 24, 40 and a refund on day 50: x = 4 repeat days, refund and same-day order excluded
        var events = new[]
        {
            Ev.Purchase(c, 0, 30, "a"), Ev.Purchase(c, 3, 20, "b", hour: 9), Ev.Purchase(c, 3, 25, "c", hour: 18),
            Ev.Purchase(c, 10, 40, "d"), Ev.Purchase(c, 24, 35, "e"), Ev.Purchase(c, 40, 50, "f"), Ev.Refund(c, 50, 10, "g"),
            Ev.Tick(400),
        };
        var d = Driver.Run(events, model: TestModel.Create());
        var alerts = d.AlertsFor(c);
        Assert.Contains(alerts, a => a.Kind == AlertKind.Inactivity);
        Assert.Contains(alerts, a => a.Kind == AlertKind.ChurnRisk);
        var m = TestModel.BgNbd;
        foreach (var a in alerts)
        {
            var (x, tx) = (4, 40 / 7.0);
            var T = (a.DetectedAtMs - Ev.StartMs) / WeekMs;
            var score = a.Model!.Value;
            Assert.Equal((x, tx, T), (score.Inputs.X, score.Inputs.Tx, score.Inputs.T));
            // P(alive) by hand (eq. 11 of the technical note) and through ChurnStream.Model
            var byHand = 1 / (1 + m.A / (m.B + x - 1) * Math.Pow((m.Alpha + T) / (m.Alpha + tx), m.R + x));
            Assert.Equal(byHand, score.PAlive, 12);
            Assert.Equal(m.ProbabilityAlive(x, tx, T), score.PAlive, 15);
            Assert.Equal(m.ExpectedPurchases(13, x, tx, T), score.ExpectedPurchases, 15);
            var meanRepeat = (20 + 25 + 40 + 35 + 50) / 4.0;
            Assert.Equal(score.ExpectedPurchases * TestModel.GammaGamma.ExpectedAverageSpend(x, meanRepeat), score.ExpectedValue!.Value, 9);
        }
        var p = d.Profile(c);
        Assert.Equal(5, p.PurchaseDays);
        Assert.Equal((30.0, 170.0), (p.FirstDaySpend, p.RepeatSpend));
    }

    [Fact]
    public void Churn_risk_fires_for_an_irregular_buyer_whose_silence_is_unusual_for_them_before_the_inactivity_clock()
    {
        var d = Driver.Run(IrregularBuyer("c1").Append(Ev.Tick(250)), model: TestModel.Create());
        var risk = Assert.Single(d.AlertsFor("c1", AlertKind.ChurnRisk));
        var silent = d.AlertsFor("c1", AlertKind.Inactivity).First();
        Assert.True(risk.DetectedAtMs < silent.DetectedAtMs, $"{Ev.Iso(risk.DetectedAtMs)} vs {Ev.Iso(silent.DetectedAtMs)}");
        // at a review point (bucket boundary), the first one where P(alive) is below the threshold
        Assert.Equal(0, risk.DetectedAtMs % (5 * EventTime.MillisPerDay));
        Assert.True(risk.Metrics.Current < 0.5 && risk.Metrics.Threshold == 0.5 && risk.Metrics.Unit == "p_alive");
        Assert.Equal(risk.Metrics.Current, risk.Model!.Value.PAlive);
        var before = TestModel.BgNbd.ProbabilityAlive(6, 41 / 7.0, (risk.DetectedAtMs - 5 * EventTime.MillisPerDay - Ev.StartMs) / WeekMs);
        Assert.True(before >= 0.5, $"P(alive) one review earlier was {before}");
        // the customer is 'declining' while the risk is out; the silent alert still fires (the rules are unchanged)
        Assert.Equal("declining", risk.Segments.Activity.Name());
    }

    [Fact]
    public void One_time_buyers_never_get_churn_risk_and_stay_with_the_inactivity_rules()
    {
        // one purchase day (two orders on it): x = 0, P(alive) = 1 whatever the silence
        var events = new[] { Ev.Purchase("one", 0, 30, "a", hour: 9), Ev.Purchase("one", 0, 30, "b", hour: 15), Ev.Tick(400) };
        var d = Driver.Run(events, model: TestModel.Create());
        Assert.Empty(d.AlertsFor("one", AlertKind.ChurnRisk));
        var inactivity = d.AlertsFor("one", AlertKind.Inactivity);
        Assert.Equal(["silent", "lost"], inactivity.Select(a => a.Stage));
        Assert.All(inactivity, a => Assert.Equal(1.0, a.Model!.Value.PAlive));
    }

    [Fact]
    public void A_buyer_keeping_to_their_own_slow_rhythm_gets_no_churn_risk()
    {
        var events = Ev.Purchases("slow", 0, 300, 35).Concat(Ev.Visits("slow", 0, 300, 10)).Append(Ev.Tick(300));
        var d = Driver.Run(events, model: TestModel.Create());
        Assert.Empty(d.AlertsFor("slow", AlertKind.ChurnRisk));
    }

    [Fact]
    public void Without_a_model_there_is_no_churn_risk_and_pAlive_is_null()
    {
        var d = Driver.Run(IrregularBuyer("c1").Append(Ev.Tick(250)));
        Assert.DoesNotContain(d.Sink.Alerts, a => a.Kind == AlertKind.ChurnRisk);
        Assert.NotEmpty(d.Sink.Alerts);
        Assert.All(d.Sink.Alerts, a => Assert.Null(a.Model));
        Assert.All(d.Sink.Alerts, a => Assert.Contains("\"pAlive\":null,\"expectedPurchases\":null,\"expectedValue\":null",
            Encoding.UTF8.GetString(OutputJson.Serialize(a))));
    }

    [Fact]
    public void Churn_risk_rearms_when_a_new_purchase_lifts_P_alive_above_the_recovery_threshold()
    {
        var events = IrregularBuyer("c1").Concat(new[] { 80, 82, 90, 95 }.Select(day => Ev.Purchase("c1", day, 60, $"late{day}")))
            .Append(Ev.Tick(300));
        var d = Driver.Run(events, model: TestModel.Create());
        var risks = d.AlertsFor("c1", AlertKind.ChurnRisk);
        Assert.Equal(2, risks.Count);
        Assert.True(risks[0].DetectedAtMs < Ev.At(80) && risks[1].DetectedAtMs > Ev.At(95));
    }

    [Fact]
    public void Swapping_the_model_keeps_every_profile_and_changes_only_later_decisions()
    {
        var events = IrregularBuyer("c1").Concat(Ev.Purchases("c2", 0, 200, 6)).Append(Ev.Tick(250)).OrderBy(e => e.OccurredAtMs).ToList();
        var cut = events.FindIndex(e => e.OccurredAtMs >= Ev.At(45));
        var rulesOnly = new Driver().Feed(events.Take(cut));
        var swapped = new Driver().Feed(events.Take(cut));
        var withModel = new Driver(model: TestModel.Create()).Feed(events);
        var outputsAtSwap = swapped.Wire().Count;
        var clock = new BucketClock(swapped.Options);
        var before = ProfileCodec.Encode(swapped.Profile("c1"), clock);

        swapped.Engine.SetModel(TestModel.Create());
        // the swap itself changes no profile and emits nothing
        Assert.Equal(before, ProfileCodec.Encode(swapped.Profile("c1"), clock));
        Assert.Equal(outputsAtSwap, swapped.Wire().Count);
        Assert.Equal(rulesOnly.Wire().Select(Convert.ToBase64String), swapped.Wire().Select(Convert.ToBase64String));

        swapped.Feed(events.Skip(cut)).Flush();
        withModel.Flush();
        // after the swap the customer is judged by the model as if it had always been there: the same churn_risk
        var risk = Assert.Single(swapped.AlertsFor("c1", AlertKind.ChurnRisk));
        Assert.Equal(OutputJson.Serialize(withModel.AlertsFor("c1", AlertKind.ChurnRisk).Single()), OutputJson.Serialize(risk));
        // and swapping back to no model stops churn_risk and clears the model fields
        swapped.Engine.SetModel(null);
        Assert.Null(swapped.Engine.Model);
    }

    [Fact]
    public void A_late_purchase_on_a_day_already_counted_is_not_a_new_purchase_day()
    {
        var d = new Driver(singleInput: true).Feed(Ev.Purchase("c", 0, 10, "a"), Ev.Purchase("c", 5, 20, "b"), Ev.Tick(10));
        Assert.Equal(2, d.Profile("c").PurchaseDays);
        d.Feed(Ev.Purchase("c", 5, 30, "late-same-day", hour: 1), Ev.Purchase("c", 3, 40, "late-new-day"), Ev.Purchase("c", 0, 5, "late-first-day", hour: 2));
        Assert.Equal(3, d.Sink.LateApplied.Count);
        var p = d.Profile("c");
        Assert.Equal(3, p.PurchaseDays);
        Assert.Equal((15.0, 90.0), (p.FirstDaySpend, p.RepeatSpend));
    }

    [Fact]
    public void Model_options_are_validated_with_sentences_naming_the_setting()
    {
        var o = new Options.DetectionOptions();
        o.Model.ChurnRiskThreshold = 0.8;
        o.Model.RecoveryThreshold = 0.6;
        o.Model.HorizonPeriods = 0;
        var errors = o.Validate();
        Assert.Contains("Detection:Model:RecoveryThreshold (0.6) must be greater than ChurnRiskThreshold (0.8) and at most 1.", errors);
        Assert.Contains("Detection:Model:HorizonPeriods must be greater than 0 and at most 1000 (is 0).", errors);
    }

    [Fact]
    public void A_model_file_becomes_a_stream_model_with_its_unit_and_the_configured_horizon()
    {
        var file = Model.ModelFile.Create(TestModel.BgNbd, TestModel.GammaGamma, 946, new DateOnly(1997, 9, 30), null, 2357);
        var m = Scoring.ChurnModel.FromFile(Model.ModelFile.Parse(file.ToJson()), new Options.ChurnModelOptions { HorizonPeriods = 26 });
        Assert.Equal((7, 26.0), (m.TimeUnitDays, m.HorizonPeriods));
        Assert.NotNull(m.Spend);
        Assert.Contains("r=0.2426", m.Describe());
    }
}
