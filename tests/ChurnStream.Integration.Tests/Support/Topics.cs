using System.Text;
using System.Text.Json;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>Writing a test's inputs, reading what the service wrote.</summary>
public static class Topics
{
    public static List<ConsumeResult<byte[], byte[]>> Read(StreamOptions options, string topic) =>
        TopicReader.ReadAll(options.Kafka, topic, TimeSpan.FromSeconds(60));

    public static List<JsonElement> ReadJson(StreamOptions options, string topic) =>
        Read(options, topic).Select(r => JsonDocument.Parse(r.Message.Value).RootElement.Clone()).ToList();

    /// <summary>Each message to the partition given (a null key as an unkeyed producer writes it), then a flush.</summary>
    public static void Produce(StreamOptions options, IEnumerable<(string Topic, int Partition, string? Key, string Json)> messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]>(ClientConfigs.Producer(options.Kafka)).Build();
        foreach (var (topic, partition, key, json) in messages)
            producer.Produce(new TopicPartition(topic, new Partition(partition)),
                new Message<byte[]?, byte[]> { Key = key is null ? null : Encoding.UTF8.GetBytes(key), Value = Encoding.UTF8.GetBytes(json) });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    public static string Header(ConsumeResult<byte[], byte[]> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var v) ? Encoding.UTF8.GetString(v) : "";
}
