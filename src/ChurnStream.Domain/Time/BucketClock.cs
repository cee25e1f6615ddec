using ChurnStream.Domain.Options;

namespace ChurnStream.Domain.Time;

/// <summary>The bucket geometry of the windows: which bucket an instant falls in, and how many buckets each window spans.</summary>
public sealed class BucketClock
{
    public BucketClock(DetectionOptions options)
    {
        BucketMs = options.BucketDays * EventTime.MillisPerDay;
        CurrentBuckets = options.CurrentWindowDays / options.BucketDays;
        BaselineBuckets = options.BaselineWindowDays / options.BucketDays;
    }

    public long BucketMs { get; }
    public int CurrentBuckets { get; }
    public int BaselineBuckets { get; }
    public int HorizonBuckets => CurrentBuckets + BaselineBuckets;

    /// <summary>The activity ring keeps the horizon plus the bucket in progress.</summary>
    public int ActivityRingLength => HorizonBuckets + 1;

    public int SentimentRingLength => CurrentBuckets + 1;

    public long BucketOf(long ms) => ms >= 0 ? ms / BucketMs : (ms - BucketMs + 1) / BucketMs;

    public long StartOf(long bucket) => bucket * BucketMs;

    /// <summary>The first bucket boundary strictly after <paramref name="ms"/>.</summary>
    public long NextBoundaryAfter(long ms) => StartOf(BucketOf(ms) + 1);

    public bool IsBoundary(long ms) => ms % BucketMs == 0;
}
