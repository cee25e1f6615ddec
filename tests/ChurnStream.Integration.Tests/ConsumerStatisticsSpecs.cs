using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>What the service reads from librdkafka's statistics JSON: the lag per partition and the prefetched bytes.</summary>
public sealed class ConsumerStatisticsSpecs
{
    // The shape librdkafka 2.0 emits for a high-level consumer (trimmed): every assigned partition reports the one
    // consumer queue it forwards to; partition -1 is librdkafka's internal "unassigned" partition.
    private const string Statistics = """
        {"name":"churnstream#consumer-1","type":"consumer","topics":{
          "purchases":{"topic":"purchases","partitions":{
            "0":{"partition":0,"fetchq_cnt":1500,"fetchq_size":196000,"consumer_lag":5000},
            "1":{"partition":1,"fetchq_cnt":1500,"fetchq_size":196000,"consumer_lag":0},
            "-1":{"partition":-1,"fetchq_cnt":0,"fetchq_size":999999,"consumer_lag":-1}}},
          "engagements":{"topic":"engagements","partitions":{
            "0":{"partition":0,"fetchq_cnt":1500,"fetchq_size":196000,"consumer_lag":-1}}}}}
        """;

    [Fact]
    public void The_prefetched_bytes_are_the_one_consumer_queue_every_partition_reports_not_their_sum()
    {
        var stats = new ConsumerStatistics();

        stats.Update(Statistics);

        Assert.Equal(196_000, stats.PrefetchedBytes);
    }

    [Fact]
    public void An_empty_queue_reports_no_prefetched_bytes()
    {
        var stats = new ConsumerStatistics();
        stats.Update(Statistics);

        stats.Update(Statistics.Replace("\"fetchq_size\":196000", "\"fetchq_size\":0"));

        Assert.Equal(0, stats.PrefetchedBytes);
    }

    [Fact]
    public void Lag_is_reported_for_partitions_whose_lag_librdkafka_knows()
    {
        var stats = new ConsumerStatistics();

        stats.Update(Statistics);

        Assert.Equal([("purchases", 0, 5000L), ("purchases", 1, 0L)], stats.Lags.OrderBy(l => l.Partition).ToList());
    }

    [Fact]
    public void A_malformed_document_keeps_the_last_figures()
    {
        var stats = new ConsumerStatistics();
        stats.Update(Statistics);

        stats.Update("{\"topics\": {\"purchases\": ");

        Assert.Equal(196_000, stats.PrefetchedBytes);
        Assert.Equal(2, stats.Lags.Count);
    }
}
