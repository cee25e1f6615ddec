namespace ChurnStream.Domain.Options;

/// <summary>
/// Everything that decides who is drifting away. Bound from the <c>Detection</c> section of
/// <c>config/appsettings.json</c>; <see cref="Validate"/> is called at start-up.
/// </summary>
public sealed class DetectionOptions
{
    /// <summary>Size of a window bucket. Window rules are evaluated at every bucket boundary (00:00 UTC).</summary>
    public int BucketDays { get; set; } = 5;

    /// <summary>The recent window whose rate is compared with the baseline.</summary>
    public int CurrentWindowDays { get; set; } = 30;

    /// <summary>The window right before the current one: the customer's own normal.</summary>
    public int BaselineWindowDays { get; set; } = 90;

    /// <summary>How far event time may run ahead of an event before it is late. Events are applied in event-time order within this bound.</summary>
    public double AllowedLatenessHours { get; set; } = 6;

    public DeclineRuleOptions Frequency { get; set; } = new();
    public DeclineRuleOptions Spend { get; set; } = new();
    public DeclineRuleOptions Engagement { get; set; } = new() { MinBaselineCount = 6, MinExpectedCurrentCount = 3 };

    public InactivityOptions Inactivity { get; set; } = new();

    /// <summary>Per-category inactivity clocks, keyed by the <c>category</c> of the customer's last purchase.</summary>
    public Dictionary<string, InactivityOptions> CategoryInactivity { get; set; } = new(StringComparer.Ordinal);

    public DissatisfactionOptions Dissatisfaction { get; set; } = new();

    public SegmentOptions Segments { get; set; } = new();

    /// <summary>The BG/NBD churn model in the stream: P(alive), expected purchases, <c>churn_risk</c>.</summary>
    public ChurnModelOptions Model { get; set; } = new();

    /// <summary>How the suspected reason of an alert is inferred.</summary>
    public ReasonOptions Reasons { get; set; } = new();

    /// <summary>Recommended actions by alert kind, reason and value tier.</summary>
    public PlaybookOptions Playbook { get; set; } = new();

    public int HorizonDays => CurrentWindowDays + BaselineWindowDays;

    public InactivityOptions InactivityFor(string? category) =>
        category is not null && CategoryInactivity.TryGetValue(category, out var o) ? o : Inactivity;

    /// <summary>Every problem with the options, each as a sentence a person can act on. Empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Require(bool ok, string message) { if (!ok) errors.Add(message); }

        Require(BucketDays is >= 1 and <= 30, $"Detection:BucketDays must be between 1 and 30 (is {BucketDays}).");
        Require(CurrentWindowDays >= 1, $"Detection:CurrentWindowDays must be at least 1 (is {CurrentWindowDays}).");
        Require(BaselineWindowDays >= 1, $"Detection:BaselineWindowDays must be at least 1 (is {BaselineWindowDays}).");
        if (BucketDays >= 1)
        {
            Require(CurrentWindowDays % BucketDays == 0,
                $"Detection:CurrentWindowDays ({CurrentWindowDays}) must be a multiple of Detection:BucketDays ({BucketDays}).");
            Require(BaselineWindowDays % BucketDays == 0,
                $"Detection:BaselineWindowDays ({BaselineWindowDays}) must be a multiple of Detection:BucketDays ({BucketDays}).");
        }
        Require(HorizonDays <= 730, $"Detection:CurrentWindowDays + Detection:BaselineWindowDays must be at most 730 days (is {HorizonDays}).");
        Require(AllowedLatenessHours is >= 0 and <= 24 * 7,
            $"Detection:AllowedLatenessHours must be between 0 and 168 (is {AllowedLatenessHours}).");
        foreach (var (name, rule) in new[] { ("Frequency", Frequency), ("Spend", Spend), ("Engagement", Engagement) })
            if (rule.MinBaselineDays > BaselineWindowDays)
                errors.Add($"Detection:{name}:MinBaselineDays ({rule.MinBaselineDays}) must be at most Detection:BaselineWindowDays ({BaselineWindowDays}).");
        Frequency.Validate("Detection:Frequency", errors);
        Spend.Validate("Detection:Spend", errors);
        Engagement.Validate("Detection:Engagement", errors);
        Inactivity.Validate("Detection:Inactivity", errors);
        foreach (var (category, o) in CategoryInactivity)
            o.Validate($"Detection:CategoryInactivity:{category}", errors);
        Dissatisfaction.Validate("Detection:Dissatisfaction", errors);
        Segments.Validate("Detection:Segments", errors);
        Model.Validate("Detection:Model", errors);
        Reasons.Validate("Detection:Reasons", errors);
        Playbook.Validate("Detection:Playbook", errors);
        return errors;
    }
}

