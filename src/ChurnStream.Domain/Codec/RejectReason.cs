namespace ChurnStream.Domain.Codec;

/// <summary>Why an input message cannot be used. The wire name goes into the DLQ header and the metric label.</summary>
public enum RejectReason : byte
{
    InvalidJson = 0,
    MissingField,
    InvalidField,
    UnknownType,
    AbsurdTimestamp,
    NonFiniteAmount,
    Late,
}

public static class RejectReasonNames
{
    public static string Name(this RejectReason r) => r switch
    {
        RejectReason.InvalidJson => "invalid_json",
        RejectReason.MissingField => "missing_field",
        RejectReason.InvalidField => "invalid_field",
        RejectReason.UnknownType => "unknown_type",
        RejectReason.AbsurdTimestamp => "absurd_timestamp",
        RejectReason.NonFiniteAmount => "non_finite_amount",
        RejectReason.Late => "late",
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };
}

/// <summary>A rejected message: the reason and a sentence naming the field.</summary>
public readonly record struct Rejection(RejectReason Reason, string Detail);
