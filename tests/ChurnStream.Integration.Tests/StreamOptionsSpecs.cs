using ChurnStream.Kafka.Options;

namespace ChurnStream.Integration.Tests;

/// <summary>The service's own settings, checked at start-up with messages a person can act on.</summary>
public sealed class StreamOptionsSpecs
{
    [Fact]
    public void The_defaults_with_a_broker_address_are_valid()
    {
        var o = new StreamOptions();
        o.Kafka.BootstrapServers = "localhost:9092";

        Assert.Empty(o.Validate());
    }

    [Fact]
    public void A_partition_cannot_count_as_idle_before_its_inputs_do()
    {
        var o = new StreamOptions();
        o.Clock.IdleInputAfterMs = 10_000;
        o.Clock.IdlePartitionAfterMs = 5_000;

        Assert.Contains("Clock:IdlePartitionAfterMs must be between Clock:IdleInputAfterMs (10000) and 3600000 (is 5000).", o.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Processing_threads_must_be_between_1_and_64(int threads)
    {
        var o = new StreamOptions();
        o.Kafka.BootstrapServers = "localhost:9092";
        o.Kafka.ProcessingThreads = threads;

        Assert.Equal([$"Kafka:ProcessingThreads must be between 1 and 64 (is {threads})."], o.Validate());
    }
}
