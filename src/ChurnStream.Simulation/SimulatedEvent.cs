namespace ChurnStream.Simulation;

/// <summary>
/// One message to produce. <see cref="Json"/> is exactly the input contract (docs/contracts.md).
/// The stream is ordered by <see cref="DeliveredAt"/>: for an original message it equals
/// <see cref="OccurredAt"/>; a redelivery (<see cref="IsRedelivery"/>) carries the same bytes,
/// the same <see cref="EventId"/> and <see cref="OccurredAt"/>, but comes 2 minutes to 6 hours later.
/// </summary>
public sealed class SimulatedEvent
{
    public SimulatedEvent(string topic, string customerId, DateTimeOffset occurredAt, string eventId, bool unkeyed, byte[] json,
        DateTimeOffset deliveredAt, bool isRedelivery)
    {
        Topic = topic;
        CustomerId = customerId;
        OccurredAt = occurredAt;
        EventId = eventId;
        Unkeyed = unkeyed;
        Json = json;
        DeliveredAt = deliveredAt;
        IsRedelivery = isRedelivery;
    }

    /// <summary><c>purchases</c> or <c>engagements</c> (see <see cref="Topics"/>).</summary>
    public string Topic { get; }

    public string CustomerId { get; }

    /// <summary>Event time, whole seconds, UTC.</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>Unique per original event: <c>e-{seed}-{customerNumber}-{n}</c>.</summary>
    public string EventId { get; }

    /// <summary>True when the message should be produced without a key.</summary>
    public bool Unkeyed { get; }

    /// <summary>UTF-8 JSON of the input contract. Shared with the redelivery of the same event: do not mutate.</summary>
    public byte[] Json { get; }

    /// <summary>Position of the message in the stream (simulated delivery time).</summary>
    public DateTimeOffset DeliveredAt { get; }

    /// <summary>True for the second delivery of an event.</summary>
    public bool IsRedelivery { get; }

    public override string ToString() => $"{Topic} {CustomerId} {EventId} {OccurredAt:yyyy-MM-ddTHH:mm:ssZ}{(IsRedelivery ? " (redelivery)" : "")}";
}

/// <summary>Input topic names.</summary>
public static class Topics
{
    public const string Purchases = "purchases";
    public const string Engagements = "engagements";
}
