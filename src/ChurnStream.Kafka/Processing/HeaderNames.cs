namespace ChurnStream.Kafka.Processing;

/// <summary>Headers ChurnStream writes: on DLQ records (why and where from) and on repartitioned events.</summary>
public static class HeaderNames
{
    public const string ErrorReason = "churnstream.error.reason";
    public const string ErrorDetail = "churnstream.error.detail";
    public const string SourceTopic = "churnstream.source.topic";
    public const string SourcePartition = "churnstream.source.partition";
    public const string SourceOffset = "churnstream.source.offset";

    /// <summary>
    /// On a repartitioned event: the source's consumed position of its input at its last commit; it never forwards
    /// anything below it again (see <see cref="ForwardedEvents"/>).
    /// </summary>
    public const string SourceCommitted = "churnstream.source.committed";

    /// <summary>On a repartitioned event: which input contract it follows (<c>purchases</c> or <c>engagements</c>).</summary>
    public const string Contract = "churnstream.contract";

    /// <summary>On a watermark record of the repartition topic: the partition that announces its progress.</summary>
    public const string WatermarkSource = "churnstream.watermark.source";

    /// <summary>
    /// On a watermark record: event time (Unix ms) before which the source forwards no more events, or <c>idle</c>
    /// when it has none yet and is idle.
    /// </summary>
    public const string Watermark = "churnstream.watermark";

    /// <summary>
    /// On a watermark record: <c>idle</c> when every input of the source is at its end (it holds no partition back
    /// until it announces <c>active</c> again), else <c>active</c>.
    /// </summary>
    public const string WatermarkStatus = "churnstream.watermark.status";

    /// <summary>
    /// On a watermark record: the incarnation of the source task that wrote it (a random number, new at every restore),
    /// so that a partition of the same instance knows when it has read everything earlier incarnations forwarded.
    /// </summary>
    public const string WatermarkEpoch = "churnstream.watermark.epoch";
}
