using System.Text.Json;

namespace ChurnStream.Kafka.Processing;

/// <summary>Consumer lag per partition, read from librdkafka's statistics JSON (<c>topics.*.partitions.*.consumer_lag</c>).</summary>
public sealed class ConsumerLagTracker
{
    private volatile IReadOnlyList<(string Topic, int Partition, long Lag)> _lags = [];

    public IReadOnlyList<(string Topic, int Partition, long Lag)> Current => _lags;

    public void Update(string statisticsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(statisticsJson);
            if (!doc.RootElement.TryGetProperty("topics", out var topics)) return;
            var lags = new List<(string, int, long)>();
            foreach (var topic in topics.EnumerateObject())
            {
                if (!topic.Value.TryGetProperty("partitions", out var partitions)) continue;
                foreach (var p in partitions.EnumerateObject())
                {
                    if (!int.TryParse(p.Name, out var id) || id < 0) continue;
                    if (!p.Value.TryGetProperty("consumer_lag", out var lag) || !lag.TryGetInt64(out var l) || l < 0) continue;
                    lags.Add((topic.Name, id, l));
                }
            }
            _lags = lags;
        }
        catch (JsonException)
        {
            // A malformed statistics document only costs one lag sample.
        }
    }
}
