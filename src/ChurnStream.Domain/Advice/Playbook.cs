using ChurnStream.Domain.Options;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Advice;

/// <summary>The advice part of an alert: suspected reason and its evidence, recommended action, priority (1 = first).</summary>
public sealed record AlertAdvice(SuspectedReason Reason, ReasonEvidence Evidence, string RecommendedAction, int Priority);

/// <summary>Names the playbook may use, the default rules, and pattern checks for validation.</summary>
public static class PlaybookRules
{
    public static IReadOnlyList<string> KindNames { get; } = Enum.GetValues<AlertKind>().Select(k => k.Name()).ToArray();
    public static IReadOnlyList<string> ReasonNames { get; } = Enum.GetValues<SuspectedReason>().Select(r => r.Name()).ToArray();

    /// <summary>The rules used when <c>Detection:Playbook:Rules</c> is empty (the same as the shipped configuration).</summary>
    public static IReadOnlyList<PlaybookRule> Defaults { get; } =
    [
        new() { Reason = "service", Tier = "high", Action = "apology, compensation and account-manager call" },
        new() { Reason = "service", Action = "apology and service follow-up" },
        new() { Reason = "price", Tier = "high", Action = "personal time-limited offer" },
        new() { Reason = "price", Action = "time-limited offer" },
        new() { Reason = "need_change", Action = "cross-sell or referral" },
        new() { Kind = "inactivity", Stage = "silent", Action = "re-engagement e-mail" },
        new() { Kind = "inactivity", Stage = "lost", Action = "win-back campaign" },
        new() { Kind = "churn_risk", Action = "re-engagement e-mail" },
    ];

    public static bool IsKindPattern(string? s) => s == "*" || (s is not null && AlertNames.TryParse(s, out _));
    public static bool IsStagePattern(string? s) => s is "*" or "silent" or "lost";
    public static bool IsReasonPattern(string? s) => s == "*" || (s is not null && SuspectedReasons.TryParse(s, out _));
    public static bool IsTierPattern(string? s) => s == "*" || (s is not null && SegmentNames.TryParseTier(s, out _));
}

/// <summary>
/// The recommended action: the first rule (in configuration order) whose kind, stage, reason and tier all match
/// (<c>*</c> matches anything), else the default action. Built once from validated options.
/// </summary>
public sealed class Playbook
{
    private readonly (AlertKind? Kind, string? Stage, SuspectedReason? Reason, ValueTier? Tier, string Action)[] _rules;
    private readonly string _default;

    public Playbook(PlaybookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        options.Validate("Detection:Playbook", errors);
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        _default = options.DefaultAction;
        _rules = options.EffectiveRules.Select(r => (
            r.Kind == "*" ? (AlertKind?)null : AlertNames.TryParse(r.Kind, out var k) ? k : throw new ArgumentException(r.Kind),
            r.Stage == "*" ? null : r.Stage,
            r.Reason == "*" ? (SuspectedReason?)null : SuspectedReasons.TryParse(r.Reason, out var why) ? why : throw new ArgumentException(r.Reason),
            r.Tier == "*" ? (ValueTier?)null : SegmentNames.TryParseTier(r.Tier, out var t) ? t : throw new ArgumentException(r.Tier),
            r.Action)).ToArray();
    }

    public string ActionFor(AlertKind kind, string? stage, SuspectedReason reason, ValueTier tier)
    {
        foreach (var r in _rules)
            if ((r.Kind is null || r.Kind == kind) && (r.Stage is null || r.Stage == stage)
                && (r.Reason is null || r.Reason == reason) && (r.Tier is null || r.Tier == tier))
                return r.Action;
        return _default;
    }
}

/// <summary>
/// Priority 1 (first) to 12 (last): value tier first, then severity: 1 + 4·(2 − tier) + (3 − severity) with tiers
/// low 0, medium 1, high 2 and severities low 0 … critical 3. Every high-value alert (1-4) comes before every medium (5-8)
/// and low (9-12) one.
/// </summary>
public static class PriorityPolicy
{
    public static int For(ValueTier tier, Severity severity) => 1 + 4 * (2 - (int)tier) + (3 - (int)severity);
}
