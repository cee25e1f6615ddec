namespace ChurnStream.EmbeddedBroker;

/// <summary>A mock-cluster operation failed; carries librdkafka's error code (a Kafka protocol or local error).</summary>
public sealed class EmbeddedKafkaException : Exception
{
    public EmbeddedKafkaException(string message)
        : base(message)
    {
    }

    public EmbeddedKafkaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EmbeddedKafkaException(string operation, int errorCode)
        : base($"{operation} failed: {MockClusterNative.ErrorName(errorCode)} ({errorCode}): {MockClusterNative.ErrorText(errorCode)}")
    {
        ErrorCode = errorCode;
        ErrorName = MockClusterNative.ErrorName(errorCode);
    }

    /// <summary>librdkafka's <c>rd_kafka_resp_err_t</c> (0 when the failure has no code).</summary>
    public int ErrorCode { get; }

    /// <summary>librdkafka's name for <see cref="ErrorCode"/>, e.g. <c>_UNKNOWN_BROKER</c>.</summary>
    public string ErrorName { get; } = string.Empty;
}
