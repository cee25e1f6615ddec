using ChurnStream.Domain.Events;
using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Profiles;

/// <summary>
/// The facts of a <see cref="CustomerProfile"/> that most customers never get: complaints and feedback, a stated reason,
/// service signals, an unsubscribe, a <c>customers</c> record, a name too rare for a <see cref="NameCodes"/> code. Kept out of the profile so that a customer without any
/// costs one null reference instead of their room; the profile creates it on the first such fact.
/// </summary>
internal sealed class ProfileExtras
{
    public BucketRing<SentimentBucket> Sentiment;
    public long LastStatedReasonMs = CustomerProfile.None;
    public long LastServiceSignalMs = CustomerProfile.None;
    public long SignedUpAtMs = CustomerProfile.None;
    public string? Region;

    public StatedReason LastStatedReason;
    public AcquisitionSource AttributeSource;
    public bool HasAttributes;
    public bool Unsubscribed;

    private UnlistedNames? _unlisted;

    /// <summary>A category or channel without a <see cref="NameCodes"/> code (rare: the table is full, or the name is long).</summary>
    public UnlistedNames Unlisted => _unlisted ??= new UnlistedNames();
}

internal sealed class UnlistedNames
{
    public string? LastCategory;
    public string? FirstChannel;
}