public sealed class DeclineRuleOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>A real baseline: at least this many purchases (or engagement events) in the baseline window.</summary>
    public int MinBaselineCount { get; set; } = 3;

    /// <summary>
    /// And the customer must have been known for at least this many days of the baseline window: a 'normal' seen
    /// over two weeks is noise. At most the baseline window's length.
    /// </summary>
    public int MinBaselineDays { get; set; } = 90;

    /// <summary>
    /// The baseline rate must predict at least this many events in the current window; below it an empty current
    /// window is ordinary for the customer (an occasional buyer), and only the inactivity clock can judge.
    /// </summary>
    public double MinExpectedCurrentCount { get; set; } = 1.5;

    /// <summary>
    /// And the current window must fall short of what the baseline predicts by at least this many typical events
    /// (purchases, average orders' worth of spend, interactions): small counts are noisy, one purchase instead of
    /// two is not yet a decline.
    /// </summary>
    public double MinShortfall { get; set; } = 1.5;

    /// <summary>Fires when current rate / baseline rate is at or below this.</summary>
    public double RatioThreshold { get; set; } = 0.5;

    /// <summary>Re-arms when the ratio is back at or above this (hysteresis, so a customer on the edge does not flap).</summary>
    public double RecoveryRatio { get; set; } = 0.8;

    internal void Validate(string path, List<string> errors)
    {
        if (MinBaselineCount < 1) errors.Add($"{path}:MinBaselineCount must be at least 1 (is {MinBaselineCount}).");
        if (MinBaselineDays < 1) errors.Add($"{path}:MinBaselineDays must be at least 1 (is {MinBaselineDays}).");
        if (!(MinExpectedCurrentCount >= 0)) errors.Add($"{path}:MinExpectedCurrentCount must be 0 or more (is {MinExpectedCurrentCount}).");
        if (!(MinShortfall >= 0 && MinShortfall <= 1000)) errors.Add($"{path}:MinShortfall must be between 0 and 1000 (is {MinShortfall}).");
        if (!(RatioThreshold > 0 && RatioThreshold < 1)) errors.Add($"{path}:RatioThreshold must be between 0 and 1, exclusive (is {RatioThreshold}).");
        if (!(RecoveryRatio > RatioThreshold)) errors.Add($"{path}:RecoveryRatio ({RecoveryRatio}) must be greater than RatioThreshold ({RatioThreshold}).");
    }
}

public sealed class InactivityOptions
{
    /// <summary>No purchase for this many days: the customer is <c>silent</c>.</summary>
    public double SilentAfterDays { get; set; } = 60;

    /// <summary>No purchase for this many days: the customer is <c>lost</c>.</summary>
    public double LostAfterDays { get; set; } = 120;

    internal void Validate(string path, List<string> errors)
    {
        if (!(SilentAfterDays > 0)) errors.Add($"{path}:SilentAfterDays must be greater than 0 (is {SilentAfterDays}).");
        if (!(LostAfterDays > SilentAfterDays)) errors.Add($"{path}:LostAfterDays ({LostAfterDays}) must be greater than SilentAfterDays ({SilentAfterDays}).");
        if (LostAfterDays > 3650) errors.Add($"{path}:LostAfterDays must be at most 3650 (is {LostAfterDays}).");
    }
}

public sealed class DissatisfactionOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Complaints in the current window at or above this count.</summary>
    public int ComplaintThreshold { get; set; } = 2;

    /// <summary>Or an average feedback score in the current window at or below this.</summary>
    public double FeedbackScoreThreshold { get; set; } = 2.0;

    internal void Validate(string path, List<string> errors)
    {
        if (ComplaintThreshold < 1) errors.Add($"{path}:ComplaintThreshold must be at least 1 (is {ComplaintThreshold}).");
        if (!(FeedbackScoreThreshold is >= 1 and < 5)) errors.Add($"{path}:FeedbackScoreThreshold must be between 1 and 5 (is {FeedbackScoreThreshold}).");
    }
}

public sealed class SegmentOptions
{
    /// <summary>High value: at least this spend and this many purchases over the horizon (current + baseline window).</summary>
    public double HighMinSpend { get; set; } = 1000;
    public int HighMinPurchases { get; set; } = 8;

