using System.Globalization;

namespace ChurnStream.Domain.Time;

/// <summary>Event-time arithmetic on Unix milliseconds. Days are UTC days.</summary>
public static class EventTime
{
    public const long MillisPerDay = 86_400_000L;
    public const long MillisPerHour = 3_600_000L;

    public static long Days(double days) => (long)Math.Round(days * MillisPerDay);

    public static long DayIndex(long ms) => Math.DivRem(ms, MillisPerDay) is var (q, r) && r < 0 ? q - 1 : q;

    public static long FromDateTimeOffset(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset ToDateTimeOffset(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>ISO-8601 UTC, whole seconds unless the instant has milliseconds: <c>2025-03-01T10:15:00Z</c>.</summary>
    public static string Format(long ms)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
        return t.Millisecond == 0
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
