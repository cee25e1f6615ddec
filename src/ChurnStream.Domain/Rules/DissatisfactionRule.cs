using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Rules;

public readonly record struct DissatisfactionFinding(int Complaints, double? AverageFeedback, bool ByComplaints, bool ByFeedback)
{
    public bool Holds => ByComplaints || ByFeedback;
}

/// <summary>Complaints in the current window at or above a threshold, or average feedback at or below one.</summary>
public static class DissatisfactionRule
{
    public static DissatisfactionFinding Evaluate(CustomerProfile p, long boundaryBucket, BucketClock clock, DissatisfactionOptions options)
    {
        var totals = SentimentTotals.Over(p.Sentiment, boundaryBucket - clock.CurrentBuckets, boundaryBucket);
        var avg = totals.AverageFeedback;
        return new DissatisfactionFinding(
            totals.Complaints,
            avg,
            options.Enabled && totals.Complaints >= options.ComplaintThreshold,
            options.Enabled && avg is { } a && a <= options.FeedbackScoreThreshold);
    }
}
