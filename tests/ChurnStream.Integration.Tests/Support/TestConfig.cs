using ChurnStream.Kafka.Options;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>A configuration file that points a churnstream process at a test cluster's own topics and group.</summary>
public static class TestConfig
{
    public static string Write(StreamOptions options, string? extraSections = null)
    {
        var path = Path.GetTempFileName();
        var t = options.Topics;
        File.WriteAllText(path, $$"""
            { "Kafka": { "GroupId": "{{options.Kafka.GroupId}}", "CommitIntervalMs": {{options.Kafka.CommitIntervalMs}}, "Partitions": {{options.Kafka.Partitions}} },
              "Topics": { "Purchases": "{{t.Purchases}}", "Engagements": "{{t.Engagements}}", "Alerts": "{{t.Alerts}}", "Segments": "{{t.Segments}}",
                          "DeadLetter": "{{t.DeadLetter}}", "Repartition": "{{t.Repartition}}", "Changelog": "{{t.Changelog}}", "Customers": "{{t.Customers}}" },
              "Clock": { "IdleAdvance": false, "IdleInputAfterMs": {{options.Clock.IdleInputAfterMs}}, "IdlePartitionAfterMs": {{options.Clock.IdlePartitionAfterMs}} },
              "Logging": { "Level": "Warning" }{{(extraSections is null ? "" : ", " + extraSections)}} }
            """);
        return path;
    }
}
