namespace ChurnStream.Simulation;

/// <summary>Persona names, population fractions and the alert kinds that detect them.</summary>
public static class Personas
{
    public const string Loyal = "loyal";
    public const string Regular = "regular";
    public const string Occasional = "occasional";
    public const string FrequencyDecline = "frequency_decline";
    public const string SpendDecline = "spend_decline";
    public const string EngagementDecline = "engagement_decline";
    public const string Silent = "silent";
    public const string Complainer = "complainer";

    /// <summary>Decline personas are generated only when the simulation has at least this many days.</summary>
    public const int MinDaysForDecline = 240;

    /// <summary>Earliest onset day of a decline persona.</summary>
    public const int EarliestOnsetDay = 150;

    /// <summary>The onset is at most <c>Days - OnsetMarginDays</c>.</summary>
    public const int OnsetMarginDays = 75;

    /// <summary>All personas, in canonical order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Loyal, Regular, Occasional, FrequencyDecline, SpendDecline, EngagementDecline, Silent, Complainer];

    /// <summary>Population fractions (sum 1) when decline personas are generated.</summary>
    public static IReadOnlyDictionary<string, double> Fractions { get; } = new Dictionary<string, double>
    {
        [Loyal] = 0.25, [Regular] = 0.20, [Occasional] = 0.15, [FrequencyDecline] = 0.10,
        [SpendDecline] = 0.08, [EngagementDecline] = 0.08, [Silent] = 0.08, [Complainer] = 0.06,
    };

    /// <summary>True for the personas with an onset (the positives).</summary>
    public static bool IsDecline(string persona) => persona is FrequencyDecline or SpendDecline or EngagementDecline or Silent or Complainer;

    /// <summary>
    /// Exact number of customers of each persona for a population of <paramref name="customers"/> over <paramref name="days"/> days:
    /// floor(fraction x customers), the remainder given one by one to the largest fractional parts (ties in canonical order).
    /// With fewer than <see cref="MinDaysForDecline"/> days only the stable personas exist, with fractions 25:20:15.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Counts(int customers, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(customers);
        var personas = days >= MinDaysForDecline ? All : All.Where(p => !IsDecline(p)).ToArray();
        double total = personas.Sum(p => Fractions[p]);
        var exact = personas.Select(p => (Persona: p, Value: Fractions[p] / total * customers)).ToArray();
        var counts = exact.ToDictionary(e => e.Persona, e => (int)Math.Floor(e.Value + 1e-9));
        int remainder = customers - counts.Values.Sum();
        foreach (var e in exact.Select((e, i) => (e.Persona, Frac: e.Value - counts[e.Persona], Index: i))
                               .OrderByDescending(e => e.Frac).ThenBy(e => e.Index).Take(remainder))
            counts[e.Persona]++;
        foreach (var p in All) counts.TryAdd(p, 0);
        return counts;
    }
}

/// <summary>Alert kinds of the output contract.</summary>
public static class AlertKinds
{
    public const string FrequencyDecline = "frequency_decline";
    public const string SpendDecline = "spend_decline";
    public const string EngagementDecline = "engagement_decline";
    public const string Inactivity = "inactivity";
    public const string Dissatisfaction = "dissatisfaction";

    /// <summary>The kinds the evaluator looks at, in report order; any other kind (e.g. churn_risk) is ignored.</summary>
    public static IReadOnlyList<string> Evaluated { get; } = [FrequencyDecline, SpendDecline, EngagementDecline, Inactivity, Dissatisfaction];

    /// <summary>Kinds that count as a true positive for a persona (empty for stable personas).</summary>
    public static IReadOnlySet<string> AcceptedFor(string persona) => persona switch
    {
        Personas.FrequencyDecline => FrequencyAccepted,
        Personas.SpendDecline => SpendAccepted,
        Personas.EngagementDecline => EngagementAccepted,
        Personas.Silent => SilentAccepted,
        Personas.Complainer => ComplainerAccepted,
        _ => None,
    };

    /// <summary>The kind expected first of all for a decline persona; null for stable personas.</summary>
    public static string? PrimaryFor(string persona) => persona switch
    {
        Personas.FrequencyDecline => FrequencyDecline,
        Personas.SpendDecline => SpendDecline,
        Personas.EngagementDecline => EngagementDecline,
        Personas.Silent => Inactivity,
        Personas.Complainer => Dissatisfaction,
        _ => null,
    };

    // A customer who buys a third as often may well go 60 days without buying: the inactivity clock is right too.
    private static readonly HashSet<string> FrequencyAccepted = [FrequencyDecline, SpendDecline, Inactivity];
    private static readonly HashSet<string> SpendAccepted = [SpendDecline];
    private static readonly HashSet<string> EngagementAccepted = [EngagementDecline];
    private static readonly HashSet<string> SilentAccepted = [Inactivity, FrequencyDecline, SpendDecline, EngagementDecline];
    private static readonly HashSet<string> ComplainerAccepted = [Dissatisfaction];
    private static readonly HashSet<string> None = [];
}
