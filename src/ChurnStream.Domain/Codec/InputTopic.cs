namespace ChurnStream.Domain.Codec;

/// <summary>Which input contract a message follows.</summary>
public enum InputTopic : byte
{
    Purchases = 0,
    Engagements = 1,
}
