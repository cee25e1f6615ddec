using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ChurnStream.Kafka.Options;

namespace ChurnStream.Kafka.Topology;

/// <summary>Checks (and, when allowed, creates) the topics before the service starts consuming.</summary>
public static class TopicAdmin
{
    /// <summary>
    /// The partition count of the inputs. Purchases, engagements and the repartition topic must agree, because
    /// partition p of each feeds the same customer state.
    /// </summary>
    public static int EnsureTopics(StreamOptions options, IDictionary<string, string> clientConfig, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(clientConfig).Build();
        var counts = PartitionCounts(admin, options.Topics.All, timeout);
        var missing = options.Topics.All.Where(t => !counts.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            if (!options.Kafka.CreateTopics)
                throw new InvalidOperationException(
                    $"Topics missing on {options.Kafka.BootstrapServers}: {string.Join(", ", missing)}. Create them " +
                    "(with the same partition count for the inputs), or set Kafka:CreateTopics=true.");
            var partitions = counts.TryGetValue(options.Topics.Purchases, out var p) ? p
                : counts.TryGetValue(options.Topics.Engagements, out var e) ? e : options.Kafka.Partitions;
            admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
            {
                Name = t,
                NumPartitions = partitions,
                ReplicationFactor = options.Kafka.ReplicationFactor,
                Configs = t == options.Topics.Changelog || t == options.Topics.Customers ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null,
            })).GetAwaiter().GetResult();
            counts = PartitionCounts(admin, options.Topics.All, timeout);
        }

        var purchases = counts[options.Topics.Purchases];
        foreach (var topic in options.Topics.CoPartitioned.Skip(1))
        {
            if (counts[topic] != purchases)
                throw new InvalidOperationException(
                    $"Topic '{topic}' has {counts[topic]} partitions but '{options.Topics.Purchases}' has {purchases}: " +
                    "the input topics, the repartition topic and the changelog must have the same partition count.");
        }
        return purchases;
    }

    public static Dictionary<string, int> PartitionCounts(IAdminClient admin, IEnumerable<string> topics, TimeSpan timeout)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        var metadata = admin.GetMetadata(timeout);
        foreach (var t in metadata.Topics)
        {
            if (t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0 && topics.Contains(t.Topic))
                result[t.Topic] = t.Partitions.Count;
        }
        return result;
    }
}
