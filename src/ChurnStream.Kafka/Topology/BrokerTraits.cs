using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ChurnStream.Kafka.Topology;

/// <summary>
/// What the cluster guarantees that the exactly-once design leans on. A real Kafka cluster answers DescribeConfigs,
/// hides aborted transactions from <c>read_committed</c> consumers, and rejects an idempotent producer's batch that
/// arrives out of sequence, so a retried batch never lands behind the ones sent after it. librdkafka's mock cluster
/// (the embedded broker) answers no DescribeConfigs and does none of the three; nor does it compact.
/// </summary>
public sealed record BrokerTraits(bool IsFullKafka, bool ChangelogCompacted)
{
    /// <summary>Aborted transactions are invisible to <c>read_committed</c> readers (transaction markers are written).</summary>
    public bool HidesAbortedTransactions => IsFullKafka;

    /// <summary>
    /// Batches of one partition are appended in the order produced, even across retries with several requests in
    /// flight. Without it, a retried batch of forwarded events could land behind a later watermark record.
    /// </summary>
    public bool KeepsProducerOrder => IsFullKafka;

    /// <summary>Asks the cluster about <paramref name="changelog"/>; an unanswered question means the embedded broker.</summary>
    public static BrokerTraits Probe(IDictionary<string, string> clientConfig, string changelog, TimeSpan timeout)
    {
        try
        {
            using var admin = new AdminClientBuilder(clientConfig).Build();
            var task = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = changelog }], new DescribeConfigsOptions { RequestTimeout = timeout });
            if (!task.Wait(timeout)) return new BrokerTraits(false, false);
            var compacted = task.Result.SelectMany(r => r.Entries)
                .Any(e => e.Key == "cleanup.policy" && e.Value.Value.Contains("compact", StringComparison.Ordinal));
            return new BrokerTraits(true, compacted);
        }
        catch (Exception ex) when (ex is KafkaException or AggregateException or InvalidOperationException)
        {
            return new BrokerTraits(false, false);
        }
    }

    public override string ToString() => IsFullKafka
        ? $"Kafka cluster; changelog {(ChangelogCompacted ? "compacted" : "not compacted")}"
        : "a broker without transaction markers, compaction or producer-sequence checks (the embedded one)";
}
