namespace ChurnStream.Domain.Events;

/// <summary>The reason a customer gave on feedback or a complaint, when they gave one.</summary>
public enum StatedReason : byte
{
    None = 0,
    Price,
    Service,
    Need,
    Other,
}
