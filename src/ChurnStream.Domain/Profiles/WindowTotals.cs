namespace ChurnStream.Domain.Profiles;

/// <summary>Sums of a customer's buckets over a range of buckets.</summary>
public readonly record struct WindowTotals(int Purchases, double Spend, int Interactions)
{
    public static WindowTotals Over(in BucketRing<ActivityBucket> ring, long fromBucket, long toBucketExclusive)
    {
        if (!ring.IsAllocated) return default;
        int purchases = 0, interactions = 0;
        double spend = 0;
        // Oldest first, as the sum of the spends (in floating point) has always been taken; buckets the ring no
        // longer or not yet holds are empty.
        ring.Range(fromBucket, toBucketExclusive, out var first, out var second);
        foreach (ref readonly var x in first)
        {
            purchases += x.Purchases;
            interactions += x.Interactions;
            spend += x.Spend;
        }
        foreach (ref readonly var x in second)
        {
            purchases += x.Purchases;
            interactions += x.Interactions;
            spend += x.Spend;
        }
        return new WindowTotals(purchases, spend, interactions);
    }
}

/// <summary>Complaints and feedback over a range of buckets.</summary>
public readonly record struct SentimentTotals(int Complaints, int SupportTickets, int FeedbackCount, int FeedbackScoreSum)
{
    public double? AverageFeedback => FeedbackCount == 0 ? null : (double)FeedbackScoreSum / FeedbackCount;

    public static SentimentTotals Over(in BucketRing<SentimentBucket> ring, long fromBucket, long toBucketExclusive)
    {
        int c = 0, t = 0, n = 0, s = 0;
        ring.Range(fromBucket, toBucketExclusive, out var first, out var second);
        foreach (ref readonly var x in first)
        {
            c += x.Complaints; t += x.SupportTickets; n += x.FeedbackCount; s += x.FeedbackScoreSum;
        }
        foreach (ref readonly var x in second)
        {
            c += x.Complaints; t += x.SupportTickets; n += x.FeedbackCount; s += x.FeedbackScoreSum;
        }
        return new SentimentTotals(c, t, n, s);
    }
}
