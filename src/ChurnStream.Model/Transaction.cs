namespace ChurnStream.Model;

/// <summary>One purchase (or refund, when <see cref="Amount"/> is negative) of a customer on a calendar day.</summary>
public readonly record struct Transaction(string CustomerId, DateOnly Day, decimal Amount);

/// <summary>
/// Calibration-period summary of one customer in the model's time unit (weeks for CDNOW).
/// <see cref="Frequency"/> is x, the number of repeat purchase days; <see cref="RecencyT"/> is t_x, the time from the
/// first purchase to the last calibration purchase; <see cref="AgeT"/> is T, the time from the first purchase to the
/// calibration end; <see cref="MeanRepeatSpend"/> is the mean amount of the repeat purchase days (0 when x = 0).
/// </summary>
public sealed record CustomerSummary(string CustomerId, int Frequency, double RecencyT, double AgeT, double MeanRepeatSpend);

/// <summary>
/// A customer's purchase days in ascending order, purchases on the same day merged (amounts summed).
/// Refunds (negative amounts) are not purchase occasions and are not part of the history.
/// </summary>
public sealed record CustomerHistory(string CustomerId, IReadOnlyList<DateOnly> PurchaseDays, IReadOnlyList<decimal> DayAmounts)
{
    public DateOnly FirstPurchase => PurchaseDays[0];
}
