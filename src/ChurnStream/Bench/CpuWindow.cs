using System.Diagnostics;

namespace ChurnStream.Host.Bench;

/// <summary>A rate and what it cost: how many of the machine's cores the whole process (broker included) kept busy meanwhile.</summary>
public readonly record struct MeasuredRate(double EventsPerSecond, double Cores, GcWork Gc = default, IReadOnlyDictionary<string, double>? ThreadSeconds = null)
{
    /// <summary>CPU time of the process per event, in microseconds.</summary>
    public double CpuMicrosPerEvent => Cores / EventsPerSecond * 1e6;

    /// <summary>
    /// CPU per event of each thread group (<see cref="ThreadCpu.Groups"/>) over <paramref name="events"/>, e.g.
    /// <c>workers 1.63, polling 0.83, ...</c> in µs; empty where the threads' times are not known.
    /// </summary>
    public string ByThread(long events)
    {
        if (ThreadSeconds is not { } seconds || events <= 0) return "";
        return string.Join(", ", ThreadCpu.Groups.Select(g => $"{g} {seconds.GetValueOrDefault(g) / events * 1e6:0.00}"));
    }
}

/// <summary>Wall time and the process's CPU time (every thread: clients, embedded broker, GC) from its start.</summary>
public sealed class CpuWindow
{
    // In this order (field initialisers run as written): reading /proc takes a few ms, which stays outside the window.
    private readonly ThreadCpu? _threads = ThreadCpu.Take();
    private readonly TimeSpan _cpu = Environment.CpuUsage.TotalTime;
    private readonly GcWork _gc = GcWork.SoFar();
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    public MeasuredRate RateOf(long events)
    {
        var seconds = _wall.Elapsed.TotalSeconds;
        var cpu = (Environment.CpuUsage.TotalTime - _cpu).TotalSeconds;
        var gc = GcWork.SoFar() - _gc;
        var threads = _threads is not null && ThreadCpu.Take() is { } now ? ThreadCpu.Between(_threads, now) : null;
        return new MeasuredRate(events / seconds, cpu / seconds, gc, threads);
    }
}

/// <summary>The garbage collector's work: collections of each generation and the time the process was paused for them.</summary>
public readonly record struct GcWork(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long AllocatedBytes)
{
    public static GcWork SoFar() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcWork operator -(GcWork a, GcWork b) =>
        new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.AllocatedBytes - b.AllocatedBytes);

    public override string ToString() =>
        $"GC {Gen0}/{Gen1}/{Gen2} collections of gen 0/1/2, paused {Paused.TotalMilliseconds:#,0} ms, {AllocatedBytes / 1048576.0:#,0} MB allocated";
}
