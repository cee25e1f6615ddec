namespace ChurnStream.Simulation;

/// <summary>Parameters of a synthetic population. The same options always give byte-identical output.</summary>
public sealed record GeneratorOptions
{
    /// <summary>Number of customers (<c>c-000001</c> ...).</summary>
    public int Customers { get; init; }

    /// <summary>Length of the simulation in days. Decline personas need at least <see cref="Personas.MinDaysForDecline"/> days.</summary>
    public int Days { get; init; } = 365;

    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; }

    /// <summary>Day 0 of the simulation.</summary>
    public DateTimeOffset Start { get; init; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Fraction of events delivered a second time (identical bytes, 2 minutes to 6 hours later in the stream).</summary>
    public double DuplicateRate { get; init; } = 0.01;

    /// <summary>Fraction of events flagged to be produced without a Kafka key.</summary>
    public double UnkeyedRate { get; init; }

    internal void Validate()
    {
        if (Customers < 0) throw new ArgumentOutOfRangeException(nameof(Customers), Customers, "must be >= 0");
        if (Customers > 99_999_999) throw new ArgumentOutOfRangeException(nameof(Customers), Customers, "must be <= 99999999");
        if (Days < 1) throw new ArgumentOutOfRangeException(nameof(Days), Days, "must be >= 1");
        if (Days > 36_500) throw new ArgumentOutOfRangeException(nameof(Days), Days, "must be <= 36500");
        if (Start.Offset != TimeSpan.Zero) throw new ArgumentException("Start must be UTC (offset zero)", nameof(Start));
        if (Start.Ticks % TimeSpan.TicksPerSecond != 0) throw new ArgumentException("Start must be a whole second", nameof(Start));
        if (!(DuplicateRate >= 0 && DuplicateRate <= 1)) throw new ArgumentOutOfRangeException(nameof(DuplicateRate), DuplicateRate, "must be in [0, 1]");
        if (!(UnkeyedRate >= 0 && UnkeyedRate <= 1)) throw new ArgumentOutOfRangeException(nameof(UnkeyedRate), UnkeyedRate, "must be in [0, 1]");
    }
}
