using System.Globalization;
using System.Text;

namespace ChurnStream.Simulation;

/// <summary>Evaluation of one alert kind (see <see cref="AlertEvaluator"/> for the semantics).</summary>
/// <param name="Kind">Alert kind.</param>
/// <param name="Alerts">Evaluated alerts of this kind.</param>
/// <param name="TruePositives">True-positive alerts of this kind.</param>
/// <param name="Customers">Positive customers whose primary kind is this kind.</param>
/// <param name="Detected">Of those, customers with a true-positive alert of this kind.</param>
/// <param name="MedianDelayDays">Median of (first true-positive alert of this kind − onset) over <paramref name="Detected"/>; NaN if none.</param>
public sealed record KindEvaluation(string Kind, int Alerts, int TruePositives, int Customers, int Detected, double MedianDelayDays)
{
    public int FalsePositives => Alerts - TruePositives;

    /// <summary>NaN when there is no alert of this kind.</summary>
    public double Precision => Alerts == 0 ? double.NaN : (double)TruePositives / Alerts;

    /// <summary>NaN when no customer has this primary kind.</summary>
    public double Recall => Customers == 0 ? double.NaN : (double)Detected / Customers;
}

/// <summary>Result of <see cref="AlertEvaluator.Evaluate"/>.</summary>
public sealed class EvaluationReport
{
    /// <summary>Per kind, in the order of <see cref="AlertKinds.Evaluated"/>.</summary>
    public required IReadOnlyList<KindEvaluation> Kinds { get; init; }

    /// <summary>Alerts of a decline kind.</summary>
    public required int EvaluatedAlerts { get; init; }

    public required int TruePositives { get; init; }

    public int FalsePositives => EvaluatedAlerts - TruePositives;

    /// <summary>Alerts of other kinds (e.g. churn_risk), not evaluated.</summary>
    public required int IgnoredAlerts { get; init; }

    /// <summary>False positives on loyal, regular or occasional customers.</summary>
    public required int AlertsOnNegativeCustomers { get; init; }

    /// <summary>False positives on loyal customers (a subset of <see cref="AlertsOnNegativeCustomers"/>).</summary>
    public required int AlertsOnLoyalCustomers { get; init; }

    /// <summary>False positives on customers that are not in the labels.</summary>
    public required int AlertsOnUnknownCustomers { get; init; }

    /// <summary>False positives on positive customers detected before their onset (whatever the kind).</summary>
    public required int AlertsBeforeOnset { get; init; }

    /// <summary>False positives on positive customers after the onset with a kind not accepted for the persona.</summary>
    public required int AlertsOfWrongKind { get; init; }

    public required int PositiveCustomers { get; init; }

    /// <summary>Positive customers with at least one true-positive alert.</summary>
    public required int DetectedCustomers { get; init; }

    /// <summary>Median detection delay in days over the detected customers; NaN if none.</summary>
    public required double MedianDelayDays { get; init; }

    /// <summary>TP alerts / evaluated alerts; NaN without evaluated alerts.</summary>
    public double Precision => EvaluatedAlerts == 0 ? double.NaN : (double)TruePositives / EvaluatedAlerts;

    /// <summary>Detected / positive customers; NaN without positive customers.</summary>
    public double Recall => PositiveCustomers == 0 ? double.NaN : (double)DetectedCustomers / PositiveCustomers;

    /// <summary>
    /// A table per kind and overall, a line of false-positive counts, and as last line (no trailing newline)
    /// exactly <c>precision=P recall=R delay_days=D</c> with three decimals (invariant culture, <c>n/a</c> when undefined).
    /// </summary>
    public string Render()
    {
        var sb = new StringBuilder();
        const string format = "{0,-20} {1,7} {2,7} {3,7} {4,9} {5,9} {6,8} {7,7} {8,10}\n";
        sb.Append(string.Format(CultureInfo.InvariantCulture, format,
            "kind", "alerts", "tp", "fp", "precision", "customers", "detected", "recall", "delay_days"));
        foreach (var k in Kinds)
            sb.Append(string.Format(CultureInfo.InvariantCulture, format,
                k.Kind, k.Alerts, k.TruePositives, k.FalsePositives, Number(k.Precision), k.Customers, k.Detected, Number(k.Recall), Number(k.MedianDelayDays)));
        sb.Append(string.Format(CultureInfo.InvariantCulture, format,
            "overall", EvaluatedAlerts, TruePositives, FalsePositives, Number(Precision), PositiveCustomers, DetectedCustomers, Number(Recall), Number(MedianDelayDays)));
        sb.Append(CultureInfo.InvariantCulture,
            $"false positives: negative customers={AlertsOnNegativeCustomers} (loyal={AlertsOnLoyalCustomers}) before onset={AlertsBeforeOnset} wrong kind={AlertsOfWrongKind} unknown customers={AlertsOnUnknownCustomers}; ignored alerts={IgnoredAlerts}\n");
        sb.Append(SummaryLine);
        return sb.ToString();
    }

    /// <summary><c>precision=P recall=R delay_days=D</c>, the last line of <see cref="Render"/>.</summary>
    public string SummaryLine => $"precision={Number(Precision)} recall={Number(Recall)} delay_days={Number(MedianDelayDays)}";

    public override string ToString() => SummaryLine;

    private static string Number(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F3", CultureInfo.InvariantCulture);
}
