using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>How long a transaction stays open, from how far behind its inputs the service is and what the last commit cost.</summary>
public sealed class CommitIntervalSpecs
{
    private static readonly KafkaOptions Defaults = new();

    [Theory]
    [InlineData(0)]
    [InlineData(150)]
    [InlineData(200)]
    public void A_service_that_keeps_up_commits_every_commit_interval(long appendAgeMs) =>
        Assert.Equal(Defaults.CommitIntervalMs, CommitIntervals.For(appendAgeMs, Defaults));

    [Theory]
    [InlineData(400, 200)]
    [InlineData(1_000, 500)]
    [InlineData(2_000, 1_000)]
    [InlineData(5_000, 1_000)]
    public void A_service_that_falls_behind_commits_every_half_of_its_lag_up_to_the_catch_up_interval(long appendAgeMs, long expected) =>
        Assert.Equal(expected, CommitIntervals.For(appendAgeMs, Defaults));

    [Fact]
    public void A_service_working_through_a_backlog_commits_every_catch_up_interval()
    {
        var kafka = new KafkaOptions { CatchUpCommitIntervalMs = 3_000 };

        Assert.Equal(3_000, CommitIntervals.For(kafka.CatchUpAfterMs + 1, kafka));
        Assert.Equal(2_000, CommitIntervals.For(4_000, kafka));
    }

    [Theory]
    [InlineData(10, 100)]
    [InlineData(25, 100)]
    [InlineData(40, 160)]
    [InlineData(62.5, 250)]
    [InlineData(100.2, 401)]
    public void A_service_whose_commits_take_long_spends_at_most_a_quarter_of_its_time_committing(double lastCommitMs, long expected) =>
        Assert.Equal(expected, CommitIntervals.For(0, Defaults, lastCommitMs));

    [Fact]
    public void The_longer_of_the_lag_and_the_commit_cost_decides_the_interval()
    {
        Assert.Equal(600, CommitIntervals.For(1_200, Defaults, lastCommitMs: 40));
        Assert.Equal(400, CommitIntervals.For(300, Defaults, lastCommitMs: 100));
    }

    [Fact]
    public void A_very_slow_commit_keeps_the_transaction_open_no_longer_than_the_catch_up_interval() =>
        Assert.Equal(Defaults.CatchUpCommitIntervalMs, CommitIntervals.For(0, Defaults, lastCommitMs: 5_000));

    [Fact]
    public void The_share_of_time_spent_committing_can_be_set()
    {
        var kafka = new KafkaOptions { CommitTimeShare = 0.5 };

        Assert.Equal(160, CommitIntervals.For(0, kafka, lastCommitMs: 80));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.005)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void The_commit_time_share_must_be_between_one_percent_and_all_of_the_time(double share)
    {
        var o = new StreamOptions();
        o.Kafka.BootstrapServers = "localhost:9092";
        o.Kafka.CommitTimeShare = share;

        Assert.Equal([$"Kafka:CommitTimeShare must be between 0.01 and 1 (is {share})."], o.Validate());
    }
}
