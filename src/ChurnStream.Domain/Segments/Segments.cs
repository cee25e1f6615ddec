namespace ChurnStream.Domain.Segments;

public enum ValueTier : byte { Low = 0, Medium = 1, High = 2 }

public enum Lifecycle : byte { Prospect = 0, New, Repeat, Loyal, Lost, WonBack }

public enum ActivityStatus : byte { Active = 0, Declining, Silent, Lost }

/// <summary>How the customer feels, from complaints and feedback scores in the current window.</summary>
public enum Sentiment : byte { Neutral = 0, Satisfied, Dissatisfied }

public enum SegmentDimension : byte { Value = 0, Lifecycle, Activity, Sentiment, Source }

/// <summary>A customer's segment in every dimension at one moment.</summary>
public readonly record struct SegmentSet(
    ValueTier Value,
    Lifecycle Lifecycle,
    ActivityStatus Activity,
    Sentiment Sentiment = Sentiment.Neutral,
    AcquisitionSource Source = AcquisitionSource.Unknown);

public static class SegmentNames
{
    public static string Name(this ValueTier t) => t switch
    {
        ValueTier.Low => "low",
        ValueTier.Medium => "medium",
        ValueTier.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static string Name(this Lifecycle l) => l switch
    {
        Lifecycle.Prospect => "prospect",
        Lifecycle.New => "new",
        Lifecycle.Repeat => "repeat",
        Lifecycle.Loyal => "loyal",
        Lifecycle.Lost => "lost",
        Lifecycle.WonBack => "won_back",
        _ => throw new ArgumentOutOfRangeException(nameof(l)),
    };

    public static string Name(this ActivityStatus a) => a switch
    {
        ActivityStatus.Active => "active",
        ActivityStatus.Declining => "declining",
        ActivityStatus.Silent => "silent",
        ActivityStatus.Lost => "lost",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    public static string Name(this Sentiment s) => s switch
    {
        Sentiment.Neutral => "neutral",
        Sentiment.Satisfied => "satisfied",
        Sentiment.Dissatisfied => "dissatisfied",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Name(this AcquisitionSource s) => s switch
    {
        AcquisitionSource.Unknown => "unknown",
        AcquisitionSource.Online => "online",
        AcquisitionSource.Offline => "offline",
        AcquisitionSource.Referral => "referral",
        AcquisitionSource.Advertising => "advertising",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static bool TryParseTier(string name, out ValueTier tier)
    {
        foreach (var t in Enum.GetValues<ValueTier>())
            if (t.Name() == name) { tier = t; return true; }
        tier = default;
        return false;
    }

    public static string Name(this SegmentDimension d) => d switch
    {
        SegmentDimension.Value => "value",
        SegmentDimension.Lifecycle => "lifecycle",
        SegmentDimension.Activity => "activity",
        SegmentDimension.Sentiment => "sentiment",
        SegmentDimension.Source => "source",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
