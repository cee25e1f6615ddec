using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class TransactionSummarizerTests
{
    private static readonly DateOnly Jan1 = new(1997, 1, 1);

    [Fact]
    public void Purchases_on_the_same_day_are_one_purchase_and_their_amounts_add_up()
    {
        var tx = new[]
        {
            new Transaction("c", Jan1, 10m),
            new Transaction("c", Jan1.AddDays(7), 5m),
            new Transaction("c", Jan1.AddDays(7), 7m),
            new Transaction("c", Jan1.AddDays(21), 30m),
        };

        var s = Assert.Single(TransactionSummarizer.Summarize(tx, Jan1.AddDays(28)));

        Assert.Equal(new CustomerSummary("c", 2, 3.0, 4.0, 21.0), s);
    }

    [Fact]
    public void Calibration_end_is_inclusive_and_later_purchases_are_holdout_purchases()
    {
        var end = Jan1.AddDays(14);
        var tx = new[]
        {
            new Transaction("c", Jan1, 10m),
            new Transaction("c", end, 20m),
            new Transaction("c", end.AddDays(1), 30m),
            new Transaction("c", end.AddDays(10), 30m),
            new Transaction("late", end.AddDays(2), 30m),
        };

        var s = Assert.Single(TransactionSummarizer.Summarize(tx, end));
        var holdout = TransactionSummarizer.HoldoutRepeatPurchases(tx, end, end.AddDays(7));

        Assert.Equal(new CustomerSummary("c", 1, 2.0, 2.0, 20.0), s);
        Assert.Equal(new Dictionary<string, int> { ["c"] = 1 }, holdout);
    }

    [Fact]
    public void One_time_buyers_have_zero_frequency_recency_and_spend()
    {
        var s = Assert.Single(TransactionSummarizer.Summarize(new[] { new Transaction("c", Jan1, 10m) }, Jan1.AddDays(10)));

        Assert.Equal(new CustomerSummary("c", 0, 0.0, 10 / 7.0, 0.0), s);
    }

    [Fact]
    public void Refunds_are_not_purchases()
    {
        var tx = new[] { new Transaction("c", Jan1, 10m), new Transaction("c", Jan1.AddDays(3), -10m) };

        var s = Assert.Single(TransactionSummarizer.Summarize(tx, Jan1.AddDays(7)));

        Assert.Equal(0, s.Frequency);
    }

    [Fact]
    public void The_time_unit_is_a_parameter()
    {
        var tx = new[] { new Transaction("c", Jan1, 10m), new Transaction("c", Jan1.AddDays(3), 10m) };

        var s = Assert.Single(TransactionSummarizer.Summarize(tx, Jan1.AddDays(10), unitDays: 1));

        Assert.Equal((1, 3.0, 10.0), (s.Frequency, s.RecencyT, s.AgeT));
    }
}
