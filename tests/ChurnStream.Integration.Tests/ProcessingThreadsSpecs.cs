using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Time;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// However many threads run the partitions (<c>Kafka:ProcessingThreads</c>), the service decides exactly what the engine
/// decides in memory, including the unkeyed events forwarded between partitions of different threads. The default (2)
/// is what every other stream test runs.
/// </summary>
public sealed class ProcessingThreadsSpecs
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task The_stream_decides_what_the_engine_decides_in_memory_on_any_number_of_threads(int threads)
    {
        using var cluster = StreamCluster.WithTopics(5);
        var options = cluster.Options;
        options.Kafka.ProcessingThreads = threads;
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 300, Days = 365, Seed = 23, UnkeyedRate = 0.05 });
        long lastEventMs;
        await using (var service = RunningService.Start(options))
        {
            lastEventMs = GeneratedPopulation.Publish(options, generator);
            service.WaitUntilCaughtUp(TimeSpan.FromMinutes(3));
        }
        var memory = GeneratedPopulation.DecideInMemory(options.Detection, 5, generator);

        // The stream's last hours of event time are still held back by the watermark; compare what both decided before.
        var cutoff = lastEventMs - 2 * EventTime.MillisPerDay;
        var streamAlerts = Before(Support.Topics.Read(options, options.Topics.Alerts).Select(a => a.Message.Value), "detectedAt", cutoff);
        var memoryAlerts = memory.Alerts.Where(a => a.DetectedAtMs < cutoff).Select(a => Encoding.UTF8.GetString(OutputJson.Serialize(a))).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(memoryAlerts);
        Assert.Equal(memoryAlerts, streamAlerts);

        var streamSegments = Before(Support.Topics.Read(options, options.Topics.Segments).Select(s => s.Message.Value), "changedAt", cutoff);
        var memorySegments = memory.SegmentChanges.Where(s => s.ChangedAtMs < cutoff).Select(s => Encoding.UTF8.GetString(OutputJson.Serialize(s))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(memorySegments, streamSegments);
    }

    private static List<string> Before(IEnumerable<byte[]> records, string timeField, long cutoff) =>
        records.Select(Encoding.UTF8.GetString)
            .Where(j => JsonDocument.Parse(j).RootElement.GetProperty(timeField).GetDateTimeOffset().ToUnixTimeMilliseconds() < cutoff)
            .Order(StringComparer.Ordinal).ToList();
}
