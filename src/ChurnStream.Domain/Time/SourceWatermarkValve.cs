namespace ChurnStream.Domain.Time;

/// <summary>
/// What one upstream partition last announced: event time (Unix ms, <see cref="long.MinValue"/> = none yet) before
/// which it forwards no more events, and whether it is idle (every input of its own at its end), in which case it
/// holds nobody back.
/// </summary>
public readonly record struct SourceWatermark(long Watermark, bool Idle)
{
    /// <summary>A source that has announced nothing: it holds the watermark back.</summary>
    public static SourceWatermark Unknown => new(long.MinValue, false);
}

/// <summary>
/// Combines the watermarks that every partition announces to a partition of the repartition topic, as Flink's
/// <c>StatusWatermarkValve</c> combines the channels of a shuffle: the result is the smallest watermark over the
/// active sources (one that has announced nothing yet holds it at none); idle sources do not count; when every
/// source is idle, it is the largest watermark any of them reached, and idle.
/// <para>
/// A source's watermark never goes back (an older announcement is ignored), its idle flag follows its latest
/// announcement. A source that becomes active again below the combined watermark does not lower it: the engine's
/// input watermark never goes back, so its events before it are late, as they are for an input of the partition's
/// own that resumes after being idle.
/// </para>
/// </summary>
public sealed class SourceWatermarkValve
{
    private readonly SourceWatermark[] _sources;

    public SourceWatermarkValve(int sourceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sourceCount);
        _sources = new SourceWatermark[sourceCount];
        Array.Fill(_sources, SourceWatermark.Unknown);
    }

    public int SourceCount => _sources.Length;

    public SourceWatermark this[int source] => _sources[source];

    /// <summary>Takes an announcement; false when it changes nothing (an unknown source, an older or repeated one).</summary>
    public bool Observe(int source, SourceWatermark announced)
    {
        if ((uint)source >= (uint)_sources.Length) return false;
        var current = _sources[source];
        var next = new SourceWatermark(Math.Max(current.Watermark, announced.Watermark), announced.Idle);
        if (next == current) return false;
        _sources[source] = next;
        return true;
    }

    /// <summary>The combined watermark: none (<see cref="long.MinValue"/>) while an active source has announced none.</summary>
    public SourceWatermark Combined
    {
        get
        {
            long activeMin = long.MaxValue, max = long.MinValue;
            var anyActive = false;
            foreach (var s in _sources)
            {
                max = Math.Max(max, s.Watermark);
                if (s.Idle) continue;
                anyActive = true;
                activeMin = Math.Min(activeMin, s.Watermark);
            }
            return anyActive ? new SourceWatermark(activeMin, false) : new SourceWatermark(max, true);
        }
    }

    /// <summary>Every source's state, for a checkpoint.</summary>
    public SourceWatermark[] Export() => (SourceWatermark[])_sources.Clone();

    /// <summary>Adopts a checkpoint's source states (sources beyond this valve's count are ignored).</summary>
    public void Restore(IReadOnlyList<SourceWatermark> sources)
    {
        for (var i = 0; i < _sources.Length; i++) _sources[i] = i < sources.Count ? sources[i] : SourceWatermark.Unknown;
    }
}
