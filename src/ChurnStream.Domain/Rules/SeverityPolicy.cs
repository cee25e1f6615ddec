using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Rules;

/// <summary>Severity rises with the size of the drop and with the customer's value tier, so high-value customers come first.</summary>
public static class SeverityPolicy
{
    /// <param name="dropLevel">0 for a moderate drop, 1 for a large one, 2 for a near-total one.</param>
    public static Severity For(int dropLevel, ValueTier tier)
    {
        var score = Math.Clamp(dropLevel, 0, 2) + (int)tier;
        return (Severity)Math.Min(score, (int)Severity.Critical);
    }

    /// <summary>Drop level of a rate ratio: below 0.1 of the baseline is near-total, below 0.3 is large.</summary>
    public static int DropLevel(double ratio) => ratio <= 0.1 ? 2 : ratio <= 0.3 ? 1 : 0;
}
