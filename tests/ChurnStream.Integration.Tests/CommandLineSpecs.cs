using System.Diagnostics;
using System.Globalization;
using ChurnStream.Integration.Tests.Support;

namespace ChurnStream.Integration.Tests;

/// <summary>The churnstream executable as a user runs it: separate processes, real signals.</summary>
public sealed class CommandLineSpecs
{
    [Theory]
    [InlineData("run")]
    [InlineData("broker")]
    [InlineData("generate")]
    [InlineData("evaluate")]
    [InlineData("demo")]
    [InlineData("model", "fit")]
    [InlineData("model", "evaluate")]
    public void Every_command_explains_itself_with_help(params string[] command)
    {
        var r = Processes.Churnstream([.. command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Stdout);
    }

    [Theory]
    [InlineData("run", "--bogus")]
    [InlineData("generate", "--customers", "ten", "--labels", "x.csv", "--out", "y.jsonl")]
    [InlineData("generate", "--customers", "10", "--labels", "x.csv")]
    [InlineData("evaluate", "--alerts", "/nonexistent/alerts.jsonl", "--labels", "/nonexistent/labels.csv")]
    [InlineData("nosuchcommand")]
    public void Bad_arguments_get_a_one_line_error_and_a_nonzero_exit(params string[] args)
    {
        var r = Processes.Churnstream(args);
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("churnstream: ", lines[0]);
    }

    [Fact]
    public void Invalid_configuration_is_reported_as_sentences_naming_the_setting()
    {
        var config = Path.GetTempFileName();
        File.WriteAllText(config, """{ "Detection": { "BucketDays": 7, "Frequency": { "RatioThreshold": 1.5 } } }""");
        var r = Processes.Churnstream("run", "--config", config, "--bootstrap-servers", "127.0.0.1:1", "--metrics-port", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Detection:CurrentWindowDays (30) must be a multiple of Detection:BucketDays (7).", r.Stderr);
        Assert.Contains("Detection:Frequency:RatioThreshold must be between 0 and 1, exclusive (is 1.5).", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact]
    public void Inputs_with_different_partition_counts_stop_the_service_at_start_with_a_clear_error()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 3);
        var o = cluster.Options;
        o.Topics.Engagements += "-six";
        cluster.CreateTopic(o.Topics.Engagements, 6);
        var config = TestConfig.Write(o);
        var r = Processes.Churnstream("run", "--config", config, "--bootstrap-servers", cluster.BootstrapServers, "--metrics-port", "0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"Topic '{o.Topics.Engagements}' has 6 partitions but '{o.Topics.Purchases}' has 3", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Broker_run_generate_and_evaluate_work_together_and_run_stops_cleanly_on_SIGTERM()
    {
        if (Environment.GetEnvironmentVariable(StreamCluster.BootstrapVariable) is { Length: > 0 }) return; // the broker command is the embedded cluster itself
        using var broker = Processes.Start("dotnet", [Processes.ChurnstreamDll, "broker", "--partitions", "4"]);
        try
        {
            var line = broker.StandardOutput.ReadLine();
            Assert.NotNull(line);
            Assert.StartsWith("bootstrap.servers=", line);
            var bootstrap = line["bootstrap.servers=".Length..];

            using var run = Processes.Start("dotnet", [Processes.ChurnstreamDll, "run", "-b", bootstrap, "--metrics-port", "0", "--group-id", "cli-test"]);
            var labels = Path.GetTempFileName();
            var generated = Processes.Churnstream("generate", "--customers", "400", "--seed", "5", "-b", bootstrap, "--labels", labels);
            Assert.True(generated.ExitCode == 0, generated.Stderr);

            var options = new Kafka.Options.KafkaOptions { BootstrapServers = bootstrap };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (Kafka.Tools.GroupProgress.RemainingRecords(options, "cli-test", ["purchases", "engagements", "churnstream-repartition"]) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the service did not catch up");
                Thread.Sleep(500);
            }
            Thread.Sleep(4000); // watermark records settle

            var alerts = Processes.Run(Processes.Kcat, ["-b", bootstrap, "-t", "churn-alerts", "-C", "-e", "-q"]);
            var alertFile = Path.GetTempFileName();
            File.WriteAllText(alertFile, alerts.Stdout);
            var evaluated = Processes.Churnstream("evaluate", "--alerts", alertFile, "--labels", labels);
            Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
            var last = evaluated.Stdout.TrimEnd().Split('\n')[^1];
            Assert.Matches(@"^precision=\d\.\d{3} recall=\d\.\d{3} delay_days=\d+\.\d{3}$", last);
            var values = last.Split(' ').Select(kv => double.Parse(kv.Split('=')[1], CultureInfo.InvariantCulture)).ToArray();
            Assert.True(values[0] >= 0.9 && values[1] >= 0.9, evaluated.Stdout);

            var stopwatch = Stopwatch.StartNew();
            Assert.Equal(0, Mono.Unix.Kill(run.Id, Mono.Unix.SIGTERM));
            Assert.True(run.WaitForExit(TimeSpan.FromSeconds(10)), "run did not stop within 10 s of SIGTERM");
            Assert.Equal(0, run.ExitCode);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        }
        finally
        {
            Mono.Unix.Kill(broker.Id, Mono.Unix.SIGTERM);
            if (!broker.WaitForExit(TimeSpan.FromSeconds(10))) broker.Kill();
        }
    }
}

/// <summary>kill(2), for sending SIGTERM the way Kubernetes does.</summary>
internal static partial class Mono
{
    internal static partial class Unix
    {
        public const int SIGTERM = 15;

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
