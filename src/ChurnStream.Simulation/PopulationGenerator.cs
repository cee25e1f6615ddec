namespace ChurnStream.Simulation;

/// <summary>
/// Deterministic synthetic population with ground truth.
/// <para>
/// Personas are assigned by a seeded shuffle of exact counts (<see cref="Personas.Counts"/>); each customer draws
/// its own parameters from a xoshiro256** stream seeded by (seed, customer index), so the same
/// <see cref="GeneratorOptions"/> always give byte-identical events and labels.
/// </para>
/// <para>
/// <see cref="GenerateEvents"/> streams: customers produce their events lazily and the population is merged
/// one simulated day at a time, so memory is O(customers + events of one day).
/// </para>
/// </summary>
public sealed class PopulationGenerator
{
    private readonly string[] _personas;
    private readonly CustomerLabel[] _labels;

    public PopulationGenerator(GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _personas = AssignPersonas(options);
        _labels = new CustomerLabel[options.Customers];
        for (int i = 0; i < _labels.Length; i++)
        {
            var spec = Spec(i);
            DateTimeOffset? onsetAt = spec.OnsetDay is { } d ? options.Start.AddDays(d) : null;
            _labels[i] = new CustomerLabel(spec.CustomerId, spec.Persona, spec.OnsetDay, onsetAt);
        }
    }

    public GeneratorOptions Options { get; }

    /// <summary>Ground truth, one label per customer in customer order (<c>c-000001</c> first).</summary>
    public IReadOnlyList<CustomerLabel> Labels => _labels;

    /// <summary>
    /// All events of the population, ordered by <see cref="SimulatedEvent.DeliveredAt"/> (which is the event time
    /// for every original message), ties broken by customer index, then per-customer sequence number.
    /// Lazy; every enumeration produces the same sequence.
    /// </summary>
    public IEnumerable<SimulatedEvent> GenerateEvents()
    {
        var options = Options;
        var simulators = new CustomerSimulator[options.Customers];
        for (int i = 0; i < simulators.Length; i++)
            simulators[i] = new CustomerSimulator(options.Seed, Spec(i));

        var context = new EmissionContext(options);
        var batch = context.Batch;
        var carry = context.Carry;
        long startTicks = options.Start.UtcTicks;
        for (int day = 0; day < options.Days; day++)
        {
            long endTicks = startTicks + (day + 1) * TimeSpan.TicksPerDay;
            context.BatchEndTicks = endTicks;
            batch.Clear();
            if (carry.Count > 0)
            {
                foreach (var entry in carry)
                    if (entry.DeliverTicks < endTicks) batch.Add(entry);
                carry.RemoveAll(e => e.DeliverTicks < endTicks);
            }
            double endDay = day + 1;
            foreach (var simulator in simulators)
                simulator.EmitUntil(endDay, context);
            batch.Sort();
            for (int i = 0; i < batch.Count; i++)
                yield return batch[i].Event;
        }
        // Redeliveries past the end of the simulated period still arrive.
        carry.Sort();
        foreach (var entry in carry)
            yield return entry.Event;
        carry.Clear();
        batch.Clear();
    }

    /// <summary>Convenience: labels and events of <paramref name="options"/>.</summary>
    public static (IReadOnlyList<CustomerLabel> Labels, IEnumerable<SimulatedEvent> Events) Generate(GeneratorOptions options)
    {
        var generator = new PopulationGenerator(options);
        return (generator.Labels, generator.GenerateEvents());
    }

    private CustomerSpec Spec(int index) => CustomerSpec.Create(Options.Seed, index, _personas[index]).WithOnset(Options.Days);

    private static string[] AssignPersonas(GeneratorOptions options)
    {
        var counts = Personas.Counts(options.Customers, options.Days);
        var personas = new string[options.Customers];
        int k = 0;
        foreach (var persona in Personas.All)
            for (int i = 0; i < counts[persona]; i++)
                personas[k++] = persona;
        var rng = Prng.Create(options.Seed, -1, 0);
        for (int i = personas.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(0, i);
            (personas[i], personas[j]) = (personas[j], personas[i]);
        }
        return personas;
    }
}
