using System.Text;
using ChurnStream.Integration.Tests.Backfill;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>Data engineers re-run history and expect the same answer every time, from Kafka and from files alike.</summary>
public sealed class ReplaySpecs
{
    private static readonly GeneratorOptions Population = new() { Customers = 400, Days = 365, Seed = 33, UnkeyedRate = 0.02 };

    [Fact]
    public void Replay_twice_gives_byte_identical_outputs_and_the_alerts_of_a_backfill_of_the_same_events()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 4);
        var o = cluster.Options;
        foreach (var suffix in new[] { ".r1", ".r2" })
            foreach (var topic in ReplayPlan.OptionsFor(o, suffix).Topics.All.Except(o.Topics.All))
                cluster.CreateTopic(topic, 4);
        var generator = new PopulationGenerator(Population);
        using (var publisher = new EventPublisher(o.Kafka))
        {
            foreach (var e in generator.GenerateEvents())
                publisher.Publish(e.Topic == Simulation.Topics.Purchases ? o.Topics.Purchases : o.Topics.Engagements, e.Unkeyed ? null : e.CustomerId, e.Json);
            publisher.Flush(TimeSpan.FromSeconds(60));
        }
        var config = TestConfig.Write(o);

        foreach (var suffix in new[] { ".r1", ".r2" })
        {
            var r = Processes.Churnstream("replay", "-b", cluster.BootstrapServers, "--from", "earliest", "--output-suffix", suffix, "--config", config);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("records/s", r.Stderr); // progress
        }
        foreach (var output in new[] { o.Topics.Alerts, o.Topics.Segments })
        {
            var first = PerPartition(o, output + ".r1");
            var second = PerPartition(o, output + ".r2");
            Assert.NotEmpty(first.SelectMany(p => p.Value));
            Assert.Equal(first.Keys.Order(), second.Keys.Order());
            foreach (var (partition, records) in first) Assert.Equal(records, second[partition]); // same bytes, same order
        }

        using var files = new BackfillFiles();
        var input = files.Path("events.jsonl");
        BackfillFiles.WriteEvents(generator, input);
        var outDir = files.Path("out");
        var backfill = Processes.Churnstream("backfill", "--input", input, "--output-dir", outDir, "--config", config);
        Assert.True(backfill.ExitCode == 0, backfill.Stderr);
        var backfilled = File.ReadAllLines(System.IO.Path.Combine(outDir, "alerts.jsonl")).Order(StringComparer.Ordinal).ToList();
        var replayed = PerPartition(o, o.Topics.Alerts + ".r1").SelectMany(p => p.Value).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(backfilled, replayed);
    }

    private static Dictionary<int, List<string>> PerPartition(StreamOptions o, string topic) =>
        Support.Topics.Read(o, topic).GroupBy(r => r.Partition.Value)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Offset.Value).Select(r => Encoding.UTF8.GetString(r.Message.Value)).ToList());
}
