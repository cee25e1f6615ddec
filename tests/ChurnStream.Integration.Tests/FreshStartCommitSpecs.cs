using ChurnStream.Domain.Partitioning;
using ChurnStream.Integration.Tests.Support;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// A service started on topics its producer has never written to: librdkafka holds a record for a topic it has no
/// metadata for until its next metadata scan (up to a second), and a commit that flushes it waits as long.
/// </summary>
public sealed class FreshStartCommitSpecs
{
    private const int Partitions = 3;

    [Fact]
    public async Task A_fresh_service_commits_its_first_transactions_without_waiting_to_learn_the_output_topics()
    {
        using var cluster = StreamCluster.WithTopics(partitions: Partitions);
        var o = cluster.Options;
        await using var service = RunningService.Start(o);
        const string customer = "fresh-start";
        var owner = Murmur2Partitioner.PartitionFor(customer, Partitions);
        var purchase = $$"""{"customerId":"{{customer}}","occurredAt":"2025-01-01T00:00:00Z","amount":5}""";
        // Every topic the producer writes: changelog (each commit), segments, the repartition topic and the DLQ.
        Support.Topics.Produce(o, [
            (o.Topics.Purchases, owner, customer, purchase),
            (o.Topics.Purchases, (owner + 1) % Partitions, null, purchase.Replace("01T00", "02T00", StringComparison.Ordinal)),
            (o.Topics.Engagements, owner, customer, "{oops"),
        ]);
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(1));
        Assert.Null(service.Runtime.Failure);
        Assert.Single(Support.Topics.Read(o, o.Topics.DeadLetter));

        var metrics = service.Runtime.Exporter.Collect();
        var commits = ObservabilityProbe.Sum(metrics, "churnstream_commit_duration_seconds_count");
        var withinHalfASecond = ObservabilityProbe.Sum(metrics, "churnstream_commit_duration_seconds_bucket", "le=\"0.5\"");
        Assert.True(commits > 0, metrics);
        Assert.True(withinHalfASecond == commits,
            $"{commits - withinHalfASecond} of {commits} commits took more than 0.5 s:\n"
            + string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("churnstream_commit_duration", StringComparison.Ordinal))));
    }
}
