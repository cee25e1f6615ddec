using ChurnStream.EmbeddedBroker;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>The cluster object itself, without any Kafka client.</summary>
public sealed class EmbeddedKafkaClusterTests
{
    [Fact]
    public void Start_exposes_one_localhost_bootstrap_address_per_broker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 3);

        var addresses = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, cluster.BrokerCount);
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.Matches(@"^[^:]+:\d+$", a));
        Assert.Equal(3, addresses.Distinct().Count());
    }

    [Fact]
    public void Two_clusters_in_one_process_are_independent()
    {
        using var a = EmbeddedKafkaCluster.Start(1);
        using var b = EmbeddedKafkaCluster.Start(1);

        Assert.NotEqual(a.BootstrapServers, b.BootstrapServers);
        a.CreateTopic("same-name", 1);
        b.CreateTopic("same-name", 1); // would throw TOPIC_ALREADY_EXISTS if they shared state
    }

    [Fact]
    public void Creating_an_existing_topic_throws_a_clear_error()
    {
        using var cluster = EmbeddedKafkaCluster.Start(1);
        cluster.CreateTopic("orders", 2);

        var ex = Assert.Throws<EmbeddedKafkaException>(() => cluster.CreateTopic("orders", 2));
        Assert.Equal(36, ex.ErrorCode); // TOPIC_ALREADY_EXISTS
        Assert.Contains("orders", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TOPIC_ALREADY_EXISTS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replication_factor_above_the_broker_count_is_refused()
    {
        using var cluster = EmbeddedKafkaCluster.Start(2);

        var ex = Assert.Throws<EmbeddedKafkaException>(() => cluster.CreateTopic("t", 1, replicationFactor: 3));
        Assert.Contains("replication factor 3", ex.Message, StringComparison.Ordinal);
        cluster.CreateTopic("t", 1, replicationFactor: 2);
    }

    [Fact]
    public void Fault_injection_on_an_unknown_broker_or_partition_throws()
    {
        using var cluster = EmbeddedKafkaCluster.Start(3);
        cluster.CreateTopic("t", 2);

        Assert.Throws<EmbeddedKafkaException>(() => cluster.SetBrokerDown(42));
        Assert.Throws<EmbeddedKafkaException>(() => cluster.SetBrokerUp(42));
        Assert.Throws<EmbeddedKafkaException>(() => cluster.SetPartitionLeader("t", 7, 1));
        Assert.Throws<ArgumentException>(() => cluster.SetCoordinator("consumer", "g", 1));

        cluster.SetBrokerDown(2);
        cluster.SetBrokerUp(2);
        cluster.SetPartitionLeader("t", 1, 3);
        cluster.SetCoordinator("group", "g", 2);
        cluster.SetCoordinator("transaction", "tx", 3);
        cluster.PushRequestErrors(KafkaApiKeys.Produce, 6, 6);
        cluster.ClearRequestErrors(KafkaApiKeys.Produce);
    }

    [Fact]
    public void Dispose_is_idempotent_and_later_calls_are_refused()
    {
        var cluster = EmbeddedKafkaCluster.Start(1);
        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("t", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.PushRequestErrors(KafkaApiKeys.Produce, 6));
    }

    [Fact]
    public async Task Disposed_cluster_stops_listening()
    {
        var cluster = EmbeddedKafkaCluster.Start(1);
        var (host, port) = ParseFirst(cluster.BootstrapServers);
        await ConnectAsync(host, port); // listening while alive

        cluster.Dispose();

        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => ConnectAsync(host, port));
    }

    private static (string Host, int Port) ParseFirst(string bootstrap)
    {
        string first = bootstrap.Split(',')[0];
        int colon = first.LastIndexOf(':');
        return (first[..colon], int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task ConnectAsync(string host, int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await client.ConnectAsync(host, port, cts.Token);
    }
}
