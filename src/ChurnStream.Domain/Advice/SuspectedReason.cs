namespace ChurnStream.Domain.Advice;

/// <summary>Why the customer is probably drifting away: the <c>suspectedReason</c> of an alert.</summary>
public enum SuspectedReason : byte { Unknown = 0, Service, Price, NeedChange }

public static class SuspectedReasons
{
    public static string Name(this SuspectedReason r) => r switch
    {
        SuspectedReason.Unknown => "unknown",
        SuspectedReason.Service => "service",
        SuspectedReason.Price => "price",
        SuspectedReason.NeedChange => "need_change",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    public static bool TryParse(string name, out SuspectedReason reason)
    {
        foreach (var r in Enum.GetValues<SuspectedReason>())
            if (r.Name() == name) { reason = r; return true; }
        reason = default;
        return false;
    }
}
