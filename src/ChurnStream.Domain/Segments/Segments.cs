namespace ChurnStream.Domain.Segments;

public enum ValueTier : byte { Low = 0, Medium = 1, High = 2 }

public enum Lifecycle : byte { Prospect = 0, New, Repeat, Loyal, Lost, WonBack }

public enum ActivityStatus : byte { Active = 0, Declining, Silent, Lost }

public enum SegmentDimension : byte { Value = 0, Lifecycle, Activity }

/// <summary>A customer's segment in every dimension at one moment.</summary>
public readonly record struct SegmentSet(ValueTier Value, Lifecycle Lifecycle, ActivityStatus Activity);

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

    public static string Name(this SegmentDimension d) => d switch
    {
        SegmentDimension.Value => "value",
        SegmentDimension.Lifecycle => "lifecycle",
        SegmentDimension.Activity => "activity",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
