using System.Text;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Processing;
using ChurnStream.Kafka.Tools;

namespace ChurnStream.Integration.Tests;

/// <summary>Bad input never stops the service and is never lost: it goes to the DLQ with its reason and origin.</summary>
public sealed class DeadLetterSpecs
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "purchases", "{oops", "invalid_json" },
        { "purchases", """{"occurredAt":"2025-01-01T00:00:00Z","amount":5}""", "missing_field" },
        { "purchases", """{"customerId":"x","occurredAt":"2025-01-01T00:00:00Z","amount":"5"}""", "invalid_field" },
        { "purchases", """{"customerId":"x","occurredAt":"2025-01-01T00:00:00","amount":5}""", "invalid_field" },
        { "purchases", """{"customerId":"x","occurredAt":"1850-01-01T00:00:00Z","amount":5}""", "absurd_timestamp" },
        { "purchases", """{"customerId":"x","occurredAt":"2025-01-01T00:00:00Z","amount":1e400}""", "non_finite_amount" },
        { "engagements", """{"customerId":"x","occurredAt":"2025-01-01T00:00:00Z","type":"teleport"}""", "unknown_type" },
        { "engagements", """[1,2,3]""", "invalid_json" },
    };

    [Fact]
    public async Task Every_malformed_message_lands_in_the_DLQ_with_its_reason_and_origin_and_the_service_keeps_going()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 3);
        var o = cluster.Options;
        await using var service = RunningService.Start(o);
        var cases = Cases.Select(c => ((string)c[0], (string)c[1], (string)c[2])).ToList();
        using (var publisher = new EventPublisher(o.Kafka))
        {
            foreach (var (topic, json, _) in cases)
                publisher.Publish(topic == "purchases" ? o.Topics.Purchases : o.Topics.Engagements, "dlq-key", Encoding.UTF8.GetBytes(json));
            // After all of them, a good event: the service must still be processing.
            publisher.Publish(o.Topics.Purchases, "dlq-good", """{"customerId":"dlq-good","occurredAt":"2025-01-01T00:00:00Z","amount":5}"""u8.ToArray());
            publisher.Publish(o.Topics.Purchases, "dlq-good", """{"customerId":"dlq-good","occurredAt":"2025-01-03T00:00:00Z","amount":5}"""u8.ToArray());
            publisher.Flush(TimeSpan.FromSeconds(30));
        }
        service.WaitUntilCaughtUp(TimeSpan.FromMinutes(2));
        Assert.Null(service.Runtime.Failure);

        var dead = Support.Topics.Read(o, o.Topics.DeadLetter);
        Assert.Equal(cases.Count, dead.Count);
        foreach (var (topic, json, reason) in cases)
        {
            var record = Assert.Single(dead, d => Encoding.UTF8.GetString(d.Message.Value) == json);
            Assert.Equal(reason, Support.Topics.Header(record, HeaderNames.ErrorReason));
            Assert.NotEmpty(Support.Topics.Header(record, HeaderNames.ErrorDetail));
            Assert.Equal(topic == "purchases" ? o.Topics.Purchases : o.Topics.Engagements, Support.Topics.Header(record, HeaderNames.SourceTopic));
            Assert.Equal("dlq-key", Encoding.UTF8.GetString(record.Message.Key));
            var partition = int.Parse(Support.Topics.Header(record, HeaderNames.SourcePartition));
            var offset = long.Parse(Support.Topics.Header(record, HeaderNames.SourceOffset));
            var source = Support.Topics.Read(o, Support.Topics.Header(record, HeaderNames.SourceTopic))
                .Single(s => s.Partition.Value == partition && s.Offset.Value == offset);
            Assert.Equal(json, Encoding.UTF8.GetString(source.Message.Value));
        }

        var metrics = service.Runtime.Exporter.Collect();
        foreach (var reason in cases.Select(c => c.Item3).Distinct())
        {
            var expected = cases.Count(c => c.Item3 == reason);
            Assert.Contains($"churnstream_events_rejected_total{{reason=\"{reason}\"}} {expected}", metrics);
            Assert.Contains($"churnstream_dlq_records_total{{reason=\"{reason}\"}} {expected}", metrics);
        }
        var segments = Support.Topics.Read(o, o.Topics.Segments);
        Assert.Contains(segments, s => Encoding.UTF8.GetString(s.Message.Key) == "dlq-good");
    }
}
