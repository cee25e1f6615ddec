namespace ChurnStream.Model;

/// <summary>Holdout figures of the customers with a given calibration frequency (the paper's conditional-expectation plot).</summary>
public sealed record FrequencyGroup(string Label, int Customers, double ActualMean, double PredictedMean, double NaiveMean);

/// <summary>Cumulative repeat purchases of the cohort up to the end of <see cref="Day"/>, <see cref="Time"/> units after the data start.</summary>
public sealed record TrackingPoint(double Time, DateOnly Day, double ActualCumulative, double PredictedCumulative);

/// <summary>
/// Out-of-sample check of a BG/NBD model: for each customer of the calibration cohort, the conditional expectation of the
/// holdout purchases against the actual number of purchase days in (calibrationEnd, holdoutEnd], next to a naive
/// baseline that extrapolates the calibration rate (x / T times the holdout length; 0 when T = 0).
/// </summary>
public sealed record HoldoutEvaluation(
    int Customers,
    int UnitDays,
    double HoldoutLength,
    int BuyersInHoldout,
    double ActualTotal,
    double PredictedTotal,
    double NaiveTotal,
    double Mae,
    double Rmse,
    double NaiveMae,
    double NaiveRmse,
    double Auc,
    double RecencyAuc,
    IReadOnlyList<FrequencyGroup> ByFrequency,
    DateOnly DataStart,
    double CalibrationEndTime,
    IReadOnlyList<TrackingPoint> Tracking)
{
    /// <summary>Frequencies 0..(this - 1) get a group of their own in <see cref="ByFrequency"/>, the rest share one.</summary>
    public const int FrequencyGroups = 7;

    /// <summary>
    /// Evaluates <paramref name="model"/> (fitted with time unit <paramref name="unitDays"/>) on the customers whose
    /// first purchase is on or before <paramref name="calibrationEnd"/>. The AUCs score "bought again in the holdout"
    /// by the conditional expectation and by recency alone (-(T - t_x), the negated time since the last purchase).
    /// The tracking series has a point at the end of every time unit from the first purchase of the cohort up to the
    /// holdout end: actual cumulative repeat purchases against the sum over customers of E[X(t)], t counted from each
    /// customer's own first purchase.
    /// </summary>
    public static HoldoutEvaluation Compute(BgNbdModel model, IReadOnlyList<CustomerHistory> histories, DateOnly calibrationEnd, DateOnly holdoutEnd, int unitDays = 7)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(histories);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitDays, 1);
        if (holdoutEnd <= calibrationEnd) throw new ArgumentException("The holdout end must be after the calibration end.", nameof(holdoutEnd));
        var cohort = histories.Where(h => h.PurchaseDays.Count > 0 && h.FirstPurchase <= calibrationEnd).ToArray();
        if (cohort.Length == 0) throw new ArgumentException("No customer made a first purchase on or before the calibration end.", nameof(histories));

        var length = (holdoutEnd.DayNumber - calibrationEnd.DayNumber) / (double)unitDays;
        var n = cohort.Length;
        var predicted = new double[n];
        var naive = new double[n];
        var actual = new double[n];
        var recency = new double[n];
        var frequency = new int[n];
        for (var i = 0; i < n; i++)
        {
            var s = TransactionSummarizer.Summarize(cohort[i], calibrationEnd, unitDays)!;
            frequency[i] = s.Frequency;
            predicted[i] = model.ExpectedPurchases(length, s.Frequency, s.RecencyT, s.AgeT);
            naive[i] = s.AgeT > 0 ? s.Frequency / s.AgeT * length : 0.0;
            actual[i] = TransactionSummarizer.HoldoutPurchases(cohort[i], calibrationEnd, holdoutEnd);
            recency[i] = -(s.AgeT - s.RecencyT);
        }
        var boughtAgain = actual.Select(a => a > 0).ToArray();

        var groups = new List<FrequencyGroup>();
        for (var g = 0; g <= FrequencyGroups; g++)
        {
            var members = Enumerable.Range(0, n).Where(i => g < FrequencyGroups ? frequency[i] == g : frequency[i] >= FrequencyGroups).ToArray();
            if (members.Length == 0) continue;
            groups.Add(new FrequencyGroup(
                g < FrequencyGroups ? g.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{FrequencyGroups}+",
                members.Length,
                members.Average(i => actual[i]),
                members.Average(i => predicted[i]),
                members.Average(i => naive[i])));
        }

        var (start, calibrationEndTime, tracking) = Track(model, cohort, calibrationEnd, holdoutEnd, unitDays);
        return new HoldoutEvaluation(
            n, unitDays, length, boughtAgain.Count(b => b),
            actual.Sum(), predicted.Sum(), naive.Sum(),
            Mean(predicted, actual, Math.Abs), Math.Sqrt(Mean(predicted, actual, d => d * d)),
            Mean(naive, actual, Math.Abs), Math.Sqrt(Mean(naive, actual, d => d * d)),
            AreaUnderCurve(predicted, boughtAgain), AreaUnderCurve(recency, boughtAgain),
            groups, start, calibrationEndTime, tracking);
    }

    /// <summary>
    /// The AUC of <paramref name="scores"/> for the binary <paramref name="labels"/> (Mann-Whitney U / (n1 n0), ties
    /// counted half); NaN when one class is empty.
    /// </summary>
    public static double AreaUnderCurve(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count) throw new ArgumentException("scores and labels differ in length", nameof(labels));
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double positives = labels.Count(l => l), negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        var positiveRankSum = 0.0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            var averageRank = (i + j) / 2.0 + 1.0; // 1-based ranks, ties get the average
            for (var k = i; k <= j; k++)
                if (labels[order[k]]) positiveRankSum += averageRank;
            i = j + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / (positives * negatives);
    }

    private static double Mean(double[] predicted, double[] actual, Func<double, double> loss)
    {
        var sum = 0.0;
        for (var i = 0; i < predicted.Length; i++) sum += loss(predicted[i] - actual[i]);
        return sum / predicted.Length;
    }

    private static (DateOnly Start, double CalibrationEndTime, IReadOnlyList<TrackingPoint> Points) Track(
        BgNbdModel model, CustomerHistory[] cohort, DateOnly calibrationEnd, DateOnly holdoutEnd, int unitDays)
    {
        var start = cohort.Min(h => h.FirstPurchase);
        // Customers sharing a first purchase day share E[X(t)].
        var firstDays = cohort.GroupBy(h => h.FirstPurchase).Select(g => (Day: g.Key, Count: g.Count())).OrderBy(g => g.Day).ToArray();
        var repeatDays = cohort.SelectMany(h => h.PurchaseDays.Skip(1)).Where(d => d <= holdoutEnd).Select(d => d.DayNumber).Order().ToArray();
        var totalDays = holdoutEnd.DayNumber - start.DayNumber;
        var points = new List<TrackingPoint> { new(0.0, start, 0.0, 0.0) };
        var next = 0;
        var actual = 0;
        for (var k = 1; ; k++)
        {
            var offset = Math.Min(k * unitDays, totalDays);
            var day = start.AddDays(offset);
            while (next < repeatDays.Length && repeatDays[next] <= day.DayNumber) { next++; actual++; }
            var expected = 0.0;
            foreach (var (first, count) in firstDays)
                if (first < day) expected += count * model.UnconditionalExpectedPurchases((day.DayNumber - first.DayNumber) / (double)unitDays);
            points.Add(new TrackingPoint(offset / (double)unitDays, day, actual, expected));
            if (offset >= totalDays) break;
        }
        return (start, (calibrationEnd.DayNumber - start.DayNumber) / (double)unitDays, points);
    }
}
