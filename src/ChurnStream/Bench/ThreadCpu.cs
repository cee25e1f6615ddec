using System.Globalization;
using System.Runtime.InteropServices;

namespace ChurnStream.Host.Bench;

/// <summary>
/// The CPU time of this process's threads, grouped by what they do, read from <c>/proc/self/task</c> (Linux; elsewhere
/// <see cref="Take"/> gives null). Two snapshots around a run say where its CPU went, the embedded broker's included,
/// without a profiler: the figure the question "what bounds the pipeline" starts from.
/// </summary>
public sealed class ThreadCpu
{
    /// <summary>The groups, in the order they are printed.</summary>
    public static readonly string[] Groups = ["workers", "polling", "main", "kafka-clients", "broker", "gc", "jit", "other"];

    private readonly Dictionary<int, (string Group, long Ticks)> _threads;
    private readonly TimeSpan _processTotal;

    private ThreadCpu(Dictionary<int, (string, long)> threads, TimeSpan processTotal)
    {
        _threads = threads;
        _processTotal = processTotal;
    }

    /// <summary>The threads' CPU time now, or null where <c>/proc</c> does not tell it.</summary>
    public static ThreadCpu? Take()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self/task")) return null;
        var threads = new Dictionary<int, (string, long)>();
        var pid = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (TicksOf(stat) is { } ticks && NameOf(stat) is { } name) threads[tid] = (GroupOf(name, tid == pid), ticks);
            }
            catch (IOException)
            {
                // the thread ended meanwhile: its time shows under "other"
            }
        }
        return new ThreadCpu(threads, Environment.CpuUsage.TotalTime);
    }

    /// <summary>
    /// Seconds of CPU per group between <paramref name="before"/> and <paramref name="after"/>. A thread that ended in
    /// between is not in <c>/proc</c> any more: what the process spent beyond the threads still there goes to "other".
    /// </summary>
    public static Dictionary<string, double> Between(ThreadCpu before, ThreadCpu after)
    {
        var seconds = Groups.ToDictionary(g => g, _ => 0.0);
        var perTick = 1.0 / ClockTicksPerSecond;
        foreach (var (tid, (group, ticks)) in after._threads)
        {
            var start = before._threads.TryGetValue(tid, out var b) && b.Group == group ? b.Ticks : 0;
            seconds[group] += (ticks - start) * perTick;
        }
        var unaccounted = (after._processTotal - before._processTotal).TotalSeconds - seconds.Values.Sum();
        if (unaccounted > 0) seconds["other"] += unaccounted;
        return seconds;
    }

    /// <summary>The group of a thread by its name (<c>comm</c>, at most 15 characters).</summary>
    public static string GroupOf(string name, bool mainThread) =>
        mainThread ? "main"
        : name.StartsWith("churnstream-w", StringComparison.Ordinal) ? "workers"
        : name.StartsWith("churnstream-pro", StringComparison.Ordinal) ? "polling"
        : name == "rdk:mock" ? "broker"
        : name.StartsWith("rdk:", StringComparison.Ordinal) ? "kafka-clients"
        : name.StartsWith(".NET Server GC", StringComparison.Ordinal) || name.StartsWith(".NET BGC", StringComparison.Ordinal)
          || name.StartsWith(".NET Background", StringComparison.Ordinal) ? "gc"
        : name.StartsWith(".NET Tiered Com", StringComparison.Ordinal) ? "jit"
        : "other";

    /// <summary>The thread's name (<c>comm</c>) in a <c>stat</c> line: between the first '(' and the last ')'.</summary>
    private static string? NameOf(string stat)
    {
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        return open >= 0 && close > open ? stat[(open + 1)..close] : null;
    }

    /// <summary>utime + stime (fields 14 and 15) of a <c>stat</c> line; the name in parentheses may hold spaces.</summary>
    public static long? TicksOf(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0) return null;
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state)
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)) return null;
        return user + system;
    }

    private static readonly long ClockTicksPerSecond = ReadClockTicks();

    private static long ReadClockTicks()
    {
        try
        {
            var ticks = sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    private const int ScClkTck = 2;

    [DllImport("libc.so.6", EntryPoint = "sysconf")]
    private static extern long sysconf(int name);
}
