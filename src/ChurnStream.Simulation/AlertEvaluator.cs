namespace ChurnStream.Simulation;

/// <summary>
/// Scores alerts against the generator's ground truth.
/// <list type="bullet">
/// <item>Positive customers are the decline personas (they have an onset); negatives are loyal, regular and occasional.</item>
/// <item>Only the decline kinds are evaluated: frequency_decline, spend_decline, engagement_decline, inactivity, dissatisfaction.
/// Alerts of any other kind (e.g. churn_risk) are ignored (counted in <see cref="EvaluationReport.IgnoredAlerts"/>).</item>
/// <item>Accepted kinds per persona: frequency_decline → {frequency_decline, spend_decline, inactivity}; spend_decline → {spend_decline};
/// engagement_decline → {engagement_decline}; silent → {inactivity, frequency_decline, spend_decline, engagement_decline};
/// complainer → {dissatisfaction}. Primary kind: frequency_decline, spend_decline, engagement_decline, inactivity (silent),
/// dissatisfaction (complainer).</item>
/// <item>An alert is a true positive (TP) if its customer is positive, detectedAt ≥ onsetAt and its kind is accepted for the
/// persona. Every other evaluated alert is a false positive: alerts before the onset, alerts of a non-accepted kind, alerts on
/// negative customers and alerts on customers absent from the labels.</item>
/// <item>Overall precision = TP alerts / evaluated alerts. Overall recall = positive customers with at least one TP alert /
/// positive customers. Detection delay = median over detected positive customers of (first TP alert − onset) in days
/// (the mean of the two middle values for an even count).</item>
/// <item>Per kind K: precision = TP alerts of kind K / alerts of kind K; recall = customers whose primary kind is K with a TP alert
/// of kind K / customers whose primary kind is K; delay = median over those detected customers of (first TP alert of kind K −
/// onset). Undefined ratios (no alerts, no customers, no detection) are NaN and rendered <c>n/a</c>.</item>
/// <item>Alerts on loyal customers are counted separately (<see cref="EvaluationReport.AlertsOnLoyalCustomers"/>).</item>
/// </list>
/// Repeated alerts are all counted (a repeated false alert lowers precision each time).
/// </summary>
public static class AlertEvaluator
{
    public static EvaluationReport Evaluate(IEnumerable<AlertRecord> alerts, IReadOnlyList<CustomerLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(labels);
        var byCustomer = new Dictionary<string, CustomerLabel>(labels.Count, StringComparer.Ordinal);
        foreach (var label in labels)
            if (!byCustomer.TryAdd(label.CustomerId, label))
                throw new ArgumentException($"customer {label.CustomerId} is labelled twice", nameof(labels));

        var kinds = AlertKinds.Evaluated;
        var alertsOfKind = kinds.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        var tpOfKind = kinds.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        var firstTp = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var firstTpOfPrimary = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        int evaluated = 0, tp = 0, ignored = 0, onNegatives = 0, onLoyal = 0, unknown = 0, early = 0, wrongKind = 0;

        foreach (var alert in alerts)
        {
            if (!alertsOfKind.ContainsKey(alert.Kind))
            {
                ignored++;
                continue;
            }
            evaluated++;
            alertsOfKind[alert.Kind]++;
            if (!byCustomer.TryGetValue(alert.CustomerId, out var label))
            {
                unknown++;
                continue;
            }
            if (label.OnsetAt is not { } onset)
            {
                onNegatives++;
                if (label.Persona == Personas.Loyal) onLoyal++;
                continue;
            }
            if (alert.DetectedAt < onset)
            {
                early++;
                continue;
            }
            if (!AlertKinds.AcceptedFor(label.Persona).Contains(alert.Kind))
            {
                wrongKind++;
                continue;
            }
            tp++;
            tpOfKind[alert.Kind]++;
            KeepFirst(firstTp, label.CustomerId, alert.DetectedAt);
            if (AlertKinds.PrimaryFor(label.Persona) == alert.Kind)
                KeepFirst(firstTpOfPrimary, label.CustomerId, alert.DetectedAt);
        }

        var positives = labels.Where(l => l.OnsetAt is not null).ToList();
        var perKind = new List<KindEvaluation>(kinds.Count);
        foreach (var kind in kinds)
        {
            var expected = positives.Where(l => AlertKinds.PrimaryFor(l.Persona) == kind).ToList();
            var delays = expected.Where(l => firstTpOfPrimary.ContainsKey(l.CustomerId))
                                 .Select(l => DelayDays(l, firstTpOfPrimary[l.CustomerId])).ToList();
            perKind.Add(new KindEvaluation(kind, alertsOfKind[kind], tpOfKind[kind], expected.Count, delays.Count, Median(delays)));
        }
        var overallDelays = positives.Where(l => firstTp.ContainsKey(l.CustomerId))
                                     .Select(l => DelayDays(l, firstTp[l.CustomerId])).ToList();

        return new EvaluationReport
        {
            Kinds = perKind,
            EvaluatedAlerts = evaluated,
            TruePositives = tp,
            IgnoredAlerts = ignored,
            AlertsOnNegativeCustomers = onNegatives,
            AlertsOnLoyalCustomers = onLoyal,
            AlertsOnUnknownCustomers = unknown,
            AlertsBeforeOnset = early,
            AlertsOfWrongKind = wrongKind,
            PositiveCustomers = positives.Count,
            DetectedCustomers = overallDelays.Count,
            MedianDelayDays = Median(overallDelays),
        };
    }

    private static void KeepFirst(Dictionary<string, DateTimeOffset> first, string customer, DateTimeOffset at)
    {
        if (!first.TryGetValue(customer, out var seen) || at < seen) first[customer] = at;
    }

    private static double DelayDays(CustomerLabel label, DateTimeOffset detectedAt) => (detectedAt - label.OnsetAt!.Value).TotalDays;

    internal static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
