using System.Diagnostics;

namespace ChurnStream.Host.Bench;

/// <summary>A rate and what it cost: how many of the machine's cores the whole process (broker included) kept busy meanwhile.</summary>
public readonly record struct MeasuredRate(double EventsPerSecond, double Cores)
{
    /// <summary>CPU time of the process per event, in microseconds.</summary>
    public double CpuMicrosPerEvent => Cores / EventsPerSecond * 1e6;
}

/// <summary>Wall time and the process's CPU time (every thread: clients, embedded broker, GC) from its start.</summary>
public sealed class CpuWindow
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpu = Environment.CpuUsage.TotalTime;

    public MeasuredRate RateOf(long events)
    {
        var seconds = _wall.Elapsed.TotalSeconds;
        return new MeasuredRate(events / seconds, (Environment.CpuUsage.TotalTime - _cpu).TotalSeconds / seconds);
    }
}
