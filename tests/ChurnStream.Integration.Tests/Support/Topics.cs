using System.Text;
using System.Text.Json;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>Reading what the service wrote.</summary>
public static class Topics
{
    public static List<ConsumeResult<byte[], byte[]>> Read(StreamOptions options, string topic) =>
        TopicReader.ReadAll(options.Kafka, topic, TimeSpan.FromSeconds(60));

    public static List<JsonElement> ReadJson(StreamOptions options, string topic) =>
        Read(options, topic).Select(r => JsonDocument.Parse(r.Message.Value).RootElement.Clone()).ToList();

    public static string Header(ConsumeResult<byte[], byte[]> r, string name) =>
        r.Message.Headers.TryGetLastBytes(name, out var v) ? Encoding.UTF8.GetString(v) : "";
}
