using System.Diagnostics;
using Confluent.Kafka;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>An independent client (kcat, a separate process) sees the same cluster.</summary>
public sealed class KcatSpecs
{
    [KcatFact]
    public void Kcat_an_independent_client_can_list_the_topics()
    {
        using var kafka = TestKafka.Start();
        string orders = kafka.CreateTopic("orders", partitions: 3);
        string alerts = kafka.CreateTopic("alerts", partitions: 1);

        var (exit, stdout, stderr) = Kcat.Run($"-L -b {kafka.BootstrapServers} -m 10");

        Assert.True(exit == 0, $"kcat exited {exit}: {stderr}");
        Assert.Contains($"topic \"{orders}\" with 3 partitions", stdout, StringComparison.Ordinal);
        Assert.Contains($"topic \"{alerts}\" with 1 partitions", stdout, StringComparison.Ordinal);
    }

    [KcatFact]
    public async Task Kcat_reads_what_Confluent_Kafka_produced()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("purchases", partitions: 1);
        using (var producer = kafka.Producer())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "c-1", Value = "{\"amount\":1}" });
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "c-2", Value = "{\"amount\":2}" });
        }

        var (exit, stdout, stderr) = Kcat.Run($"-C -b {kafka.BootstrapServers} -t {topic} -o beginning -e -q -f %k=%s\\n -m 10");

        Assert.True(exit == 0, $"kcat exited {exit}: {stderr}");
        Assert.Equal(["c-1={\"amount\":1}", "c-2={\"amount\":2}"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>A fact that runs kcat; skipped, with the reason, only when kcat is not on PATH.</summary>
public sealed class KcatFactAttribute : FactAttribute
{
    public KcatFactAttribute()
    {
        if (Kcat.Path is null)
        {
            Skip = "kcat is not on PATH (apt-get install kcat); the independent-client check cannot run.";
        }
    }
}

internal static class Kcat
{
    public static string? Path { get; } = Find();

    public static (int ExitCode, string Stdout, string Stderr) Run(string arguments)
    {
        var psi = new ProcessStartInfo(Path ?? "kcat", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kcat did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcat {arguments} did not finish within 20 s");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator))
        {
            foreach (string name in new[] { "kcat", "kafkacat" })
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
