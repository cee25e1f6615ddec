namespace ChurnStream.Domain.Profiles;

/// <summary>What a customer did in one bucket of days: enough for frequency, spend and engagement rates.</summary>
public struct ActivityBucket
{
    public float Spend;
    public ushort Purchases;
    public ushort Interactions;

    public readonly bool IsEmpty => Purchases == 0 && Interactions == 0 && Spend == 0;
}

/// <summary>Complaints and feedback in one bucket; kept only for the current window and only once a customer has any.</summary>
public struct SentimentBucket
{
    public byte Complaints;
    public byte SupportTickets;
    public byte FeedbackCount;
    public byte FeedbackScoreSum;
}
