namespace ChurnStream.Simulation.Tests;

public class PersonaBehaviourTests
{
    private static readonly DateTimeOffset Start = Population.Options.Start;

    private static IEnumerable<DateTimeOffset> Purchases(CustomerLabel label) =>
        Population.Of(label.CustomerId).Where(e => e.IsPurchase).Select(e => e.At);

    private static List<ParsedEvent> Engagements(CustomerLabel label) =>
        Population.Of(label.CustomerId).Where(e => !e.IsPurchase).ToList();

    /// <summary>Events per day in [from, to).</summary>
    private static double Rate(IEnumerable<DateTimeOffset> times, DateTimeOffset from, DateTimeOffset to) =>
        times.Count(t => t >= from && t < to) / (to - from).TotalDays;

    private static readonly DateTimeOffset BaselineFrom = Start.AddDays(30);

    [Fact]
    public void Loyal_customers_buy_at_a_steady_rhythm()
    {
        foreach (var label in Population.WithPersona(Personas.Loyal))
        {
            var gaps = Population.Gaps(Purchases(label));
            Assert.True(gaps.Count >= 30, $"{Population.Describe(label)}: only {gaps.Count + 1} purchases");
            // Every gap is mean x uniform(0.85, 1.15) with a mean in [5, 10] days (+ one second of rounding).
            Assert.All(gaps, g => Assert.InRange(g, 5 * 0.85 - 1e-4, 10 * 1.15 + 1e-4));
            Assert.True(gaps.Max() / gaps.Min() <= 1.15 / 0.85 + 1e-3, $"{Population.Describe(label)}: gaps from {gaps.Min():F2} to {gaps.Max():F2} days");
        }
    }

    [Fact]
    public void Loyal_customers_spend_steadily_and_engage_every_few_days()
    {
        foreach (var label in Population.WithPersona(Personas.Loyal))
        {
            var amounts = Population.Of(label.CustomerId).Where(e => e.IsPurchase).Select(e => (double)e.Amount!.Value).ToList();
            Assert.InRange(amounts.Min(), 40 * 0.85 - 0.01, 120 * 1.15 + 0.01);
            Assert.True(amounts.Max() / amounts.Min() <= 1.15 / 0.85 + 0.01, $"{Population.Describe(label)} amounts {amounts.Min()}..{amounts.Max()}");
            var visits = Population.Gaps(Engagements(label).Where(e => e.Type == "visit").Select(e => e.At));
            Assert.All(visits, g => Assert.InRange(g, 2 * 0.8 - 1e-4, 4 * 1.2 + 1e-4));
            var emails = Population.Gaps(Engagements(label).Where(e => e.Type == "email_open").Select(e => e.At));
            Assert.All(emails, g => Assert.InRange(g, 5.5, 8.7));
            var feedback = Engagements(label).Where(e => e.Type == "feedback").ToList();
            Assert.InRange(feedback.Count, 8, 16);
            Assert.All(feedback, f => Assert.InRange(f.Score!.Value, 4, 5));
        }
    }

    [Fact]
    public void Regular_and_occasional_customers_keep_their_purchase_gaps_in_range()
    {
        foreach (var label in Population.WithPersona(Personas.Regular))
            Assert.All(Population.Gaps(Purchases(label)), g => Assert.InRange(g, 12 * 0.8 - 1e-4, 20 * 1.2 + 1e-4));
        foreach (var label in Population.WithPersona(Personas.Occasional))
        {
            var gaps = Population.Gaps(Purchases(label));
            Assert.All(gaps, g => Assert.InRange(g, 25 * 0.8 - 1e-4, 50));
            Assert.InRange(gaps.Count + 1, 365 / 50, 365 / 20 + 1);
        }
    }

    [Fact]
    public void Stable_customers_never_complain_nor_give_bad_feedback()
    {
        foreach (var persona in new[] { Personas.Loyal, Personas.Regular, Personas.Occasional })
            foreach (var label in Population.WithPersona(persona))
            {
                var engagements = Engagements(label);
                Assert.DoesNotContain(engagements, e => e.Type == "complaint");
                Assert.All(engagements.Where(e => e.Type == "feedback"), e => Assert.InRange(e.Score!.Value, 4, 5));
            }
    }

    [Fact]
    public void Frequency_decline_customers_buy_at_most_a_third_as_often_after_onset()
    {
        double expectedAtBaseline = 0, actual = 0;
        foreach (var label in Population.WithPersona(Personas.FrequencyDecline))
        {
            var onset = label.OnsetAt!.Value;
            var purchases = Purchases(label).ToList();
            var before = Population.Gaps(purchases.Where(t => t < onset));
            var after = Population.Gaps(purchases.Where(t => t >= onset));
            double baselineGap = Population.Median(before);
            // Individually: every gap after the onset is at least twice the usual gap (3x stretch, jitter of at most 1.5x).
            Assert.All(after, g => Assert.True(g >= 2 * baselineGap, $"{Population.Describe(label)}: gap {g:F1} vs baseline {baselineGap:F1}"));
            expectedAtBaseline += (Population.End - onset).TotalDays / baselineGap;
            actual += purchases.Count(t => t >= onset);
            // Amounts unchanged.
            var amounts = Population.Of(label.CustomerId).Where(e => e.IsPurchase).ToList();
            double meanBefore = amounts.Where(e => e.At < onset).Average(e => (double)e.Amount!.Value);
            Assert.All(amounts.Where(e => e.At >= onset), e => Assert.InRange((double)e.Amount!.Value, meanBefore * 0.7, meanBefore * 1.3));
        }
        // Over the persona: at most a third of the purchases the baseline rhythm would have given.
        Assert.True(actual <= expectedAtBaseline / 3, $"{actual} purchases after onset, {expectedAtBaseline:F0} at baseline rhythm");
        Assert.True(actual >= expectedAtBaseline / 5, $"{actual} purchases after onset, {expectedAtBaseline:F0} at baseline rhythm");
    }

