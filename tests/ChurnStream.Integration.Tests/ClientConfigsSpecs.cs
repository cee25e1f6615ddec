using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Integration.Tests;

/// <summary>The librdkafka settings every consumer gets, and that Kafka:Properties overrides them.</summary>
public sealed class ClientConfigsSpecs
{
    private static KafkaOptions Options(params (string Key, string Value)[] properties)
    {
        var o = new KafkaOptions { BootstrapServers = "localhost:9092" };
        foreach (var (k, v) in properties) o.Properties[k] = v;
        return o;
    }

    [Fact]
    public void A_consumer_prefetches_enough_that_its_queue_outlasts_the_fetchers_second_long_sleep()
    {
        var config = ClientConfigs.Consumer(Options(), "group");

        // 256 MB: more than a second of reading at the service's backlog rate (~65 MB of JSON a second).
        Assert.Equal(262_144, config.QueuedMaxMessagesKbytes);
        Assert.Equal(1_000_000, config.QueuedMinMessages);
    }

    [Fact]
    public void An_operator_short_of_memory_sets_the_prefetch_lower_through_Kafka_properties()
    {
        var config = ClientConfigs.Consumer(Options(("queued.max.messages.kbytes", "65536")), "group");

        Assert.Equal(65_536, config.QueuedMaxMessagesKbytes);
        Assert.Equal("65536", config.Get("queued.max.messages.kbytes"));
    }
}