    /// <summary>Medium value: at least this spend or this many purchases over the horizon.</summary>
    public double MediumMinSpend { get; set; } = 250;
    public int MediumMinPurchases { get; set; } = 4;

    /// <summary>Loyal: at least this many purchases over the horizon.</summary>
    public int LoyalMinPurchases { get; set; } = 8;

    /// <summary>
    /// How value tiers are cut: <c>amounts</c> (the fixed boundaries here) or <c>quantiles</c> (the partition's population,
    /// kept by a streaming sketch: high = at or above <see cref="HighQuantile"/>, medium = at or above <see cref="MediumQuantile"/>).
    /// </summary>
    public string TierBy { get; set; } = "amounts";

    /// <summary>With a model loaded and <c>TierBy = amounts</c>: high value = expected value over the model horizon at or above this.</summary>
    public double HighMinExpectedValue { get; set; } = 500;

    /// <summary>With a model loaded and <c>TierBy = amounts</c>: medium value = expected value at or above this.</summary>
    public double MediumMinExpectedValue { get; set; } = 150;

    public double HighQuantile { get; set; } = 0.8;
    public double MediumQuantile { get; set; } = 0.5;

    /// <summary>Below this many customers in the partition's sketch, quantile tiers fall back to the amount boundaries.</summary>
    public int QuantileMinCustomers { get; set; } = 100;

    /// <summary>Sentiment <c>satisfied</c>: no complaint and an average feedback score at or above this in the current window.</summary>
    public double SatisfiedMinFeedback { get; set; } = 4.0;

    /// <summary>Sentiment <c>dissatisfied</c>: a complaint, or an average feedback score at or below this, in the current window.</summary>
    public double DissatisfiedMaxFeedback { get; set; } = 2.5;

    public bool TierByQuantiles => string.Equals(TierBy, "quantiles", StringComparison.OrdinalIgnoreCase);

    internal void Validate(string path, List<string> errors)
    {
        if (!(MediumMinSpend >= 0)) errors.Add($"{path}:MediumMinSpend must be 0 or more (is {MediumMinSpend}).");
        if (!(HighMinSpend > MediumMinSpend)) errors.Add($"{path}:HighMinSpend ({HighMinSpend}) must be greater than MediumMinSpend ({MediumMinSpend}).");
        if (MediumMinPurchases < 1) errors.Add($"{path}:MediumMinPurchases must be at least 1 (is {MediumMinPurchases}).");
        if (HighMinPurchases < MediumMinPurchases) errors.Add($"{path}:HighMinPurchases ({HighMinPurchases}) must be at least MediumMinPurchases ({MediumMinPurchases}).");
        if (LoyalMinPurchases < 2) errors.Add($"{path}:LoyalMinPurchases must be at least 2 (is {LoyalMinPurchases}).");
        if (!string.Equals(TierBy, "amounts", StringComparison.OrdinalIgnoreCase) && !TierByQuantiles)
            errors.Add($"{path}:TierBy must be 'amounts' or 'quantiles' (is '{TierBy}').");
        if (!(MediumMinExpectedValue >= 0)) errors.Add($"{path}:MediumMinExpectedValue must be 0 or more (is {MediumMinExpectedValue}).");
        if (!(HighMinExpectedValue > MediumMinExpectedValue)) errors.Add($"{path}:HighMinExpectedValue ({HighMinExpectedValue}) must be greater than MediumMinExpectedValue ({MediumMinExpectedValue}).");
        if (!(MediumQuantile > 0 && MediumQuantile < 1)) errors.Add($"{path}:MediumQuantile must be between 0 and 1, exclusive (is {MediumQuantile}).");
        if (!(HighQuantile > MediumQuantile && HighQuantile < 1)) errors.Add($"{path}:HighQuantile ({HighQuantile}) must be greater than MediumQuantile ({MediumQuantile}) and less than 1.");
        if (QuantileMinCustomers < 1) errors.Add($"{path}:QuantileMinCustomers must be at least 1 (is {QuantileMinCustomers}).");
        if (!(DissatisfiedMaxFeedback >= 1 && DissatisfiedMaxFeedback < SatisfiedMinFeedback && SatisfiedMinFeedback <= 5))
            errors.Add($"{path}:DissatisfiedMaxFeedback ({DissatisfiedMaxFeedback}) must be at least 1 and less than SatisfiedMinFeedback ({SatisfiedMinFeedback}), which must be at most 5.");
    }
}
