using System.IO.Hashing;
using System.Runtime.InteropServices;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Profiles;

public enum ApplyOutcome : byte { Applied, Duplicate, BeyondHorizon }

/// <summary>Folds one event into a profile. The only place that writes activity into the buckets.</summary>
public static class ProfileUpdater
{
    public static ApplyOutcome Apply(CustomerProfile p, CustomerEvent e, BucketClock clock)
    {
        if (e.EventId is { } id)
        {
            var f = Fingerprint(e.Kind, id);
            if (p.SeenFingerprint(f)) return ApplyOutcome.Duplicate;
            p.RememberFingerprint(f);
        }

        var bucket = clock.BucketOf(e.OccurredAtMs);
        ref var slot = ref p.Activity.Write(bucket, clock.ActivityRingLength);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot)) return ApplyOutcome.BeyondHorizon;

        if (p.FirstSeenMs == CustomerProfile.None || e.OccurredAtMs < p.FirstSeenMs) p.FirstSeenMs = e.OccurredAtMs;

        switch (e.Kind)
        {
            case EventKind.Purchase:
                ApplyPurchase(p, e, ref slot);
                break;
            case EventKind.Complaint:
            case EventKind.SupportTicket:
            case EventKind.Feedback:
                ApplySentiment(p, e, clock);
                ApplyReasonEvidence(p, e);
                TouchEngagement(p, e);
                break;
            case EventKind.Unsubscribe:
                ApplyReasonEvidence(p, e);
                p.Unsubscribed = true;
                TouchEngagement(p, e);
                break;
            default:
                slot.Interactions = SaturatingIncrement(slot.Interactions);
                TouchEngagement(p, e);
                break;
        }
        return ApplyOutcome.Applied;
    }

    /// <summary>
    /// Events that only add to the bucket's interaction count and the last engagement time (the default case of
    /// <see cref="Apply"/>): nothing a segment is classified from.
    /// </summary>
    public static bool CountsOnlyAsInteraction(EventKind kind) =>
        kind is EventKind.Visit or EventKind.Login or EventKind.AppOpen or EventKind.EmailOpen or EventKind.EmailClick;

    private static void ApplyPurchase(CustomerProfile p, CustomerEvent e, ref ActivityBucket slot)
    {
        slot.Spend += (float)e.Amount;
        p.LifetimeSpend += e.Amount;
        if (e.IsRefund) return;

        slot.Purchases = SaturatingIncrement(slot.Purchases);
        CountPurchaseDay(p, e);
        p.Orders++;
        if (p.FirstPurchaseMs == CustomerProfile.None || e.OccurredAtMs < p.FirstPurchaseMs)
        {
            p.FirstPurchaseMs = e.OccurredAtMs;
            p.FirstChannel = e.Channel;
        }
        if (p.LastPurchaseMs == CustomerProfile.None || e.OccurredAtMs >= p.LastPurchaseMs)
        {
            p.LastPurchaseMs = e.OccurredAtMs;
            p.LastCategory = e.Category;
            if (p.Stage == InactivityStage.Lost)
            {
                // A returning customer starts afresh: their old decline alerts no longer describe them.
                p.WonBack = true;
                p.Rearm(Rules.AlertKind.FrequencyDecline);
                p.Rearm(Rules.AlertKind.SpendDecline);
                p.Rearm(Rules.AlertKind.EngagementDecline);
            }
            p.Stage = InactivityStage.Buying;
        }
    }

    /// <summary>Distinct purchase days and the first-day / repeat spend split; before the first/last purchase times are updated.</summary>
    private static void CountPurchaseDay(CustomerProfile p, CustomerEvent e)
    {
        var day = EventTime.DayIndex(e.OccurredAtMs);
        var amount = Math.Max(0, e.Amount);
        if (p.PurchaseDays == 0 || p.FirstPurchaseMs == CustomerProfile.None || p.LastPurchaseMs == CustomerProfile.None)
        {
            p.PurchaseDays = 1;
            p.RecentPurchaseDays = 1;
            p.FirstDaySpend = amount;
            p.RepeatSpend = 0;
            return;
        }
        var firstDay = EventTime.DayIndex(p.FirstPurchaseMs);
        var lastDay = EventTime.DayIndex(p.LastPurchaseMs);
        if (day > lastDay)
        {
            var shift = day - lastDay;
            p.RecentPurchaseDays = (shift >= 64 ? 0 : p.RecentPurchaseDays << (int)shift) | 1;
            p.PurchaseDays++;
        }
        else
        {
            var back = lastDay - day;
            if (back < 64)
            {
                var bit = 1UL << (int)back;
                if ((p.RecentPurchaseDays & bit) == 0)
                {
                    p.RecentPurchaseDays |= bit;
                    p.PurchaseDays++;
                }
            }
            else if (day != firstDay)
            {
                p.PurchaseDays++;
            }
        }
        if (day < firstDay)
        {
            p.RepeatSpend += p.FirstDaySpend;
            p.FirstDaySpend = amount;
        }
        else if (day == firstDay) p.FirstDaySpend += amount;
        else p.RepeatSpend += amount;
    }

    /// <summary>A stated reason (the latest in event time wins) and service signals (complaints, feedback of 1 or 2).</summary>
    private static void ApplyReasonEvidence(CustomerProfile p, CustomerEvent e)
    {
        if (e.Reason is StatedReason.Price or StatedReason.Service or StatedReason.Need
            && (p.LastStatedReasonMs == CustomerProfile.None || e.OccurredAtMs >= p.LastStatedReasonMs))
        {
            p.LastStatedReason = e.Reason;
            p.LastStatedReasonMs = e.OccurredAtMs;
        }
        var serviceSignal = e.Kind == EventKind.Complaint || (e.Kind == EventKind.Feedback && e.Score is >= 1 and <= LowFeedbackScore);
        if (serviceSignal && (p.LastServiceSignalMs == CustomerProfile.None || e.OccurredAtMs > p.LastServiceSignalMs))
            p.LastServiceSignalMs = e.OccurredAtMs;
    }

    /// <summary>A feedback score at or below this is a service signal for the suspected reason.</summary>
    public const byte LowFeedbackScore = 2;

    private static void ApplySentiment(CustomerProfile p, CustomerEvent e, BucketClock clock)
    {
        ref var s = ref p.WritableSentiment.Write(clock.BucketOf(e.OccurredAtMs), clock.SentimentRingLength);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s)) return; // older than the current window: no longer matters
        switch (e.Kind)
        {
            case EventKind.Complaint: s.Complaints = SaturatingIncrement(s.Complaints); break;
            case EventKind.SupportTicket: s.SupportTickets = SaturatingIncrement(s.SupportTickets); break;
            case EventKind.Feedback when e.Score is >= 1 and <= 5 && s.FeedbackScoreSum <= 250:
                s.FeedbackCount++;
                s.FeedbackScoreSum += e.Score;
                break;
        }
    }

    private static void TouchEngagement(CustomerProfile p, CustomerEvent e)
    {
        if (p.LastEngagementMs == CustomerProfile.None || e.OccurredAtMs > p.LastEngagementMs) p.LastEngagementMs = e.OccurredAtMs;
    }

    /// <summary>64-bit fingerprint of an event id; the kind is mixed in so a purchase and an engagement never collide.</summary>
    public static ulong Fingerprint(EventKind kind, string eventId)
    {
        var f = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(eventId.AsSpan()), kind == EventKind.Purchase ? 0 : 1);
        return f == 0 ? 1 : f; // 0 marks an empty fingerprint slot
    }

    private static ushort SaturatingIncrement(ushort v) => v == ushort.MaxValue ? v : (ushort)(v + 1);
    private static byte SaturatingIncrement(byte v) => v == byte.MaxValue ? v : (byte)(v + 1);
}
