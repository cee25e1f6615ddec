using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Profiles;

/// <summary>
/// Everything ChurnStream remembers about one customer: bucketed activity over the horizon (current + baseline
/// window), lifetime facts, the inactivity stage, which alerts are armed, the segments last published, and the
/// pending timer. Only <see cref="ProfileUpdater"/> and the engine change it.
/// </summary>
public sealed class CustomerProfile
{
    public const long None = long.MinValue;

    public CustomerProfile(string customerId) => CustomerId = customerId;

    public string CustomerId { get; }

    public BucketRing<ActivityBucket> Activity;
    public BucketRing<SentimentBucket> Sentiment;

    public long FirstSeenMs = None;
    public long FirstPurchaseMs = None;
    public long LastPurchaseMs = None;
    public long LastEngagementMs = None;
    public int Orders;
    public double LifetimeSpend;

    /// <summary>Category of the latest purchase: it picks the inactivity clock.</summary>
    public string? LastCategory;
    public string? FirstChannel;
    public bool Unsubscribed;

    public InactivityStage Stage;
    public bool WonBack;

    /// <summary>Bit per <see cref="AlertKind"/>: set while the alert has fired and the customer has not recovered.</summary>
    public byte Disarmed;

    public SegmentSet Segments;
    public bool HasSegments;

    /// <summary>The one timer pending for this customer in the engine's timer queue, or <see cref="None"/>.</summary>
    public long ScheduledTimerMs = None;

    // The last few event ids seen (64-bit fingerprints): redeliveries arrive next to their original in event-time order.
    internal ulong Fingerprint0, Fingerprint1, Fingerprint2, Fingerprint3;
    internal byte NextFingerprint;

    public bool IsArmed(AlertKind kind) => (Disarmed & (1 << (int)kind)) == 0;

    public void Disarm(AlertKind kind) => Disarmed |= (byte)(1 << (int)kind);

    public void Rearm(AlertKind kind) => Disarmed &= (byte)~(1 << (int)kind);

    public bool HasPurchased => Orders > 0;

    internal bool SeenFingerprint(ulong f) =>
        f == Fingerprint0 || f == Fingerprint1 || f == Fingerprint2 || f == Fingerprint3;

    internal void RememberFingerprint(ulong f)
    {
        switch (NextFingerprint & 3)
        {
            case 0: Fingerprint0 = f; break;
            case 1: Fingerprint1 = f; break;
            case 2: Fingerprint2 = f; break;
            default: Fingerprint3 = f; break;
        }
        NextFingerprint++;
    }
}
