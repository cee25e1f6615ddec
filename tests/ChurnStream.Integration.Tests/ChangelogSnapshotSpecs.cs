using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.State;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka;
using ChurnStream.Observability;
using ChurnStream.Kafka.Processing;
using ChurnStream.Kafka.State;
using ChurnStream.Domain.Outputs;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// On a changelog the cluster does not compact, a partition task rewrites all its profiles now and then, so the recent
/// log alone is the state; the rewrite must cost in proportion to the changes, not happen at every commit.
/// </summary>
public sealed class ChangelogSnapshotSpecs
{
    [Fact]
    public void A_partition_whose_state_outgrew_the_snapshot_threshold_rewrites_it_only_after_as_many_bytes_of_changes()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 1);
        var options = cluster.Options;
        using var metrics = new ChurnStreamMetrics();
        using var producer = new ProducerBuilder<byte[], byte[]>(ClientConfigs.Producer(options.Kafka)).Build();
        var output = new OutputProducer(producer, options.Topics, metrics);
        var task = new PartitionTask(0, 1, new DetectionOptions(), null, output, metrics);
        var sink = new CollectingSink();
        var start = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (var i = 0; i < 200; i++)
            task.Engine.Accept(new CustomerEvent($"c-{i:D4}", start + i * 1000, EventKind.Purchase, 25, $"e-{i}", "books", "web"), 0, sink);
        task.Engine.Flush(sink);

        const long threshold = 1000; // the smallest Kafka:ChangelogSnapshotBytes; 200 profiles take far more
        var inputs = options.Topics.Inputs.ToList();
        task.WriteChangelog(inputs, threshold); // a new task starts with a snapshot
        for (var commit = 1; commit <= 400; commit++)
        {
            // One customer changes per commit: a late purchase (behind the watermark the first 200 set), applied at once.
            task.Engine.Accept(new CustomerEvent($"c-{commit % 200:D4}", start + commit, EventKind.Purchase, 5, $"late-{commit}", "books", "web"), 0, sink);
            task.WriteChangelog(inputs, threshold);
            task.Committed();
        }
        producer.Flush(TimeSpan.FromSeconds(30));

        var batchSizes = Topics.Read(options, options.Topics.Changelog)
            .Where(r => r.Message.Key.AsSpan().SequenceEqual(PositionsCodec.KeyFor(0)))
            .Select(r => ChangelogBatch.SizeOf(r.Message.Headers))
            .ToList();
        Assert.Equal(401, batchSizes.Count);
        Assert.Equal(200, batchSizes[0]);
        var snapshots = batchSizes.Select((size, i) => (size, i)).Where(x => x.size == 200).Select(x => x.i).ToList();
        Assert.All(batchSizes, size => Assert.True(size is 1 or 200, $"batch of {size} profiles"));
        // A snapshot of 200 profiles is ~20-40 KB, a change ~100-200 bytes: the next snapshot comes after a few hundred
        // changes, not at the next commit.
        Assert.InRange(snapshots.Count, 2, 4);
        Assert.All(snapshots.Zip(snapshots.Skip(1)), pair => Assert.True(pair.Second - pair.First >= 100, $"snapshots at commits {string.Join(", ", snapshots)}"));
    }
}
