namespace ChurnStream.Domain.Profiles;

/// <summary>How long the customer has gone without a purchase, as far as the inactivity clocks are concerned.</summary>
public enum InactivityStage : byte
{
    Buying = 0,
    Silent = 1,
    Lost = 2,
}
