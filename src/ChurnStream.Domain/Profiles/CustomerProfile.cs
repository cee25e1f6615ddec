using ChurnStream.Domain.Events;
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

    /// <summary>Complaints and feedback (read-only copy); <see cref="WritableSentiment"/> to change it.</summary>
    public BucketRing<SentimentBucket> Sentiment => _extras is null ? default : _extras.Sentiment;

    public ref BucketRing<SentimentBucket> WritableSentiment => ref Extras.Sentiment;

    public long FirstSeenMs = None;
    public long FirstPurchaseMs = None;
    public long LastPurchaseMs = None;
    public long LastEngagementMs = None;
    public int Orders;
    public double LifetimeSpend;

    /// <summary>Category of the latest purchase: it picks the inactivity clock.</summary>
    public string? LastCategory
    {
        get => _lastCategory == NameCodes.Unlisted ? _extras!.Unlisted.LastCategory : NameCodes.NameOf(_lastCategory);
        set
        {
            _lastCategory = NameCodes.CodeOf(value);
            if (_lastCategory == NameCodes.Unlisted) Extras.Unlisted.LastCategory = value;
        }
    }

    public string? FirstChannel
    {
        get => _firstChannel == NameCodes.Unlisted ? _extras!.Unlisted.FirstChannel : NameCodes.NameOf(_firstChannel);
        set
        {
            _firstChannel = NameCodes.CodeOf(value);
            if (_firstChannel == NameCodes.Unlisted) Extras.Unlisted.FirstChannel = value;
        }
    }

    private ushort _lastCategory, _firstChannel;
    public bool Unsubscribed
    {
        get => _extras is not null && _extras.Unsubscribed;
        set { if (value || _extras is not null) Extras.Unsubscribed = value; }
    }

    // What the churn model needs (BG/NBD x, t_x, T and the Gamma-Gamma mean repeat spend), kept online:
    // x = PurchaseDays - 1; t_x and T from FirstPurchaseMs / LastPurchaseMs (their UTC days) and the evaluation instant.

    /// <summary>Distinct UTC days with a purchase (refunds excluded): one purchase occasion per day, as the model was fitted.</summary>
    public int PurchaseDays;

    /// <summary>
    /// Bit i set: a purchase on the UTC day <c>i</c> days before the last purchase day. Lets a late purchase within 64 days
    /// of the last one be recognised as a day already counted (older late purchases count as a new day unless on the first day).
    /// </summary>
    public ulong RecentPurchaseDays;

    /// <summary>Spend of the first purchase day, and of all the later purchase days (positive amounts only, as in the model fit).</summary>
    public double FirstDaySpend;
    public double RepeatSpend;

    /// <summary>The last reason the customer stated (<c>reason</c> on feedback or a complaint: price, service, need) and when.</summary>
    public StatedReason LastStatedReason
    {
        get => _extras is null ? StatedReason.None : _extras.LastStatedReason;
        set { if (value != StatedReason.None || _extras is not null) Extras.LastStatedReason = value; }
    }

    public long LastStatedReasonMs
    {
        get => _extras is null ? None : _extras.LastStatedReasonMs;
        set { if (value != None || _extras is not null) Extras.LastStatedReasonMs = value; }
    }

    /// <summary>The last complaint or low feedback (score 1-2): evidence that service preceded a decline.</summary>
    public long LastServiceSignalMs
    {
        get => _extras is null ? None : _extras.LastServiceSignalMs;
        set { if (value != None || _extras is not null) Extras.LastServiceSignalMs = value; }
    }

    /// <summary>Joined from the <c>customers</c> topic: the acquisition source, sign-up time and region; absent until a record arrives.</summary>
    public bool HasAttributes
    {
        get => _extras is not null && _extras.HasAttributes;
        set { if (value || _extras is not null) Extras.HasAttributes = value; }
    }

    public AcquisitionSource AttributeSource
    {
        get => _extras is null ? AcquisitionSource.Unknown : _extras.AttributeSource;
        set { if (value != AcquisitionSource.Unknown || _extras is not null) Extras.AttributeSource = value; }
    }

    public long SignedUpAtMs
    {
        get => _extras is null ? None : _extras.SignedUpAtMs;
        set { if (value != None || _extras is not null) Extras.SignedUpAtMs = value; }
    }

    public string? Region
    {
        get => _extras?.Region;
        set { if (value is not null || _extras is not null) Extras.Region = value; }
    }

    private ProfileExtras? _extras;

    private ProfileExtras Extras => _extras ??= new ProfileExtras();

    /// <summary>The bin of this customer's value score in the partition's tier sketch (0 = not in it). Only with quantile tiers.</summary>
    public ushort TierSketchBin;

    public InactivityStage Stage;
    public bool WonBack
    {
        get => (_stateBits & WonBackBit) != 0;
        set => _stateBits = (byte)(value ? _stateBits | WonBackBit : _stateBits & ~WonBackBit);
    }

    /// <summary>
    /// The bucket <see cref="Segments"/> were classified in, as buckets after <see cref="Activity"/>'s head (0-6), or -1
    /// when not known. The segments hold for any instant of that bucket as long as nothing they are classified from
    /// changes, so an event that only counts as an interaction there leaves them as they are. Not persisted: a restored
    /// profile classifies again on its first event.
    /// </summary>
    internal int SegmentsBucketAfterHead
    {
        get => (_stateBits >> 1 & 7) - 1;
        set => _stateBits = (byte)(_stateBits & WonBackBit | ((uint)value <= MaxSegmentsBucketAfterHead ? value + 1 : 0) << 1);
    }

    internal const int MaxSegmentsBucketAfterHead = 6;

    // WonBack in bit 0, SegmentsBucketAfterHead + 1 in bits 1-3: one byte, where a field of its own would cost 8 per profile.
    private const int WonBackBit = 1;
    private byte _stateBits;

    /// <summary>Bit per <see cref="AlertKind"/>: set while the alert has fired and the customer has not recovered.</summary>
    public byte Disarmed;

    /// <summary>The segments last published; meaningful only when <see cref="HasSegments"/>.</summary>
    public SegmentSet Segments
    {
        get => new((ValueTier)(_segments & 7), (Lifecycle)(_segments >> 3 & 7), (ActivityStatus)(_segments >> 6 & 7),
            (Sentiment)(_segments >> 9 & 7), (AcquisitionSource)(_segments >> 12 & 7));
        set => _segments = (ushort)(_segments & HasSegmentsBit | Field((int)value.Value) | Field((int)value.Lifecycle) << 3
            | Field((int)value.Activity) << 6 | Field((int)value.Sentiment) << 9 | Field((int)value.Source) << 12);
    }

    public bool HasSegments
    {
        get => (_segments & HasSegmentsBit) != 0;
        set => _segments = (ushort)(value ? _segments | HasSegmentsBit : _segments & ~HasSegmentsBit);
    }

    // The five segments in three bits each and the flag above them: a value-type field of its own (SegmentSet) would
    // take a whole 8-byte slot of the profile.
    private const int HasSegmentsBit = 1 << 15;
    private ushort _segments;

    private static int Field(int value) =>
        (uint)value <= 7 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a segment is one of at most 8 values");

    /// <summary>The one timer pending for this customer in the engine's timer queue, or <see cref="None"/>.</summary>
    public long ScheduledTimerMs = None;

    /// <summary>Where the partition's profile table keeps this profile: what a timer on a shared instant holds.</summary>
    internal int TablePosition = -1;

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
