using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// How long a transaction stays open. Each commit has a cost (flush, offsets, the transaction's end, the changelog of every
/// customer touched), paid while the partitions wait; a service that commits too often for its load spends its time
/// committing and falls behind. So the interval grows with two things:
/// <list type="bullet">
/// <item>how far behind its inputs the service is (the append age of the last record it read): the events of a longer
/// transaction wait at most about half as long again as they already have, and in a backlog it is the catch-up interval;</item>
/// <item>what the last commit cost: at most <c>Kafka:CommitTimeShare</c> of the time goes to committing.</item>
/// </list>
/// </summary>
public static class CommitIntervals
{
    public static long For(long appendAgeMs, KafkaOptions kafka, double lastCommitMs = 0)
    {
        if (appendAgeMs > kafka.CatchUpAfterMs) return kafka.CatchUpCommitIntervalMs;
        var byCost = (long)Math.Ceiling(lastCommitMs / kafka.CommitTimeShare);
        return Math.Clamp(Math.Max(appendAgeMs / 2, byCost), kafka.CommitIntervalMs, kafka.CatchUpCommitIntervalMs);
    }
}
