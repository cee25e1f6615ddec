using ChurnStream.Domain.Profiles;

namespace ChurnStream.Domain.Tests.Support;

/// <summary>Window totals the plain way, bucket by bucket, to check the ring's own sums against.</summary>
public static class ReferenceSums
{
    public static WindowTotals Over(Func<long, ActivityBucket> bucketAt, long from, long to)
    {
        int purchases = 0, interactions = 0;
        double spend = 0;
        for (var b = from; b < to; b++)
        {
            var x = bucketAt(b);
            purchases += x.Purchases;
            interactions += x.Interactions;
            spend += x.Spend;
        }
        return new WindowTotals(purchases, spend, interactions);
    }
}
