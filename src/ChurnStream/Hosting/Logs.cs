using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ChurnStream.Host.Hosting;

/// <summary>Console logging to stderr (stdout is for a command's own output), plain or one JSON object per line.</summary>
public static class Logs
{
    public static ILoggerFactory Create(LoggingSettings settings) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(Enum.TryParse<LogLevel>(settings.Level, ignoreCase: true, out var level) ? level : LogLevel.Information);
        if (string.Equals(settings.Format, "json", StringComparison.OrdinalIgnoreCase))
            b.AddJsonConsole(o => { o.IncludeScopes = false; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        else
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; o.UseUtcTimestamp = true; });
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
