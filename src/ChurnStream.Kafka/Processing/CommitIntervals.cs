using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// How long a transaction stays open, from how far behind its inputs the service is (the append age of the last
/// record it read). Each commit has a fixed cost (flush, offsets, the transaction's end, the changelog of every customer
/// touched); a service that falls behind its producers with short transactions stays behind. So the interval grows
/// with the lag: the events of a longer transaction wait at most about half as long again as they already have.
/// </summary>
public static class CommitIntervals
{
    public static long For(long appendAgeMs, KafkaOptions kafka)
    {
        if (appendAgeMs > kafka.CatchUpAfterMs) return kafka.CatchUpCommitIntervalMs;
        return Math.Clamp(appendAgeMs / 2, kafka.CommitIntervalMs, kafka.CatchUpCommitIntervalMs);
    }
}
