namespace ChurnStream.Domain.Rules;

public enum AlertKind : byte
{
    FrequencyDecline = 0,
    SpendDecline = 1,
    EngagementDecline = 2,
    Dissatisfaction = 3,
    Inactivity = 4,

    /// <summary>P(alive) of the BG/NBD model fell below the threshold (only with a model loaded).</summary>
    ChurnRisk = 5,
}

public enum Severity : byte { Low = 0, Medium, High, Critical }

public static class AlertNames
{
    public static string Name(this AlertKind k) => k switch
    {
        AlertKind.FrequencyDecline => "frequency_decline",
        AlertKind.SpendDecline => "spend_decline",
        AlertKind.EngagementDecline => "engagement_decline",
        AlertKind.Dissatisfaction => "dissatisfaction",
        AlertKind.Inactivity => "inactivity",
        AlertKind.ChurnRisk => "churn_risk",
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    public static bool TryParse(string name, out AlertKind kind)
    {
        foreach (var k in Enum.GetValues<AlertKind>())
            if (k.Name() == name) { kind = k; return true; }
        kind = default;
        return false;
    }

    public static string Name(this Severity s) => s switch
    {
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };
}
