using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>How long a transaction stays open, from how far behind its inputs the service is.</summary>
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
}
