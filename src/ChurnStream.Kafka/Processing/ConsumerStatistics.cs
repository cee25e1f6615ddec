using System.Text.Json;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// What librdkafka's statistics JSON (every <c>statistics.interval.ms</c>) says about the consumer: the lag per
/// partition (<c>topics.*.partitions.*.consumer_lag</c>) and the bytes fetched ahead of the processing
/// (<c>fetchq_size</c>). A high-level consumer forwards every partition's fetch queue to its one consumer queue, and
/// librdkafka reports each partition's size through that forward: every assigned partition shows the same total
/// (checked on the bench), so the figure is the largest one, not a sum.
/// </summary>
public sealed class ConsumerStatistics
{
    private volatile IReadOnlyList<(string Topic, int Partition, long Lag)> _lags = [];
    private long _prefetchedBytes;

    public IReadOnlyList<(string Topic, int Partition, long Lag)> Lags => _lags;

    /// <summary>
    /// Input held in librdkafka's queue, read but not yet polled (native memory, bounded by
    /// <c>queued.max.messages.kbytes</c>): near 0 for a service that keeps up, up to the bound in a backlog.
    /// </summary>
    public long PrefetchedBytes => Interlocked.Read(ref _prefetchedBytes);

    public void Update(string statisticsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(statisticsJson);
            if (!doc.RootElement.TryGetProperty("topics", out var topics)) return;
            var lags = new List<(string, int, long)>();
            long prefetched = 0;
            foreach (var topic in topics.EnumerateObject())
            {
                if (!topic.Value.TryGetProperty("partitions", out var partitions)) continue;
                foreach (var p in partitions.EnumerateObject())
                {
                    if (!int.TryParse(p.Name, out var id) || id < 0) continue;
                    if (p.Value.TryGetProperty("fetchq_size", out var size) && size.TryGetInt64(out var bytes)) prefetched = Math.Max(prefetched, bytes);
                    if (!p.Value.TryGetProperty("consumer_lag", out var lag) || !lag.TryGetInt64(out var l) || l < 0) continue;
                    lags.Add((topic.Name, id, l));
                }
            }
            _lags = lags;
            Interlocked.Exchange(ref _prefetchedBytes, prefetched);
        }
        catch (JsonException)
        {
            // A malformed statistics document only costs one sample.
        }
    }
}
