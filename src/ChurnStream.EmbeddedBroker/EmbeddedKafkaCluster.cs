using System.Text;

namespace ChurnStream.EmbeddedBroker;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock cluster (<c>rdkafka_mock.h</c>), hosted by a
/// private <c>rd_kafka_t</c> producer handle that lives exactly as long as the cluster. Any Kafka
/// client (Confluent.Kafka, kcat) can connect to <see cref="BootstrapServers"/> over TCP on localhost.
/// </summary>
/// <remarks>
/// What the librdkafka 2.0.2 mock cluster cannot do, or does differently from a real broker. [verified] marks
/// behaviour pinned down by a test in ChurnStream.EmbeddedBroker.Tests (MockLimitationSpecs and others),
/// [seen] behaviour observed by hand with kcat / debug logs, the rest is from librdkafka's documentation:
/// <list type="bullet">
/// <item>No admin API: CreateTopics (and DeleteTopics, DescribeConfigs, ...) is not served [verified:
/// AdminClient.CreateTopicsAsync fails]. Create topics with <see cref="CreateTopic"/>.</item>
/// <item>Unknown topics are auto-created on first use with 4 partitions [verified]; the partition-level calls
/// (<see cref="SetPartitionLeader"/>, <see cref="SetPartitionFollower"/>) also silently create an unknown topic [seen].</item>
/// <item>The replication factor is not honoured: every partition lists all brokers as replicas and ISR [seen];
/// replication is metadata only, a broker taken down loses nothing, and leadership never moves by itself
/// (use <see cref="SetPartitionLeader"/>) [verified].</item>
/// <item>No log compaction and no retention: every record stays forever, keys are never collapsed.</item>
/// <item>EndTxn writes no control markers, so <c>isolation.level=read_committed</c> hides nothing: records of
/// aborted transactions are delivered [verified].</item>
/// <item>TxnOffsetCommit (SendOffsetsToTransaction) is acknowledged but stores nothing: a committed transaction
/// leaves the group's committed offsets unchanged [verified]. Plain OffsetCommit is stored [verified].</item>
/// <item>Group coordination is slow and simplified: the first JoinGroup of a group is answered after ~3 s, a
/// JoinGroup after a member left after ~5 s [seen]. With a short <c>topic.metadata.refresh.interval.ms</c>
/// (1 s) librdkafka 2.0.2 consumers were seen stuck in a rejoin loop against the mock; keep the default.</item>
/// </list>
/// The only mock-cluster configuration properties librdkafka 2.0.2 knows are <c>test.mock.num.brokers</c> and
/// <c>test.mock.broker.rtt</c>, which make a client create its own mock cluster; neither is used here (the
/// broker count goes to <c>rd_kafka_mock_cluster_new</c>, an artificial RTT only slows tests down; see
/// <see cref="SetBrokerRtt"/>). The host handle logs warnings and errors only (<c>log_level=4</c>).
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    private readonly Lock _gate = new();
    private IntPtr _rk;
    private IntPtr _mcluster;

    private EmbeddedKafkaCluster(IntPtr rk, IntPtr mcluster, int brokerCount, string bootstrapServers)
    {
        _rk = rk;
        _mcluster = mcluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Comma-separated <c>host:port</c> list of the mock brokers (ids 1..<see cref="BrokerCount"/>).</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; broker ids are 1-based.</summary>
    public int BrokerCount { get; }

    /// <summary>librdkafka's version string, e.g. <c>2.0.2</c>.</summary>
    public static string LibrdkafkaVersion => MockClusterNative.PtrToString(MockClusterNative.rd_kafka_version_str());

    /// <summary>Starts a mock cluster with <paramref name="brokerCount"/> brokers (ids 1..n) listening on localhost.</summary>
    public static EmbeddedKafkaCluster Start(int brokerCount = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);

        IntPtr rk = CreateHostHandle();
        IntPtr mcluster = MockClusterNative.rd_kafka_mock_cluster_new(rk, brokerCount);
        if (mcluster == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(rk);
            throw new EmbeddedKafkaException($"rd_kafka_mock_cluster_new({brokerCount}) failed (see librdkafka log on stderr).");
        }

        string bootstraps = MockClusterNative.PtrToString(MockClusterNative.rd_kafka_mock_cluster_bootstraps(mcluster));
        return new EmbeddedKafkaCluster(rk, mcluster, brokerCount, bootstraps);
    }

    /// <summary>
    /// Creates <paramref name="name"/> with <paramref name="partitions"/> partitions (leaders spread over the brokers).
    /// Throws <see cref="EmbeddedKafkaException"/> when the mock refuses (e.g. the topic exists,
    /// <paramref name="replicationFactor"/> exceeds <see cref="BrokerCount"/>).
    /// </summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        if (replicationFactor > BrokerCount)
        {
            throw new EmbeddedKafkaException(
                $"CreateTopic('{name}'): replication factor {replicationFactor} exceeds the broker count {BrokerCount}.");
        }

        Check($"CreateTopic('{name}', partitions: {partitions}, replicationFactor: {replicationFactor})",
            mc => MockClusterNative.rd_kafka_mock_topic_create(mc, name, partitions, replicationFactor));
    }

    /// <summary>Takes broker <paramref name="brokerId"/> down: its connections are closed and new ones refused.</summary>
    public void SetBrokerDown(int brokerId) =>
        Check($"SetBrokerDown({brokerId})", mc => MockClusterNative.rd_kafka_mock_broker_set_down(mc, brokerId));

    /// <summary>Brings broker <paramref name="brokerId"/> back up.</summary>
    public void SetBrokerUp(int brokerId) =>
        Check($"SetBrokerUp({brokerId})", mc => MockClusterNative.rd_kafka_mock_broker_set_up(mc, brokerId));

    /// <summary>Adds an artificial round-trip time to every response of broker <paramref name="brokerId"/>.</summary>
    public void SetBrokerRtt(int brokerId, int rttMs) =>
        Check($"SetBrokerRtt({brokerId}, {rttMs})", mc => MockClusterNative.rd_kafka_mock_broker_set_rtt(mc, brokerId, rttMs));

    /// <summary>
    /// Queues errors for the next requests of API <paramref name="apiKey"/> (see <see cref="KafkaApiKeys"/>), on any broker:
    /// the n-th such request is answered with <c>errorCodes[n]</c> (Kafka protocol error codes; 0 = success).
    /// </summary>
    public void PushRequestErrors(short apiKey, params int[] errorCodes)
    {
        ArgumentNullException.ThrowIfNull(errorCodes);
        if (errorCodes.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            IntPtr mc = Live();
            unsafe
            {
                fixed (int* errors = errorCodes)
                {
                    MockClusterNative.rd_kafka_mock_push_request_errors_array(mc, apiKey, (nuint)errorCodes.Length, errors);
                }
            }
        }
    }

    /// <summary>Drops the errors still queued by <see cref="PushRequestErrors"/> for <paramref name="apiKey"/>.</summary>
    public void ClearRequestErrors(short apiKey)
    {
        lock (_gate)
        {
            MockClusterNative.rd_kafka_mock_clear_request_errors(Live(), apiKey);
        }
    }

    /// <summary>Makes every request on <paramref name="topic"/> fail with <paramref name="errorCode"/> (0 clears it).</summary>
    public void SetTopicError(string topic, int errorCode)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        lock (_gate)
        {
            MockClusterNative.rd_kafka_mock_topic_set_error(Live(), topic, errorCode);
        }
    }

    /// <summary>
    /// Pins the coordinator for <paramref name="key"/> (a transactional.id or a group.id) to broker <paramref name="brokerId"/>.
    /// <paramref name="keyType"/> is <c>"transaction"</c> or <c>"group"</c>.
    /// </summary>
    public void SetCoordinator(string keyType, string key, int brokerId)
    {
        if (keyType is not ("transaction" or "group"))
        {
            throw new ArgumentException($"keyType must be \"transaction\" or \"group\", not \"{keyType}\".", nameof(keyType));
        }

        ArgumentException.ThrowIfNullOrEmpty(key);
        Check($"SetCoordinator({keyType}, '{key}', {brokerId})",
            mc => MockClusterNative.rd_kafka_mock_coordinator_set(mc, keyType, key, brokerId));
    }

    /// <summary>Moves leadership of <paramref name="topic"/>/<paramref name="partition"/> to <paramref name="brokerId"/> (-1: no leader).</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Check($"SetPartitionLeader('{topic}', {partition}, {brokerId})",
            mc => MockClusterNative.rd_kafka_mock_partition_set_leader(mc, topic, partition, brokerId));
    }

    /// <summary>Makes consumers of <paramref name="topic"/>/<paramref name="partition"/> prefer fetching from <paramref name="brokerId"/>.</summary>
    public void SetPartitionFollower(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Check($"SetPartitionFollower('{topic}', {partition}, {brokerId})",
            mc => MockClusterNative.rd_kafka_mock_partition_set_follower(mc, topic, partition, brokerId));
    }

    /// <summary>Sets the rack of broker <paramref name="brokerId"/> (for follower-fetching tests).</summary>
    public void SetBrokerRack(int brokerId, string rack)
    {
        ArgumentNullException.ThrowIfNull(rack);
        Check($"SetBrokerRack({brokerId}, '{rack}')", mc => MockClusterNative.rd_kafka_mock_broker_set_rack(mc, brokerId, rack));
    }

    /// <summary>Restricts the versions the brokers advertise for <paramref name="apiKey"/> (-1/-1 disables the API).</summary>
    public void SetApiVersion(short apiKey, short minVersion, short maxVersion) =>
        Check($"SetApiVersion({apiKey}, {minVersion}, {maxVersion})",
            mc => MockClusterNative.rd_kafka_mock_set_apiversion(mc, apiKey, minVersion, maxVersion));

    /// <summary>Destroys the mock cluster, then its host handle. Safe to call more than once.</summary>
    public void Dispose()
    {
        IntPtr mc;
        IntPtr rk;
        lock (_gate)
        {
            mc = _mcluster;
            rk = _rk;
            _mcluster = IntPtr.Zero;
            _rk = IntPtr.Zero;
        }

        if (mc != IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_mock_cluster_destroy(mc);
        }

        if (rk != IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_destroy(rk);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"EmbeddedKafkaCluster({BrokerCount} brokers, {BootstrapServers})";

    private void Check(string operation, Func<IntPtr, int> call)
    {
        int err;
        lock (_gate)
        {
            err = call(Live());
        }

        if (err != 0)
        {
            throw new EmbeddedKafkaException(operation, err);
        }
    }

    private IntPtr Live()
    {
        ObjectDisposedException.ThrowIf(_mcluster == IntPtr.Zero, this);
        return _mcluster;
    }

    private static unsafe IntPtr CreateHostHandle()
    {
        const int errSize = 512;
        byte* errstr = stackalloc byte[errSize];

        IntPtr conf = MockClusterNative.rd_kafka_conf_new();
        try
        {
            SetConf(conf, "client.id", "churnstream-embedded-broker", errstr, errSize);

            // The host handle never connects anywhere; warnings and errors of the mock brokers still reach stderr.
            SetConf(conf, "log_level", "4", errstr, errSize);
        }
        catch
        {
            MockClusterNative.rd_kafka_conf_destroy(conf);
            throw;
        }

        IntPtr rk = MockClusterNative.rd_kafka_new(MockClusterNative.RdKafkaProducer, conf, errstr, errSize);
        if (rk == IntPtr.Zero)
        {
            MockClusterNative.rd_kafka_conf_destroy(conf); // rd_kafka_new owns conf only on success
            throw new EmbeddedKafkaException($"rd_kafka_new failed: {ReadError(errstr, errSize)}");
        }

        return rk;
    }

    private static unsafe void SetConf(IntPtr conf, string name, string value, byte* errstr, int errSize)
    {
        if (MockClusterNative.rd_kafka_conf_set(conf, name, value, errstr, (nuint)errSize) != MockClusterNative.ConfOk)
        {
            throw new EmbeddedKafkaException($"rd_kafka_conf_set({name}={value}) failed: {ReadError(errstr, errSize)}");
        }
    }

    private static unsafe string ReadError(byte* errstr, int errSize)
    {
        var span = new ReadOnlySpan<byte>(errstr, errSize);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}
