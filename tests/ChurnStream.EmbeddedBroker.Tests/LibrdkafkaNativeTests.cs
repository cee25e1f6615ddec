using ChurnStream.EmbeddedBroker;
using ChurnStream.Kafka.Native;

namespace ChurnStream.EmbeddedBroker.Tests;

public sealed class LibrdkafkaNativeTests
{
    [Fact]
    public void EnsureLoaded_makes_Confluent_Kafka_use_the_system_librdkafka()
    {
        LibrdkafkaNative.EnsureLoaded();

        Assert.True(LibrdkafkaNative.IsLoaded);
        Assert.True(Confluent.Kafka.Library.IsLoaded);
        Assert.Equal(EmbeddedKafkaCluster.LibrdkafkaVersion, Confluent.Kafka.Library.VersionString);
    }

    [Fact]
    public async Task EnsureLoaded_is_idempotent_and_safe_to_race()
    {
        var calls = Enumerable.Range(0, 16).Select(_ => Task.Run(LibrdkafkaNative.EnsureLoaded));
        await Task.WhenAll(calls);
        LibrdkafkaNative.EnsureLoaded();

        Assert.True(Confluent.Kafka.Library.IsLoaded);
        Assert.StartsWith("2.", Confluent.Kafka.Library.VersionString, StringComparison.Ordinal);
    }
}
