using ChurnStream.EmbeddedBroker;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>
/// The Kafka a test runs against: a fresh embedded cluster, or the real cluster named by KAFKA_BOOTSTRAP_SERVERS.
/// Each instance has its own topic names (a unique suffix) and consumer group, so tests never see each other's data.
/// </summary>
public sealed class StreamCluster : IDisposable
{
    public const string BootstrapVariable = "KAFKA_BOOTSTRAP_SERVERS";

    private readonly EmbeddedKafkaCluster? _embedded;

    private StreamCluster(int partitions)
    {
        LibrdkafkaNative.EnsureLoaded();
        var suffix = "-" + Guid.NewGuid().ToString("N")[..8];
        var external = Environment.GetEnvironmentVariable(BootstrapVariable);
        if (string.IsNullOrWhiteSpace(external))
        {
            _embedded = EmbeddedKafkaCluster.Start(3);
            BootstrapServers = _embedded.BootstrapServers;
        }
        else
        {
            BootstrapServers = external;
        }

        Options = new StreamOptions
        {
            Kafka = new KafkaOptions { BootstrapServers = BootstrapServers, GroupId = "churnstream" + suffix, Partitions = partitions },
            Topics = new TopicOptions
            {
                Purchases = "purchases" + suffix,
                Engagements = "engagements" + suffix,
                Alerts = "churn-alerts" + suffix,
                Segments = "customer-segments" + suffix,
                DeadLetter = "churnstream-dlq" + suffix,
                Repartition = "churnstream-repartition" + suffix,
                Changelog = "churnstream-changelog" + suffix,
            },
        };
        Options.Clock.IdleAdvance = false;
        // Test topics hold a few events: an input without traffic need not wait the production default to count as idle.
        Options.Clock.IdleInputAfterMs = 2000;
        Options.Clock.IdlePartitionAfterMs = 4000;
    }

    public string BootstrapServers { get; }
    public StreamOptions Options { get; }
    public bool IsEmbedded => _embedded is not null;
    public EmbeddedKafkaCluster? Embedded => _embedded;

    /// <summary>A cluster with every topic of the topology created with <paramref name="partitions"/> partitions.</summary>
    public static StreamCluster WithTopics(int partitions = 6)
    {
        var c = new StreamCluster(partitions);
        foreach (var topic in c.Options.Topics.All) c.CreateTopic(topic, partitions);
        return c;
    }

    public void CreateTopic(string name, int partitions)
    {
        if (_embedded is not null)
        {
            _embedded.CreateTopic(name, partitions, 3);
            return;
        }
        using var admin = new AdminClientBuilder(ClientConfigs.Common(Options.Kafka)).Build();
        admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = -1 }])
            .GetAwaiter().GetResult();
    }

    public void Dispose() => _embedded?.Dispose();
}