    [Fact]
    public void Spend_decline_customers_spend_a_fifth_to_a_third_after_onset_at_the_same_rhythm()
    {
        foreach (var label in Population.WithPersona(Personas.SpendDecline))
        {
            var onset = label.OnsetAt!.Value;
            var purchases = Population.Of(label.CustomerId).Where(e => e.IsPurchase).ToList();
            double before = purchases.Where(e => e.At < onset).Average(e => (double)e.Amount!.Value);
            double after = purchases.Where(e => e.At >= onset).Average(e => (double)e.Amount!.Value);
            Assert.InRange(after / before, 0.2 * 0.8, 0.35 * 1.2);
            double rateBefore = Rate(purchases.Select(e => e.At), BaselineFrom, onset);
            double rateAfter = Rate(purchases.Select(e => e.At), onset, Population.End);
            Assert.InRange(rateAfter / rateBefore, 0.6, 1.6);
            Assert.InRange(Rate(Engagements(label).Select(e => e.At), onset, Population.End) / Rate(Engagements(label).Select(e => e.At), BaselineFrom, onset), 0.6, 1.6);
        }
    }

    [Fact]
    public void Engagement_decline_customers_engage_at_most_a_fourth_as_often_after_onset()
    {
        foreach (var label in Population.WithPersona(Personas.EngagementDecline))
        {
            var onset = label.OnsetAt!.Value;
            var engagements = Engagements(label).Select(e => e.At).ToList();
            double ratio = Rate(engagements, onset, Population.End) / Rate(engagements, BaselineFrom, onset);
            Assert.True(ratio <= 0.25, $"{Population.Describe(label)}: engagement rate ratio {ratio:F2}");
            var purchases = Purchases(label).ToList();
            Assert.InRange(Rate(purchases, onset, Population.End) / Rate(purchases, BaselineFrom, onset), 0.6, 1.6);
        }
    }

    [Fact]
    public void Silent_customers_make_no_purchase_after_onset()
    {
        foreach (var label in Population.WithPersona(Personas.Silent))
        {
            var onset = label.OnsetAt!.Value;
            Assert.DoesNotContain(Purchases(label), t => t >= onset);
            Assert.True(Purchases(label).Count(t => t < onset) >= 5);
            var after = Engagements(label).Where(e => e.At >= onset).ToList();
            Assert.All(after, e => Assert.Equal("email_open", e.Type));
            Assert.All(Population.Gaps(after.Select(e => e.At)), g => Assert.True(g >= 20, $"{Population.Describe(label)}: emails {g:F1} days apart"));
        }
    }

    [Fact]
    public void Complainers_complain_two_to_four_times_within_20_days_of_onset_and_keep_buying()
    {
        foreach (var label in Population.WithPersona(Personas.Complainer))
        {
            var onset = label.OnsetAt!.Value;
            var engagements = Engagements(label);
            var complaints = engagements.Where(e => e.Type == "complaint").ToList();
            Assert.InRange(complaints.Count, 2, 4);
            Assert.All(complaints, c =>
            {
                Assert.InRange(c.At, onset, onset.AddDays(20));
                Assert.Equal("service", c.Reason);
            });
            var feedbackAfter = engagements.Where(e => e.Type == "feedback" && e.At >= onset).ToList();
            Assert.Contains(feedbackAfter, f => f.At < onset.AddDays(20));
            Assert.All(feedbackAfter, f => Assert.InRange(f.Score!.Value, 1, 2));
            Assert.All(engagements.Where(e => e.Type == "feedback" && e.At < onset), f => Assert.InRange(f.Score!.Value, 4, 5));
            var purchases = Purchases(label).ToList();
            Assert.InRange(Rate(purchases, onset, Population.End) / Rate(purchases, BaselineFrom, onset), 0.6, 1.6);
        }
    }

    [Fact]
    public void Decline_customers_behave_like_loyal_or_regular_ones_before_onset()
    {
        var declining = Population.Labels.Where(l => l.OnsetAt is not null).ToList();
        int loyalLike = 0;
        foreach (var label in declining)
        {
            var gaps = Population.Gaps(Purchases(label).Where(t => t < label.OnsetAt!.Value));
            double median = Population.Median(gaps);
            Assert.InRange(median, 5 * 0.85, 20 * 1.2);
            if (median < 10 * 1.15 && gaps.Max() <= 11.5 + 1e-4) loyalLike++;
        }
        // Half of them take the loyal profile (the rest regular); allow sampling noise.
        Assert.InRange(loyalLike, declining.Count * 0.35, declining.Count * 0.65);
    }
}
