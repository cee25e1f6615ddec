using ChurnStream.Host.Hosting;

namespace ChurnStream.Host.Bench;

/// <summary>The arguments of <c>churnstream bench</c>.</summary>
public sealed record BenchSettings(int Events, int Customers, int Partitions, int Repeat, int LatencySeconds, int Seed)
{
    /// <summary>Days of history of the population the memory and restore figures are built from.</summary>
    public int MemoryDays { get; init; } = 14;

    /// <summary>Only (b), the engine alone in memory, with no broker: for profiling and before/after comparisons of the domain.</summary>
    public bool EngineOnly { get; init; }

    /// <summary>Only (c), the full service over the pre-produced events, with no other figure: for profiling the pipeline.</summary>
    public bool PipelineOnly { get; init; }

    /// <summary>Only <c>bytes_per_customer</c> (no broker, no events run): for before/after comparisons of the profile layout.</summary>
    public bool MemoryOnly { get; init; }

    /// <summary>Only the latency run, at this rate (events/s), on a fresh broker; 0 = the full bench.</summary>
    public double LatencyOnlyRate { get; init; }

    /// <summary>The latency run's load: every event the first of a new customer, instead of the generated population.</summary>
    public bool LatencyNewCustomers { get; init; }

    public void Validate()
    {
        if (Events is < 100 or > 50_000_000) throw new ConfigurationProblem($"--events must be between 100 and 50000000 (is {Events})");
        if (Customers is < 10 or > 20_000_000) throw new ConfigurationProblem($"--customers must be between 10 and 20000000 (is {Customers})");
        if (Partitions is < 0 or > 1000) throw new ConfigurationProblem($"--partitions must be between 0 (automatic) and 1000 (is {Partitions})");
        if (Repeat is < 1 or > 50) throw new ConfigurationProblem($"--repeat must be between 1 and 50 (is {Repeat})");
        if (LatencySeconds is < 1 or > 3600) throw new ConfigurationProblem($"--latency-seconds must be between 1 and 3600 (is {LatencySeconds})");
    }
}

/// <summary>Median and spread of repeated measurements.</summary>
public static class Stats
{
    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Nearest-rank percentile (q in 0..1) of an already sorted list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
