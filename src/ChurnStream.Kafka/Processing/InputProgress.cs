namespace ChurnStream.Kafka.Processing;

/// <summary>
/// Where one input partition of a task stands: the next offset to consume, and the offsets of the events it
/// accepted that may still wait in the engine's buffer. A checkpoint resumes from the oldest of those, because
/// buffered events are not persisted: they are read again, and only they (see <see cref="ReplayUntil"/>).
/// </summary>
public sealed class InputProgress
{
    private readonly Queue<(long Offset, long EventTimeMs)> _buffered = new();

    /// <summary>The next offset to consume (one past the last message handled), or -1 before the first.</summary>
    public long Consumed { get; private set; } = -1;

    /// <summary>
    /// After a restore: messages before this offset were handled before the checkpoint. Of those, only the events
    /// that were still buffered (event time at or after the checkpoint's watermark, owned here) are accepted again;
    /// everything else they caused is already in the state and the committed outputs.
    /// </summary>
    public long ReplayUntil { get; private set; } = -1;

    public bool IsReplaying(long offset) => offset < ReplayUntil;

    /// <summary>
    /// <see cref="Consumed"/> as of the last commit (or the restored checkpoint): events of this input forwarded to
    /// other partitions carry it, telling them the source will never forward anything below it again.
    /// </summary>
    public long CommittedConsumed { get; private set; } = -1;

    public void Handled(long offset) => Consumed = offset + 1;

    /// <summary>The open transaction committed everything handled so far.</summary>
    public void Committed() => CommittedConsumed = Consumed;

    public void Buffered(long offset, long eventTimeMs) => _buffered.Enqueue((offset, eventTimeMs));

    /// <summary>The offset a restored task must read from: the oldest event still waiting for <paramref name="watermarkMs"/>.</summary>
    public long ResumeFrom(long watermarkMs)
    {
        // The engine releases an event once the watermark has passed it (strictly).
        while (_buffered.TryPeek(out var oldest) && oldest.EventTimeMs < watermarkMs) _buffered.Dequeue();
        return _buffered.TryPeek(out var first) ? first.Offset : Consumed;
    }

    /// <summary>Adopts a checkpoint's consumed position: everything before it was handled, and is read again only to replay.</summary>
    public void RestoreFrom(long consumed)
    {
        Consumed = consumed;
        CommittedConsumed = consumed;
        ReplayUntil = consumed;
        _buffered.Clear();
    }
}
