using ChurnStream.Domain.Advice;
using ChurnStream.Domain.Rules;

namespace ChurnStream.Domain.Options;

/// <summary>
/// The churn model in the stream (<c>Detection:Model</c>). The model itself (a file written by <c>churnstream model fit</c>)
/// is loaded by the host from <see cref="File"/> and handed to the engine; without one the service runs on rules alone.
/// </summary>
public sealed class ChurnModelOptions
{
    /// <summary>Path of the model file; empty = no model (rules only, <c>pAlive</c> null, no <c>churn_risk</c>).</summary>
    public string File { get; set; } = "";

    /// <summary>Horizon of <c>expectedPurchases</c> and of the customer value, in model time units (weeks for a model fitted with 7-day units).</summary>
    public double HorizonPeriods { get; set; } = 13;

    /// <summary>Whether <c>churn_risk</c> alerts fire (P(alive) is in every alert either way when a model is loaded).</summary>
    public bool ChurnRiskEnabled { get; set; } = true;

    /// <summary><c>churn_risk</c> fires when P(alive) falls below this, for a customer with repeat purchases.</summary>
    public double ChurnRiskThreshold { get; set; } = 0.5;

    /// <summary>And re-arms when P(alive) is back at or above this (hysteresis).</summary>
    public double RecoveryThreshold { get; set; } = 0.7;

    /// <summary>Repeat purchase days (x) a customer needs before <c>churn_risk</c> can fire: P(alive) is 1 for x = 0.</summary>
    public int MinRepeatPurchases { get; set; } = 1;

    internal void Validate(string path, List<string> errors)
    {
        if (!(HorizonPeriods > 0 && HorizonPeriods <= 1000)) errors.Add($"{path}:HorizonPeriods must be greater than 0 and at most 1000 (is {HorizonPeriods}).");
        if (!(ChurnRiskThreshold > 0 && ChurnRiskThreshold < 1)) errors.Add($"{path}:ChurnRiskThreshold must be between 0 and 1, exclusive (is {ChurnRiskThreshold}).");
        if (!(RecoveryThreshold > ChurnRiskThreshold && RecoveryThreshold <= 1))
            errors.Add($"{path}:RecoveryThreshold ({RecoveryThreshold}) must be greater than ChurnRiskThreshold ({ChurnRiskThreshold}) and at most 1.");
        if (MinRepeatPurchases < 1) errors.Add($"{path}:MinRepeatPurchases must be at least 1 (is {MinRepeatPurchases}).");
    }
}

/// <summary>How the suspected reason of an alert is inferred (<c>Detection:Reasons</c>).</summary>
public sealed class ReasonOptions
{
    /// <summary>Interactions at or above this share of the customer's baseline rate: the customer keeps engaging.</summary>
    public double EngagementKeptRatio { get; set; } = 0.7;

    /// <summary>Interactions at or below this share of the baseline rate: engagement fell too.</summary>
    public double EngagementFellRatio { get; set; } = 0.5;

    /// <summary>Purchases (or spend) at or below this share of the baseline rate: purchases fell.</summary>
    public double PurchaseFellRatio { get; set; } = 0.6;

    internal void Validate(string path, List<string> errors)
    {
        if (!(EngagementFellRatio >= 0 && EngagementFellRatio < 1)) errors.Add($"{path}:EngagementFellRatio must be from 0 to 1, exclusive (is {EngagementFellRatio}).");
        if (!(EngagementKeptRatio > EngagementFellRatio)) errors.Add($"{path}:EngagementKeptRatio ({EngagementKeptRatio}) must be greater than EngagementFellRatio ({EngagementFellRatio}).");
        if (!(PurchaseFellRatio > 0 && PurchaseFellRatio < 1)) errors.Add($"{path}:PurchaseFellRatio must be between 0 and 1, exclusive (is {PurchaseFellRatio}).");
    }
}

/// <summary>One playbook rule: matched by alert kind, stage, suspected reason and value tier (<c>*</c> = any).</summary>
public sealed class PlaybookRule
{
    public string Kind { get; set; } = "*";
    public string Stage { get; set; } = "*";
    public string Reason { get; set; } = "*";
    public string Tier { get; set; } = "*";
    public string Action { get; set; } = "";
}

/// <summary>
/// The recommended action of an alert (<c>Detection:Playbook</c>): the first of <see cref="Rules"/> that matches, else
/// <see cref="DefaultAction"/>. With no rules configured, <see cref="PlaybookRules.Defaults"/> apply.
/// </summary>
public sealed class PlaybookOptions
{
    public string DefaultAction { get; set; } = "review the customer";

    public List<PlaybookRule> Rules { get; set; } = [];

    public IReadOnlyList<PlaybookRule> EffectiveRules => Rules.Count > 0 ? Rules : PlaybookRules.Defaults;

    internal void Validate(string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(DefaultAction)) errors.Add($"{path}:DefaultAction must not be empty.");
        for (var i = 0; i < Rules.Count; i++)
        {
            var r = Rules[i];
            var at = $"{path}:Rules:{i}";
            if (r is null) { errors.Add($"{at} is empty."); continue; }
            if (!PlaybookRules.IsKindPattern(r.Kind))
                errors.Add($"{at}:Kind '{r.Kind}' is not an alert kind (one of {string.Join(", ", PlaybookRules.KindNames)} or *).");
            if (!PlaybookRules.IsStagePattern(r.Stage))
                errors.Add($"{at}:Stage '{r.Stage}' is not an inactivity stage (silent, lost or *).");
            else if (r.Stage != "*" && r.Kind != AlertKind.Inactivity.Name())
                errors.Add($"{at}:Stage '{r.Stage}' needs Kind 'inactivity' (is '{r.Kind}').");
            if (!PlaybookRules.IsReasonPattern(r.Reason))
                errors.Add($"{at}:Reason '{r.Reason}' is not a reason (one of {string.Join(", ", PlaybookRules.ReasonNames)} or *).");
            if (!PlaybookRules.IsTierPattern(r.Tier))
                errors.Add($"{at}:Tier '{r.Tier}' is not a value tier (one of low, medium, high or *).");
            if (string.IsNullOrWhiteSpace(r.Action)) errors.Add($"{at}:Action must not be empty.");
        }
    }
}
