namespace ChurnStream.Domain.Events;

/// <summary>What happened. Purchases come from the <c>purchases</c> topic, the rest from <c>engagements</c>.</summary>
public enum EventKind : byte
{
    Purchase = 0,
    Visit,
    Login,
    AppOpen,
    EmailOpen,
    EmailClick,
    SupportTicket,
    Complaint,
    Feedback,
    Unsubscribe,
}

public static class EventKindNames
{
    public static bool TryParseEngagement(ReadOnlySpan<byte> utf8, out EventKind kind)
    {
        kind = utf8 switch
        {
            _ when utf8.SequenceEqual("visit"u8) => EventKind.Visit,
            _ when utf8.SequenceEqual("login"u8) => EventKind.Login,
            _ when utf8.SequenceEqual("app_open"u8) => EventKind.AppOpen,
            _ when utf8.SequenceEqual("email_open"u8) => EventKind.EmailOpen,
            _ when utf8.SequenceEqual("email_click"u8) => EventKind.EmailClick,
            _ when utf8.SequenceEqual("support_ticket"u8) => EventKind.SupportTicket,
            _ when utf8.SequenceEqual("complaint"u8) => EventKind.Complaint,
            _ when utf8.SequenceEqual("feedback"u8) => EventKind.Feedback,
            _ when utf8.SequenceEqual("unsubscribe"u8) => EventKind.Unsubscribe,
            _ => EventKind.Purchase,
        };
        return kind != EventKind.Purchase;
    }

    /// <summary>Interactions show interest without a complaint: they feed the engagement rate.</summary>
    public static bool IsInteraction(this EventKind kind) =>
        kind is EventKind.Visit or EventKind.Login or EventKind.AppOpen or EventKind.EmailOpen or EventKind.EmailClick;

    public static string ToWireName(this EventKind kind) => kind switch
    {
        EventKind.Purchase => "purchase",
        EventKind.Visit => "visit",
        EventKind.Login => "login",
        EventKind.AppOpen => "app_open",
        EventKind.EmailOpen => "email_open",
        EventKind.EmailClick => "email_click",
        EventKind.SupportTicket => "support_ticket",
        EventKind.Complaint => "complaint",
        EventKind.Feedback => "feedback",
        EventKind.Unsubscribe => "unsubscribe",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
