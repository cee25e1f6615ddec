using ChurnStream.Domain.Segments;

namespace ChurnStream.Domain.Events;

/// <summary>
/// One record of the optional compacted <c>customers</c> topic (key = customer id): how the customer came to us.
/// A table, not an event stream: the latest record wins and is applied on arrival (see
/// <c>PartitionEngine.ApplyAttributes</c>). <see cref="Deleted"/> is a tombstone (a null value): the attributes are forgotten.
/// </summary>
public sealed record CustomerAttributes(
    string CustomerId,
    AcquisitionSource Source = AcquisitionSource.Unknown,
    long SignedUpAtMs = long.MinValue,
    string? Region = null,
    bool Deleted = false);
