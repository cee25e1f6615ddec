using System.Diagnostics;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Kafka.Native;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>
/// The broker a test talks to: a fresh <see cref="EmbeddedKafkaCluster"/>, or, when the environment
/// variable <c>KAFKA_BOOTSTRAP_SERVERS</c> is set, that external cluster (topics then get unique names
/// and are created with Confluent's AdminClient). This is the only place that makes the choice.
/// </summary>
public sealed class TestKafka : IDisposable
{
    public const string BootstrapVariable = "KAFKA_BOOTSTRAP_SERVERS";

    private TestKafka(string bootstrapServers, EmbeddedKafkaCluster? embedded)
    {
        BootstrapServers = bootstrapServers;
        Embedded = embedded;
    }

    /// <summary>The external bootstrap servers from <c>KAFKA_BOOTSTRAP_SERVERS</c>, or null.</summary>
    public static string? ExternalBootstrapServers =>
        Environment.GetEnvironmentVariable(BootstrapVariable) is { Length: > 0 } s ? s : null;

    public static bool UsesExternalCluster => ExternalBootstrapServers is not null;

    public string BootstrapServers { get; }

    /// <summary>The embedded cluster, or null when the tests run against an external one.</summary>
    public EmbeddedKafkaCluster? Embedded { get; }

    /// <summary>The embedded cluster, for tests that inject faults (marked <see cref="EmbeddedOnlyFactAttribute"/>).</summary>
    public EmbeddedKafkaCluster Cluster =>
        Embedded ?? throw new InvalidOperationException("This test needs the embedded cluster; mark it [EmbeddedOnlyFact].");

    public static TestKafka Start(int brokerCount = 3)
    {
        LibrdkafkaNative.EnsureLoaded();
        if (ExternalBootstrapServers is { } external)
        {
            return new TestKafka(external, null);
        }

        var cluster = EmbeddedKafkaCluster.Start(brokerCount);
        return new TestKafka(cluster.BootstrapServers, cluster);
    }

    /// <summary>Creates a topic named <c>{prefix}-{random}</c> and returns the name.</summary>
    public string CreateTopic(string prefix, int partitions, int replicationFactor = 1)
    {
        string name = UniqueName(prefix);
        if (Embedded is { } cluster)
        {
            cluster.CreateTopic(name, partitions, replicationFactor);
            return name;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        admin.CreateTopicsAsync(
                [new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = (short)replicationFactor }],
                new CreateTopicsOptions { OperationTimeout = TimeSpan.FromSeconds(10), RequestTimeout = TimeSpan.FromSeconds(15) })
            .GetAwaiter().GetResult();
        return name;
    }

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public ProducerConfig ProducerConfig(string? transactionalId = null) => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        MessageTimeoutMs = 10_000,
        SocketTimeoutMs = 5_000,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        RetryBackoffMs = 50,
        TransactionalId = transactionalId,
        TransactionTimeoutMs = transactionalId is null ? null : 10_000,
    };

    public ConsumerConfig ConsumerConfig(string groupId, IsolationLevel isolation = IsolationLevel.ReadCommitted) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        IsolationLevel = isolation,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        MaxPollIntervalMs = 10_000,
        SocketTimeoutMs = 5_000,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        FetchWaitMaxMs = 50,
    };

    public IProducer<string, string> Producer(string? transactionalId = null) =>
        new ProducerBuilder<string, string>(ProducerConfig(transactionalId)).Build();

    public IConsumer<string, string> Consumer(string groupId, IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        new ConsumerBuilder<string, string>(ConsumerConfig(groupId, isolation)).Build();

    /// <summary>Polls until <paramref name="count"/> records arrived or <paramref name="timeout"/> passed; returns what arrived.</summary>
    public static List<ConsumeResult<string, string>> ConsumeAtLeast(IConsumer<string, string> consumer, int count, TimeSpan timeout)
    {
        var results = new List<ConsumeResult<string, string>>();
        var clock = Stopwatch.StartNew();
        while (results.Count < count && clock.Elapsed < timeout)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false })
            {
                results.Add(r);
            }
        }

        return results;
    }

    /// <summary>Polls for <paramref name="duration"/> and returns everything that arrived.</summary>
    public static List<ConsumeResult<string, string>> ConsumeFor(IConsumer<string, string> consumer, TimeSpan duration) =>
        ConsumeAtLeast(consumer, int.MaxValue, duration);

    public void Dispose() => Embedded?.Dispose();
}

/// <summary>A fact that needs the embedded cluster (fault injection, mock-specific behaviour); skipped against an external cluster.</summary>
public sealed class EmbeddedOnlyFactAttribute : FactAttribute
{
    public EmbeddedOnlyFactAttribute()
    {
        if (TestKafka.UsesExternalCluster)
        {
            Skip = $"Needs the embedded mock cluster; {TestKafka.BootstrapVariable} points the tests at an external cluster.";
        }
    }
}
