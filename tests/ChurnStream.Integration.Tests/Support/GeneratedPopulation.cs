using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>A generated population's events: onto the input topics, and through the engine in memory (the reference).</summary>
public static class GeneratedPopulation
{
    /// <summary>Publishes every event (unkeyed ones without a key) and returns the latest event time.</summary>
    public static long Publish(StreamOptions options, PopulationGenerator generator)
    {
        long lastEventMs = 0;
        using var publisher = new EventPublisher(options.Kafka);
        foreach (var e in generator.GenerateEvents())
        {
            var topic = e.Topic == Simulation.Topics.Purchases ? options.Topics.Purchases : options.Topics.Engagements;
            publisher.Publish(topic, e.Unkeyed ? null : e.CustomerId, e.Json);
            lastEventMs = Math.Max(lastEventMs, e.OccurredAt.ToUnixTimeMilliseconds());
        }
        publisher.Flush(TimeSpan.FromSeconds(60));
        return lastEventMs;
    }

    /// <summary>What the engine decides over the same events in memory, in their generated order.</summary>
    public static CollectingSink DecideInMemory(DetectionOptions detection, int partitions, PopulationGenerator generator)
    {
        var decisions = new CollectingSink();
        var engine = new PartitionedEngine(detection, partitions);
        foreach (var e in generator.GenerateEvents())
        {
            var contract = e.Topic == Simulation.Topics.Purchases ? InputTopic.Purchases : InputTopic.Engagements;
            Assert.True(EventParser.Default.TryParse(e.Json, contract, out var evt, out _));
            engine.Accept(evt, decisions);
        }
        return decisions;
    }
}
