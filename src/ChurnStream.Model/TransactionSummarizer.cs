namespace ChurnStream.Model;

/// <summary>
/// Turns raw transactions into per-customer histories and BG/NBD calibration summaries.
/// Conventions (those of Fader, Hardie &amp; Lee and of the CDNOW summary file): purchases on the same day are one
/// purchase; the calibration period ends at the end of <c>calibrationEnd</c> (inclusive);
/// x = calibration purchase days - 1; t_x = (last calibration purchase day - first purchase day) / unitDays;
/// T = (calibrationEnd - first purchase day) / unitDays. Customers whose first purchase is after the calibration end
/// are not part of the calibration cohort and get no summary.
/// </summary>
public static class TransactionSummarizer
{
    /// <summary>Groups transactions by customer (ordinal id order), merging same-day purchases and dropping refunds.</summary>
    public static IReadOnlyList<CustomerHistory> GroupByCustomer(IEnumerable<Transaction> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var byCustomer = new Dictionary<string, SortedDictionary<DateOnly, decimal>>(StringComparer.Ordinal);
        foreach (var tx in transactions)
        {
            if (tx.Amount < 0m) continue; // refund: not a purchase occasion
            if (!byCustomer.TryGetValue(tx.CustomerId, out var days))
            {
                days = new SortedDictionary<DateOnly, decimal>();
                byCustomer.Add(tx.CustomerId, days);
            }
            days[tx.Day] = days.TryGetValue(tx.Day, out var sum) ? sum + tx.Amount : tx.Amount;
        }
        return byCustomer
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new CustomerHistory(kv.Key, kv.Value.Keys.ToArray(), kv.Value.Values.ToArray()))
            .ToArray();
    }

    /// <summary>Calibration summaries of the customers whose first purchase is on or before <paramref name="calibrationEnd"/>.</summary>
    public static IReadOnlyList<CustomerSummary> Summarize(IEnumerable<Transaction> transactions, DateOnly calibrationEnd, int unitDays = 7)
        => Summarize(GroupByCustomer(transactions), calibrationEnd, unitDays);

    public static IReadOnlyList<CustomerSummary> Summarize(IEnumerable<CustomerHistory> histories, DateOnly calibrationEnd, int unitDays = 7)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var result = new List<CustomerSummary>();
        foreach (var h in histories)
        {
            var s = Summarize(h, calibrationEnd, unitDays);
            if (s is not null) result.Add(s);
        }
        return result;
    }

    /// <summary>The calibration summary of one customer, or null when the first purchase is after the calibration end.</summary>
    public static CustomerSummary? Summarize(CustomerHistory history, DateOnly calibrationEnd, int unitDays = 7)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitDays, 1);
        if (history.PurchaseDays.Count == 0 || history.FirstPurchase > calibrationEnd) return null;
        var first = history.FirstPurchase;
        var last = first;
        var repeats = 0;
        var repeatSpend = 0m;
        for (var i = 1; i < history.PurchaseDays.Count && history.PurchaseDays[i] <= calibrationEnd; i++)
        {
            repeats++;
            repeatSpend += history.DayAmounts[i];
            last = history.PurchaseDays[i];
        }
        double unit = unitDays;
        return new CustomerSummary(
            history.CustomerId,
            repeats,
            (last.DayNumber - first.DayNumber) / unit,
            (calibrationEnd.DayNumber - first.DayNumber) / unit,
            repeats == 0 ? 0.0 : (double)(repeatSpend / repeats));
    }

    /// <summary>Number of purchase days in (calibrationEnd, holdoutEnd] of a customer.</summary>
    public static int HoldoutPurchases(CustomerHistory history, DateOnly calibrationEnd, DateOnly holdoutEnd)
    {
        ArgumentNullException.ThrowIfNull(history);
        var n = 0;
        foreach (var d in history.PurchaseDays)
            if (d > calibrationEnd && d <= holdoutEnd) n++;
        return n;
    }

    /// <summary>
    /// Repeat purchase days in the holdout window (calibrationEnd, holdoutEnd] for every customer of the calibration
    /// cohort (first purchase on or before the calibration end; customers without holdout purchases map to 0).
    /// </summary>
    public static IReadOnlyDictionary<string, int> HoldoutRepeatPurchases(IEnumerable<Transaction> transactions, DateOnly calibrationEnd, DateOnly holdoutEnd)
    {
        if (holdoutEnd <= calibrationEnd) throw new ArgumentException("The holdout end must be after the calibration end.", nameof(holdoutEnd));
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var h in GroupByCustomer(transactions))
            if (h.FirstPurchase <= calibrationEnd)
                result.Add(h.CustomerId, HoldoutPurchases(h, calibrationEnd, holdoutEnd));
        return result;
    }
}
