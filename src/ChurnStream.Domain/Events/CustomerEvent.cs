namespace ChurnStream.Domain.Events;

/// <summary>
/// One validated input event. Times are Unix milliseconds of event time (<c>occurredAt</c>), UTC.
/// </summary>
public sealed record CustomerEvent(
    string CustomerId,
    long OccurredAtMs,
    EventKind Kind,
    double Amount = 0,
    string? EventId = null,
    string? Category = null,
    string? Channel = null,
    byte Score = 0,
    StatedReason Reason = StatedReason.None)
{
    public bool IsPurchase => Kind == EventKind.Purchase;

    /// <summary>A refund is a purchase record with a negative amount: it lowers spend, not frequency.</summary>
    public bool IsRefund => Kind == EventKind.Purchase && Amount < 0;
}
