using System.CommandLine;

namespace ChurnStream.Host.Commands;

/// <summary>Options several commands share, declared once.</summary>
internal static class CommonOptions
{
    public static Option<string?> Config() => new("--config") { Description = "Configuration file (default: appsettings.json beside the executable)" };

    public static Option<string?> BootstrapServers(bool required = false) => new("--bootstrap-servers", "-b")
    {
        Description = "Kafka bootstrap servers, host:port[,host:port]",
        Required = required,
    };

    public static Option<int?> MetricsPort() => new("--metrics-port")
    {
        Description = "Port of /metrics, /healthz and /readyz (0 = none; default from Observability:Listen, 9464)",
    };

    public static string Listen(string configured, int? port) =>
        port is null ? configured : port.Value == 0 ? "0.0.0.0:0" : $"0.0.0.0:{port.Value}";
}
