using ChurnStream.Domain.Advice;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Scoring;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Outputs;

/// <summary>What triggered an alert: the customer's current figure against their baseline and the threshold.</summary>
public readonly record struct AlertMetrics(double Current, double? Baseline, double? Ratio, double Threshold, string Unit);

/// <summary>The customer's standing when the alert fired.</summary>
public readonly record struct CustomerSnapshot(double LifetimeSpend, int Orders, long FirstPurchaseMs, long LastPurchaseMs, double TrailingSpend, int TrailingPurchases);

/// <summary>
/// A decline alert, as published on <c>churn-alerts</c>. <see cref="Model"/>: P(alive), expected purchases and value at
/// <see cref="DetectedAtMs"/> (null without a model, or before a first purchase); <see cref="Advice"/>: suspected reason,
/// evidence, recommended action and priority (always set by the engine).
/// </summary>
public sealed record ChurnAlert(
    string AlertId,
    string CustomerId,
    AlertKind Kind,
    Severity Severity,
    long DetectedAtMs,
    string? Stage,
    AlertMetrics Metrics,
    SegmentSet Segments,
    CustomerSnapshot Customer,
    ModelScore? Model = null,
    AlertAdvice? Advice = null);

/// <summary>One segment dimension that changed.</summary>
public readonly record struct SegmentTransition(SegmentDimension Dimension, string? From, string To);

/// <summary>A change of one or more segment dimensions, as published on <c>customer-segments</c>.</summary>
public sealed record SegmentChange(string CustomerId, long ChangedAtMs, IReadOnlyList<SegmentTransition> Changes, SegmentSet Segments);
