using System.Runtime.InteropServices;

namespace ChurnStream.EmbeddedBroker;

/// <summary>
/// Every native declaration of the embedded broker: the parts of librdkafka's C API
/// (<c>rdkafka.h</c>, <c>rdkafka_mock.h</c>, librdkafka 2.0.2) that host a mock cluster.
/// Pointers are kept as <see cref="IntPtr"/>; <c>rd_kafka_resp_err_t</c> is a C enum, i.e. <see cref="int"/>.
/// </summary>
internal static partial class MockClusterNative
{
    public const string Library = "librdkafka.so.1";

    /// <summary><c>RD_KAFKA_PRODUCER</c> from <c>rd_kafka_type_t</c>.</summary>
    public const int RdKafkaProducer = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c> from <c>rd_kafka_conf_res_t</c>.</summary>
    public const int ConfOk = 0;

    // ---- rdkafka.h -------------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "rd_kafka_version_str")]
    public static partial IntPtr rd_kafka_version_str();

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2str")]
    public static partial IntPtr rd_kafka_err2str(int err);

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2name")]
    public static partial IntPtr rd_kafka_err2name(int err);

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_new")]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    /// <summary>Takes ownership of <paramref name="conf"/> on success only.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_new")]
    public static unsafe partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    public static partial void rd_kafka_destroy(IntPtr rk);

    // ---- rdkafka_mock.h --------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCnt);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    public static partial void rd_kafka_mock_clear_request_errors(IntPtr mcluster, short apiKey);

    /// <summary>Non-variadic twin of <c>rd_kafka_mock_push_request_errors</c>.</summary>
    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static unsafe partial void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, nuint cnt, int* errors);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_set_error", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void rd_kafka_mock_topic_set_error(IntPtr mcluster, string topic, int err);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCnt, int replicationFactor);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_leader(IntPtr mcluster, string topic, int partition, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_set_follower", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_follower(IntPtr mcluster, string topic, int partition, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int rd_kafka_mock_broker_set_rtt(IntPtr mcluster, int brokerId, int rttMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rack", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_broker_set_rack(IntPtr mcluster, int brokerId, string rack);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_coordinator_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_coordinator_set(IntPtr mcluster, string keyType, string key, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_set_apiversion")]
    public static partial int rd_kafka_mock_set_apiversion(IntPtr mcluster, short apiKey, short minVersion, short maxVersion);

    // ---- helpers ---------------------------------------------------------------------------

    public static string PtrToString(IntPtr p) => Marshal.PtrToStringUTF8(p) ?? string.Empty;

    public static string ErrorName(int err) => PtrToString(rd_kafka_err2name(err));

    public static string ErrorText(int err) => PtrToString(rd_kafka_err2str(err));
}
