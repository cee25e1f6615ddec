namespace ChurnStream.Simulation.Tests;

public class AlertEvaluatorTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Onset = Start.AddDays(200);

    private static CustomerLabel Label(string id, string persona) =>
        Personas.IsDecline(persona) ? new CustomerLabel(id, persona, 200, Onset) : new CustomerLabel(id, persona, null, null);

    /// <summary>One customer per persona: c-loyal, c-regular, c-occasional, c-freq, c-spend, c-eng, c-silent, c-compl.</summary>
    private static readonly IReadOnlyList<CustomerLabel> Labels =
    [
        Label("c-loyal", Personas.Loyal), Label("c-regular", Personas.Regular), Label("c-occasional", Personas.Occasional),
        Label("c-freq", Personas.FrequencyDecline), Label("c-spend", Personas.SpendDecline), Label("c-eng", Personas.EngagementDecline),
        Label("c-silent", Personas.Silent), Label("c-compl", Personas.Complainer),
    ];

    private static AlertRecord Alert(string customer, string kind, double daysAfterOnset) => new(customer, kind, Onset.AddDays(daysAfterOnset));

    private static EvaluationReport Evaluate(params AlertRecord[] alerts) => AlertEvaluator.Evaluate(alerts, Labels);

    private static KindEvaluation Kind(EvaluationReport report, string kind) => report.Kinds.Single(k => k.Kind == kind);

    [Fact]
    public void An_accepted_alert_after_onset_is_a_true_positive()
    {
        var report = Evaluate(Alert("c-freq", AlertKinds.FrequencyDecline, 10));
        Assert.Equal(1, report.EvaluatedAlerts);
        Assert.Equal(1, report.TruePositives);
        Assert.Equal(1.0, report.Precision);
        Assert.Equal(5, report.PositiveCustomers);
        Assert.Equal(1, report.DetectedCustomers);
        Assert.Equal(0.2, report.Recall, 12);
        Assert.Equal(10.0, report.MedianDelayDays, 9);
    }

    [Fact]
    public void An_alert_exactly_at_onset_counts_with_zero_delay()
    {
        var report = Evaluate(Alert("c-spend", AlertKinds.SpendDecline, 0));
        Assert.Equal(1, report.TruePositives);
        Assert.Equal(0.0, report.MedianDelayDays);
    }

    [Fact]
    public void An_alert_before_onset_is_a_false_positive_and_detects_nothing()
    {
        var report = Evaluate(Alert("c-freq", AlertKinds.FrequencyDecline, -0.5));
        Assert.Equal(0, report.TruePositives);
        Assert.Equal(1, report.FalsePositives);
        Assert.Equal(1, report.AlertsBeforeOnset);
        Assert.Equal(0.0, report.Precision);
        Assert.Equal(0.0, report.Recall);
        Assert.True(double.IsNaN(report.MedianDelayDays));
    }

    [Theory]
    [InlineData("c-freq", AlertKinds.EngagementDecline)]
    [InlineData("c-spend", AlertKinds.FrequencyDecline)]
    [InlineData("c-eng", AlertKinds.SpendDecline)]
    [InlineData("c-silent", AlertKinds.Dissatisfaction)]
    [InlineData("c-compl", AlertKinds.Inactivity)]
    public void An_alert_of_a_kind_not_accepted_for_the_persona_is_a_false_positive(string customer, string kind)
    {
        var report = Evaluate(Alert(customer, kind, 5));
        Assert.Equal(0, report.TruePositives);
        Assert.Equal(1, report.AlertsOfWrongKind);
        Assert.Equal(0, report.DetectedCustomers);
    }

    [Theory]
    [InlineData("c-freq", AlertKinds.SpendDecline)]
    [InlineData("c-freq", AlertKinds.Inactivity)]
    [InlineData("c-silent", AlertKinds.Inactivity)]
    [InlineData("c-silent", AlertKinds.FrequencyDecline)]
    [InlineData("c-silent", AlertKinds.SpendDecline)]
    [InlineData("c-silent", AlertKinds.EngagementDecline)]
    [InlineData("c-compl", AlertKinds.Dissatisfaction)]
    [InlineData("c-eng", AlertKinds.EngagementDecline)]
    public void Secondary_kinds_accepted_for_a_persona_are_true_positives(string customer, string kind)
    {
        var report = Evaluate(Alert(customer, kind, 5));
        Assert.Equal(1, report.TruePositives);
        Assert.Equal(1, report.DetectedCustomers);
    }

    [Fact]
    public void Any_alert_on_a_stable_customer_is_a_false_positive_and_loyal_ones_are_counted_apart()
    {
        var report = Evaluate(
            Alert("c-loyal", AlertKinds.Inactivity, 1),
            Alert("c-loyal", AlertKinds.FrequencyDecline, 2),
            Alert("c-regular", AlertKinds.SpendDecline, 3),
            Alert("c-occasional", AlertKinds.Inactivity, 4));
        Assert.Equal(4, report.EvaluatedAlerts);
        Assert.Equal(0, report.TruePositives);
        Assert.Equal(4, report.AlertsOnNegativeCustomers);
        Assert.Equal(2, report.AlertsOnLoyalCustomers);
        Assert.Equal(0.0, report.Precision);
    }

    [Fact]
    public void Alerts_on_unknown_customers_are_false_positives()
    {
        var report = Evaluate(Alert("c-ghost", AlertKinds.Inactivity, 1), Alert("c-freq", AlertKinds.FrequencyDecline, 1));
        Assert.Equal(1, report.AlertsOnUnknownCustomers);
        Assert.Equal(0.5, report.Precision);
    }

    [Fact]
    public void Kinds_other_than_decline_kinds_are_ignored()
    {
        var report = Evaluate(Alert("c-loyal", "churn_risk", 1), Alert("c-freq", "churn_risk", 1), Alert("c-freq", AlertKinds.FrequencyDecline, 1));
        Assert.Equal(2, report.IgnoredAlerts);
        Assert.Equal(1, report.EvaluatedAlerts);
        Assert.Equal(1.0, report.Precision);
        Assert.Equal(0, report.AlertsOnLoyalCustomers);
    }

    [Fact]
    public void Per_kind_recall_counts_only_customers_detected_by_their_primary_kind()
    {
        var report = Evaluate(
            Alert("c-freq", AlertKinds.SpendDecline, 3),      // TP, but not the primary kind of frequency_decline
            Alert("c-silent", AlertKinds.FrequencyDecline, 4), // TP, but silent's primary kind is inactivity
            Alert("c-spend", AlertKinds.SpendDecline, 6),      // TP, primary
            Alert("c-compl", AlertKinds.Dissatisfaction, 2));  // TP, primary
        Assert.Equal(4, report.TruePositives);
        Assert.Equal(4, report.DetectedCustomers);

        var frequency = Kind(report, AlertKinds.FrequencyDecline);
        Assert.Equal((1, 1, 1, 0), (frequency.Alerts, frequency.TruePositives, frequency.Customers, frequency.Detected));
        Assert.Equal(0.0, frequency.Recall);
        Assert.True(double.IsNaN(frequency.MedianDelayDays));

        var spend = Kind(report, AlertKinds.SpendDecline);
        Assert.Equal((2, 2, 1, 1), (spend.Alerts, spend.TruePositives, spend.Customers, spend.Detected));
        Assert.Equal(1.0, spend.Precision);
        Assert.Equal(6.0, spend.MedianDelayDays, 9);

        var inactivity = Kind(report, AlertKinds.Inactivity);
        Assert.Equal(0, inactivity.Alerts);
        Assert.True(double.IsNaN(inactivity.Precision));
        Assert.Equal(0.0, inactivity.Recall);

        Assert.Equal(1.0, Kind(report, AlertKinds.Dissatisfaction).Recall);
    }

    [Fact]
    public void Per_kind_precision_counts_false_positives_of_that_kind()
    {
        var report = Evaluate(
            Alert("c-eng", AlertKinds.EngagementDecline, 1),
            Alert("c-loyal", AlertKinds.EngagementDecline, 1),
            Alert("c-freq", AlertKinds.EngagementDecline, 1),
            Alert("c-eng", AlertKinds.EngagementDecline, -3));
        var engagement = Kind(report, AlertKinds.EngagementDecline);
        Assert.Equal(4, engagement.Alerts);
        Assert.Equal(1, engagement.TruePositives);
        Assert.Equal(0.25, engagement.Precision);
    }

    [Fact]
    public void Delay_is_the_median_of_the_first_true_positive_per_customer()
    {
        var report = Evaluate(
            Alert("c-freq", AlertKinds.FrequencyDecline, 2),
            Alert("c-freq", AlertKinds.FrequencyDecline, 1), // earlier one counts, whatever the order
            Alert("c-spend", AlertKinds.SpendDecline, 4),
            Alert("c-eng", AlertKinds.EngagementDecline, -20), // early: does not count
            Alert("c-eng", AlertKinds.EngagementDecline, 10),
            Alert("c-silent", AlertKinds.Dissatisfaction, 0)); // wrong kind: does not count
        Assert.Equal(3, report.DetectedCustomers);
        Assert.Equal(4.0, report.MedianDelayDays, 9); // median of 1, 4, 10

        var even = Evaluate(Alert("c-freq", AlertKinds.FrequencyDecline, 1), Alert("c-spend", AlertKinds.SpendDecline, 4));
        Assert.Equal(2.5, even.MedianDelayDays, 9);
    }

    [Fact]
    public void Repeated_alerts_all_count_for_precision_but_once_for_recall()
    {
        var report = Evaluate(
            Alert("c-freq", AlertKinds.FrequencyDecline, 1),
            Alert("c-freq", AlertKinds.FrequencyDecline, 1),
            Alert("c-loyal", AlertKinds.Inactivity, 1),
            Alert("c-loyal", AlertKinds.Inactivity, 1));
        Assert.Equal(0.5, report.Precision);
        Assert.Equal(1, report.DetectedCustomers);
    }

    [Fact]
    public void Rendered_report_ends_with_the_summary_line()
    {
        var report = Evaluate(
            Alert("c-freq", AlertKinds.FrequencyDecline, 1.5),
            Alert("c-spend", AlertKinds.SpendDecline, 4),
            Alert("c-loyal", AlertKinds.Inactivity, 1));
        var lines = report.Render().Split('\n');
        Assert.Equal("precision=0.667 recall=0.400 delay_days=2.750", lines[^1]);
        Assert.Contains(lines, l => l.StartsWith("overall", StringComparison.Ordinal));
        foreach (var kind in AlertKinds.Evaluated)
            Assert.Contains(lines, l => l.StartsWith(kind + " ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(AlertKinds.Dissatisfaction, StringComparison.Ordinal) && l.Contains("n/a", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_alerts_the_summary_shows_undefined_values_as_na()
    {
        var report = Evaluate();
        Assert.Equal("precision=n/a recall=0.000 delay_days=n/a", report.Render().Split('\n')[^1]);
    }

    [Fact]
    public void Labels_with_the_same_customer_twice_are_rejected() =>
        Assert.Throws<ArgumentException>(() => AlertEvaluator.Evaluate([], [Label("c-1", Personas.Loyal), Label("c-1", Personas.Silent)]));

    [FsCheck.Xunit.Property]
    public bool Counts_are_consistent_for_any_alerts(FsCheck.NonNegativeInt[] customers, FsCheck.NonNegativeInt[] kinds, int[] offsets)
    {
        var allKinds = AlertKinds.Evaluated.Append("churn_risk").ToArray();
        int n = Math.Min(customers.Length, Math.Min(kinds.Length, offsets.Length));
        var alerts = Enumerable.Range(0, n).Select(i => new AlertRecord(
            Labels[customers[i].Get % Labels.Count].CustomerId, allKinds[kinds[i].Get % allKinds.Length], Onset.AddHours(offsets[i]))).ToList();
        var r = AlertEvaluator.Evaluate(alerts, Labels);
        return r.EvaluatedAlerts + r.IgnoredAlerts == n
            && r.TruePositives + r.AlertsOnNegativeCustomers + r.AlertsOnUnknownCustomers + r.AlertsBeforeOnset + r.AlertsOfWrongKind == r.EvaluatedAlerts
            && r.Kinds.Sum(k => k.Alerts) == r.EvaluatedAlerts
            && r.Kinds.Sum(k => k.TruePositives) == r.TruePositives
            && r.DetectedCustomers <= r.PositiveCustomers
            && r.Kinds.Sum(k => k.Detected) <= r.DetectedCustomers
            && (double.IsNaN(r.MedianDelayDays) || r.MedianDelayDays >= 0);
    }
}
