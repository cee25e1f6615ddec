using ChurnStream.Domain.Events;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Tests.Support;

/// <summary>Event builder: times are day offsets (and hours) from a fixed start, 2025-01-01T00:00:00Z.</summary>
public static class Ev
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    public static long At(double day, double hour = 0) =>
        StartMs + EventTime.Days(day) + (long)Math.Round(hour * EventTime.MillisPerHour);

    public static string Iso(long ms) => EventTime.Format(ms);

    public static CustomerEvent Purchase(string customer, double day, double amount = 50, string? id = null,
        string? category = null, string? channel = null, double hour = 12) =>
        new(customer, At(day, hour), EventKind.Purchase, amount, id, category, channel);

    public static CustomerEvent Refund(string customer, double day, double amount, string? id = null, double hour = 12) =>
        new(customer, At(day, hour), EventKind.Purchase, -Math.Abs(amount), id);

    public static CustomerEvent Engage(string customer, double day, EventKind kind = EventKind.Visit, string? id = null,
        byte score = 0, double hour = 12) =>
        new(customer, At(day, hour), kind, 0, id, Score: score);

    public static CustomerEvent Complaint(string customer, double day, double hour = 12) => Engage(customer, day, EventKind.Complaint, hour: hour);

    public static CustomerEvent Feedback(string customer, double day, byte score, double hour = 12) =>
        Engage(customer, day, EventKind.Feedback, score: score, hour: hour);

    /// <summary>One purchase every <paramref name="everyDays"/> days in [from, to).</summary>
    public static IEnumerable<CustomerEvent> Purchases(string customer, double from, double to, double everyDays,
        double amount = 50, string? category = null)
    {
        var i = 0;
        for (var d = from; d < to; d += everyDays, i++)
            yield return Purchase(customer, d, amount, $"{customer}-p{d:0.###}", category);
    }

    public static IEnumerable<CustomerEvent> Visits(string customer, double from, double to, double everyDays)
    {
        for (var d = from; d < to; d += everyDays)
            yield return Engage(customer, d, EventKind.Visit, $"{customer}-v{d:0.###}");
    }

    /// <summary>A tick from a bystander customer: moves event time (and so the watermark) forward.</summary>
    public static CustomerEvent Tick(double day, double hour = 0) => Engage("zz-clock", day, EventKind.Visit, hour: hour);
}
