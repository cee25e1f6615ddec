using ChurnStream.Kafka.Options;
using Microsoft.Extensions.Configuration;

namespace ChurnStream.Host.Hosting;

/// <summary>
/// Loads the typed options: <c>appsettings.json</c> beside the executable (or <c>--config FILE</c>), then
/// environment variables prefixed <c>CHURNSTREAM_</c> (<c>CHURNSTREAM_Kafka__BootstrapServers</c>), then the
/// command line's own options. Problems come back as sentences, never as a stack trace.
/// </summary>
public sealed class AppConfiguration
{
    public required StreamOptions Stream { get; init; }
    public required ObservabilitySettings Observability { get; init; }
    public required LoggingSettings Logging { get; init; }

    public static AppConfiguration Load(string? configPath)
    {
        var path = PathOf(configPath);
        var root = LoadRoot(configPath);
        try
        {
            var stream = new StreamOptions();
            root.GetSection("Kafka").Bind(stream.Kafka);
            root.GetSection("Topics").Bind(stream.Topics);
            root.GetSection("Detection").Bind(stream.Detection);
            root.GetSection("Clock").Bind(stream.Clock);
            var observability = new ObservabilitySettings();
            root.GetSection("Observability").Bind(observability);
            var logging = new LoggingSettings();
            root.GetSection("Logging").Bind(logging);
            ResolveSecrets(stream.Kafka.Properties);
            return new AppConfiguration { Stream = stream, Observability = observability, Logging = logging };
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationProblem($"configuration '{path}': {ex.Message}");
        }
    }

    private static string PathOf(string? configPath) => configPath ?? Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>The raw configuration (the file, then the <c>CHURNSTREAM_</c> variables), for sections other commands read.</summary>
    public static IConfigurationRoot LoadRoot(string? configPath)
    {
        var path = PathOf(configPath);
        if (configPath is not null && !File.Exists(configPath))
            throw new ConfigurationProblem($"configuration file '{configPath}' does not exist");
        var builder = new ConfigurationBuilder();
        if (File.Exists(path)) builder.AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false);
        builder.AddEnvironmentVariables("CHURNSTREAM_");
        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigurationProblem($"configuration file '{path}' is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>
    /// A Kafka property whose value is <c>${env:NAME}</c> or <c>${file:/path}</c> is read from the environment or a
    /// file (a mounted Kubernetes Secret), so secrets never sit in the configuration file.
    /// </summary>
    private static void ResolveSecrets(Dictionary<string, string> properties)
    {
        foreach (var key in properties.Keys.ToList())
        {
            var v = properties[key];
            if (v.StartsWith("${env:", StringComparison.Ordinal) && v.EndsWith('}'))
            {
                var name = v[6..^1];
                properties[key] = Environment.GetEnvironmentVariable(name)
                    ?? throw new ConfigurationProblem($"Kafka:Properties:{key} refers to environment variable {name}, which is not set");
            }
            else if (v.StartsWith("${file:", StringComparison.Ordinal) && v.EndsWith('}'))
            {
                var file = v[7..^1];
                properties[key] = File.Exists(file) ? File.ReadAllText(file).Trim()
                    : throw new ConfigurationProblem($"Kafka:Properties:{key} refers to file {file}, which does not exist");
            }
        }
    }
}

public sealed class ObservabilitySettings
{
    /// <summary>Address of the /metrics, /healthz and /readyz endpoint; port 0 turns it off.</summary>
    public string Listen { get; set; } = "0.0.0.0:9464";
}

public sealed class LoggingSettings
{
    /// <summary><c>simple</c> (one line per event) or <c>json</c> (one JSON object per line).</summary>
    public string Format { get; set; } = "simple";
    public string Level { get; set; } = "Information";
}

/// <summary>A configuration problem a person can fix; printed as one line.</summary>
public sealed class ConfigurationProblem(string message) : Exception(message);
