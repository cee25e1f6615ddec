using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The total order in which buffered events are applied: event time first, then the event's own content, so
/// that the order of arrival never matters and redeliveries of one event sit next to each other.
/// </summary>
public sealed class EventTimeOrder : IComparer<CustomerEvent>
{
    public static readonly EventTimeOrder Instance = new();

    public int Compare(CustomerEvent? x, CustomerEvent? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var c = x.OccurredAtMs.CompareTo(y.OccurredAtMs);
        if (c != 0) return c;
        c = string.CompareOrdinal(x.CustomerId, y.CustomerId);
        if (c != 0) return c;
        c = x.Kind.CompareTo(y.Kind);
        if (c != 0) return c;
        c = string.CompareOrdinal(x.EventId, y.EventId);
        if (c != 0) return c;
        c = x.Amount.CompareTo(y.Amount);
        if (c != 0) return c;
        c = string.CompareOrdinal(x.Category, y.Category);
        if (c != 0) return c;
        c = string.CompareOrdinal(x.Channel, y.Channel);
        if (c != 0) return c;
        c = x.Score.CompareTo(y.Score);
        return c != 0 ? c : x.Reason.CompareTo(y.Reason);
    }
}
