using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.State;

/// <summary>
/// What a partition must persist next to its profiles so that, restored, it behaves exactly like the partition
/// that never stopped (as Flink keeps offsets and watermarks in its checkpoints):
/// <list type="bullet">
/// <item><see cref="Positions"/>: per input topic (of this partition number), the next offset to read. Every message
/// before it is either applied (in the profiles) or in <see cref="Buffered"/>.</item>
/// <item><see cref="Watermarks"/>: the engine's clock. Without it a restored engine would treat events as on time
/// that the original treats as late (or wait for inputs the original had seen), and take other decisions.</item>
/// <item><see cref="Buffered"/>: the events accepted but not yet released by the watermark. They cannot be re-read
/// instead: messages after the oldest of them may already be applied (released or late), and replaying those would
/// count them twice.</item>
/// <item><see cref="SourceWatermarks"/>: what every source last announced on the repartition topic (watermark and
/// idle flag; empty when there is no such topic); the repartition input advances by them
/// (<see cref="Time.SourceWatermarkValve"/>), so losing them would hold it back.</item>
/// </list>
/// The snapshot must be taken between two messages (nothing half-applied), in the same transaction as the outputs
/// decided so far and the changelog records of the profiles changed since the previous snapshot.
/// </summary>
public sealed record PartitionCheckpoint(
    IReadOnlyDictionary<string, long> Positions,
    EngineWatermarks Watermarks,
    IReadOnlyList<CustomerEvent> Buffered,
    IReadOnlyList<Time.SourceWatermark> SourceWatermarks);

/// <summary>
/// The watermark state of a <c>PartitionEngine</c>: <c>Watermark</c>, <c>MaxEventTime</c>, the raw
/// <c>OwnInputsWatermark</c> kept so far, and each input's own watermark and idle flag. <c>long.MinValue</c> = none.
/// </summary>
public sealed record EngineWatermarks(long Watermark, long MaxEventTime, long OwnInputsWatermark, IReadOnlyList<InputWatermark> Inputs);

/// <summary>One input of the engine. <see cref="DrivenByWatermarks"/> is configuration, kept to check that the restoring engine is set up alike.</summary>
public readonly record struct InputWatermark(long Watermark, bool Idle, bool DrivenByWatermarks);
