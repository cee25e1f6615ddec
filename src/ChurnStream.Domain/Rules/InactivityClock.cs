using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Rules;

/// <summary>
/// Time-based churn: no purchase for N days makes a customer silent, for M days lost. The clock is picked by
/// the category of the last purchase. Deadlines are exact instants, so an alert's time is the deadline itself.
/// </summary>
public static class InactivityClock
{
    /// <summary>The next inactivity deadline still ahead of the customer, or <see cref="CustomerProfile.None"/>.</summary>
    public static long NextDeadline(CustomerProfile p, DetectionOptions options) => p.HasPurchased
        ? p.Stage switch
        {
            InactivityStage.Buying => p.LastPurchaseMs + EventTime.Days(options.InactivityFor(p.LastCategory).SilentAfterDays),
            InactivityStage.Silent => p.LastPurchaseMs + EventTime.Days(options.InactivityFor(p.LastCategory).LostAfterDays),
            _ => CustomerProfile.None,
        }
        : CustomerProfile.None;

    public static double ThresholdDays(CustomerProfile p, InactivityStage reached, DetectionOptions options)
    {
        var o = options.InactivityFor(p.LastCategory);
        return reached == InactivityStage.Lost ? o.LostAfterDays : o.SilentAfterDays;
    }
}
