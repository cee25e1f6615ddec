using ChurnStream.Integration.Tests.Support;
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
        await using (var service = RunningService.Start(options))
        {
            GeneratedPopulation.Publish(options, generator);
            service.WaitUntilCaughtUp(TimeSpan.FromMinutes(3));
        }

        // The engine in memory over the same events, before the stream's last (still held back) hours.
        var reference = new Reference(generator, options.Detection, 5);
        Assert.NotEmpty(reference.Alerts);
        reference.AssertMatches(Support.Topics.Read(options, options.Topics.Alerts), Support.Topics.Read(options, options.Topics.Segments), allowDuplicates: false);
    }
}
