using System.Globalization;
using System.Text;
using ChurnStream.Integration.Tests.Support;

namespace ChurnStream.Integration.Tests;

/// <summary>An independent client (kcat, librdkafka's command-line tool from Debian) talks to the service.</summary>
public sealed class KcatSpecs
{
    [Fact]
    public async Task Unkeyed_raw_json_produced_by_kcat_reaches_the_customer_and_kcat_reads_the_alert_back()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 4);
        var o = cluster.Options;
        var start = new DateTimeOffset(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);
        string At(double day) => start.AddDays(day).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        // A weekly buyer who stops after day 140, and other customers whose activity moves event time on to day 260.
        var purchases = new StringBuilder();
        for (var d = 0; d <= 140; d += 7)
            purchases.Append($$"""{"customerId":"kcat-buyer","occurredAt":"{{At(d)}}","amount":42.5,"eventId":"kb-{{d}}"}""").Append('\n');
        for (var d = 0; d <= 260; d += 2)
            purchases.Append($$"""{"customerId":"kcat-clock-{{d % 5}}","occurredAt":"{{At(d)}}","amount":10}""").Append('\n');
        var engagements = new StringBuilder();
        for (var d = 0; d <= 260; d += 3)
            engagements.Append($$"""{"customerId":"kcat-clock-{{d % 5}}","occurredAt":"{{At(d)}}","type":"visit"}""").Append('\n');

        await using var service = RunningService.Start(o);
        // No key: librdkafka spreads the messages over random partitions, so they must be repartitioned.
        foreach (var (topic, lines) in new[] { (o.Topics.Purchases, purchases), (o.Topics.Engagements, engagements) })
        {
            var produced = Processes.Run(Processes.Kcat, ["-b", cluster.BootstrapServers, "-t", topic, "-P"], stdin: lines.ToString());
            Assert.True(produced.ExitCode == 0, produced.Stderr);
        }
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));

        // The alert comes once every partition's watermark has passed the deadline; under load that can take a moment.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        (int ExitCode, string Stdout, string Stderr) read;
        List<string> silent;
        while (true)
        {
            read = Processes.Run(Processes.Kcat, ["-b", cluster.BootstrapServers, "-t", o.Topics.Alerts, "-C", "-e", "-q", "-f", "%k\t%s\n"]);
            Assert.True(read.ExitCode == 0, read.Stderr);
            silent = read.Stdout.Split('\n').Where(l => l.StartsWith("kcat-buyer\t", StringComparison.Ordinal) && l.Contains("\"stage\":\"silent\"")).ToList();
            if (silent.Count > 0 || DateTime.UtcNow > deadline) break;
            Thread.Sleep(2000);
        }
        Assert.True(silent.Count == 1, "alerts read back:\n" + read.Stdout + "\nservice:\n" + string.Join("\n",
            service.Runtime.Exporter.Collect().Split('\n').Where(l => l.StartsWith("churnstream_watermark", StringComparison.Ordinal)
                || l.StartsWith("churnstream_events_consumed", StringComparison.Ordinal) || l.StartsWith("churnstream_partitions", StringComparison.Ordinal)
                || l.StartsWith("churnstream_transactions", StringComparison.Ordinal) || l.StartsWith("churnstream_segment_changes", StringComparison.Ordinal)))
            + "\nclocks:\n" + service.DescribeClocks());
        var alert = silent.Single();
        // Silent 60 days after the last purchase (day 140), dated at the deadline itself.
        Assert.Contains($"\"detectedAt\":\"{At(200)}\"", alert);
        Assert.Contains("\"kind\":\"inactivity\"", alert);
    }
}
