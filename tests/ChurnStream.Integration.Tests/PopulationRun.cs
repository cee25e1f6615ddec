using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Outputs;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// One generated population (1,000 customers over a year, 2 % of events unkeyed, 1 % redelivered) through the
/// whole service on Kafka, and the same events through the engine in memory. Shared by the tests that read it.
/// </summary>
public sealed class PopulationRun : IAsyncLifetime
{
    public const int Partitions = 6;

    public StreamCluster Cluster { get; } = StreamCluster.WithTopics(Partitions);
    public PopulationGenerator Generator { get; } = new(new GeneratorOptions { Customers = 1000, Days = 365, Seed = 11, UnkeyedRate = 0.02 });
    public List<ConsumeResult<byte[], byte[]>> Alerts { get; private set; } = [];
    public List<ConsumeResult<byte[], byte[]>> SegmentChanges { get; private set; } = [];
    public List<ConsumeResult<byte[], byte[]>> DeadLetters { get; private set; } = [];
    public CollectingSink InMemory { get; private set; } = new();
    public long LastEventMs { get; private set; }
    public string MetricsText { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var options = Cluster.Options;
        await using (var service = RunningService.Start(options))
        {
            LastEventMs = GeneratedPopulation.Publish(options, Generator);
            service.WaitUntilCaughtUp(TimeSpan.FromMinutes(3));
            MetricsText = service.Runtime.Exporter.Collect();
        }

        Alerts = Support.Topics.Read(options, options.Topics.Alerts);
        SegmentChanges = Support.Topics.Read(options, options.Topics.Segments);
        DeadLetters = Support.Topics.Read(options, options.Topics.DeadLetter);
        InMemory = GeneratedPopulation.DecideInMemory(options.Detection, Partitions, Generator);
    }

    public IEnumerable<JsonElement> AlertJson => Alerts.Select(a => JsonDocument.Parse(a.Message.Value).RootElement);

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}
