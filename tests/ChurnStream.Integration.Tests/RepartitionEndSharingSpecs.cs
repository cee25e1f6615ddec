using ChurnStream.Domain.Options;
using ChurnStream.Kafka;
using ChurnStream.Kafka.Native;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Processing;
using ChurnStream.Observability;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// A partition goes by another partition's live watermark only once it has read everything that partition's earlier
/// incarnations forwarded to it: either a watermark record of the source's new epoch, or its repartition partition up
/// to the end measured after the source was created. The second needs no commit, so a service that starts on a backlog
/// does not hold every event until its first commit's records come through behind the prefetched inputs.
/// </summary>
public sealed class RepartitionEndSharingSpecs : IDisposable
{
    private readonly ChurnStreamMetrics _metrics = new();
    private readonly IProducer<byte[], byte[]> _producer; // never used to send: a task needs an output to be built

    public RepartitionEndSharingSpecs()
    {
        var kafka = new KafkaOptions { BootstrapServers = "127.0.0.1:9" };
        LibrdkafkaNative.EnsureLoaded();
        _producer = new ProducerBuilder<byte[], byte[]>(ClientConfigs.Producer(kafka)).Build();
    }

    public void Dispose()
    {
        _producer.Dispose();
        _metrics.Dispose();
    }

    private PartitionTask Task(int partition, int generation) =>
        new(partition, 2, new DetectionOptions(), null, new OutputProducer(_producer, new TopicOptions(), _metrics), _metrics) { Generation = generation };

    // A target that has read its repartition partition to the end measured for generation 1.
    private PartitionTask TargetCaughtUpTo(long endOffset)
    {
        var target = Task(1, generation: 1);
        target.ExpectRepartitionEnd(endOffset, generation: 1);
        target.NoteRepartitionRead(endOffset);
        return target;
    }

    [Fact]
    public void A_source_shares_once_the_target_has_read_its_repartition_partition_to_the_end_measured_after_the_source_began()
    {
        var source = Task(0, generation: 1);
        var target = Task(1, generation: 1);
        target.ExpectRepartitionEnd(7, generation: 1);

        Assert.False(source.CanShareWith(target));
        target.NoteRepartitionRead(6);
        Assert.False(source.CanShareWith(target));
        target.NoteRepartitionRead(7);
        Assert.True(source.CanShareWith(target));
    }

    [Fact]
    public void An_empty_repartition_partition_lets_the_sources_share_at_once()
    {
        var source = Task(0, generation: 1);
        var target = Task(1, generation: 1);

        target.ExpectRepartitionEnd(0, generation: 1);

        Assert.True(source.CanShareWith(target));
    }

    [Fact]
    public void A_source_created_after_the_end_was_measured_waits_for_an_end_measured_after_it()
    {
        var target = TargetCaughtUpTo(5);
        var later = Task(0, generation: 2); // a rebalance or a rewind made it after the measurement

        Assert.False(later.CanShareWith(target));
        target.ExpectRepartitionEnd(9, generation: 2);
        Assert.False(later.CanShareWith(target));
        target.NoteRepartitionRead(9);
        Assert.True(later.CanShareWith(target));
    }

    [Fact]
    public void A_later_end_to_read_does_not_stop_the_sources_that_already_share()
    {
        var source = Task(0, generation: 1);
        var target = TargetCaughtUpTo(5);
        Assert.True(source.CanShareWith(target));

        target.ExpectRepartitionEnd(20, generation: 2);

        Assert.True(source.CanShareWith(target));
    }

    [Fact]
    public void Without_a_known_end_only_a_watermark_record_of_the_sources_epoch_lets_it_share()
    {
        var source = Task(0, generation: 1);
        var target = Task(1, generation: 1);
        target.NoteRepartitionRead(1_000);
        Assert.False(source.CanShareWith(target));

        target.ObserveSourceEpoch(source.Partition, source.Epoch);

        Assert.True(source.CanShareWith(target));
    }
}
