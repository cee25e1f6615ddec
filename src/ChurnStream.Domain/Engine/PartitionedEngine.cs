using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Partitioning;
using ChurnStream.Domain.Scoring;

namespace ChurnStream.Domain.Engine;

/// <summary>
/// The stream's layout without Kafka: events go to the partition that owns their customer (Java murmur2 of the
/// customer id), each partition with its own engine and watermark, over one time-ordered input (a file, a merged history).
/// Used for backfills from files and to check the engine against a known population.
/// </summary>
public sealed class PartitionedEngine
{
    private readonly PartitionEngine[] _partitions;

    public PartitionedEngine(DetectionOptions options, int partitionCount, ChurnModel? model = null)
    {
        if (partitionCount < 1) throw new ArgumentOutOfRangeException(nameof(partitionCount), "at least one partition");
        _partitions = Enumerable.Range(0, partitionCount).Select(_ => new PartitionEngine(options, inputCount: 1, model)).ToArray();
    }

    public void SetModel(ChurnModel? model)
    {
        foreach (var p in _partitions) p.SetModel(model);
    }

    /// <summary>A <c>customers</c> record, to the partition that owns the customer.</summary>
    public void ApplyAttributes(CustomerAttributes attributes, IDecisionSink sink) =>
        _partitions[Murmur2Partitioner.PartitionFor(attributes.CustomerId, _partitions.Length)].ApplyAttributes(attributes, sink);

    public IReadOnlyList<PartitionEngine> Partitions => _partitions;

    public void Accept(CustomerEvent e, IDecisionSink sink)
    {
        var p = Murmur2Partitioner.PartitionFor(e.CustomerId, _partitions.Length);
        _partitions[p].Accept(e, 0, sink);
    }

    public void Flush(IDecisionSink sink)
    {
        foreach (var p in _partitions) p.Flush(sink);
    }
}
