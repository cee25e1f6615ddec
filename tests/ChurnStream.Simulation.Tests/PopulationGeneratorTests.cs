using System.Security.Cryptography;

namespace ChurnStream.Simulation.Tests;

public class PopulationGeneratorTests
{
    private static byte[] Digest(IEnumerable<SimulatedEvent> events)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var e in events)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{e.Topic}|{e.CustomerId}|{e.EventId}|{e.Unkeyed}|{e.IsRedelivery}|{e.DeliveredAt.UtcTicks}|"));
            hash.AppendData(e.Json);
        }
        return hash.GetHashAndReset();
    }

    [Fact]
    public void Same_seed_gives_byte_identical_events()
    {
        var options = new GeneratorOptions { Customers = 300, Seed = 42, UnkeyedRate = 0.05 };
        var first = new PopulationGenerator(options).GenerateEvents().ToList();
        var second = new PopulationGenerator(options).GenerateEvents().ToList();
        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].EventId, second[i].EventId);
            Assert.Equal(first[i].Unkeyed, second[i].Unkeyed);
            Assert.Equal(first[i].Json, second[i].Json);
        }
    }

    [Fact]
    public void Enumerating_twice_gives_the_same_stream()
    {
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 100, Seed = 3 });
        Assert.Equal(Digest(generator.GenerateEvents()), Digest(generator.GenerateEvents()));
    }

    [Fact]
    public void Same_seed_gives_identical_labels()
    {
        var options = new GeneratorOptions { Customers = 500, Seed = 11 };
        Assert.Equal(new PopulationGenerator(options).Labels, new PopulationGenerator(options).Labels);
    }

    [Fact]
    public void Different_seeds_give_different_populations()
    {
        var a = new PopulationGenerator(new GeneratorOptions { Customers = 100, Seed = 1 });
        var b = new PopulationGenerator(new GeneratorOptions { Customers = 100, Seed = 2 });
        Assert.NotEqual(Digest(a.GenerateEvents()), Digest(b.GenerateEvents()));
        Assert.NotEqual(a.Labels.Select(l => l.Persona), b.Labels.Select(l => l.Persona));
    }

    [Fact]
    public void The_duplicate_rate_does_not_change_the_original_events()
    {
        var without = new PopulationGenerator(new GeneratorOptions { Customers = 50, Seed = 5, DuplicateRate = 0 });
        var with = new PopulationGenerator(new GeneratorOptions { Customers = 50, Seed = 5, DuplicateRate = 0.5 });
        // Same persona assignment and the same originals; only redeliveries are added.
        Assert.Equal(without.Labels, with.Labels);
        Assert.Equal(without.GenerateEvents().Select(e => Convert.ToHexString(e.Json)),
                     with.GenerateEvents().Where(e => !e.IsRedelivery).Select(e => Convert.ToHexString(e.Json)));
    }

    [Fact]
    public void Events_come_in_event_time_order()
    {
        var events = Population.Events;
        Assert.NotEmpty(events);
        for (int i = 1; i < events.Count; i++)
            Assert.True(events[i - 1].DeliveredAt <= events[i].DeliveredAt, $"delivery order broken at {i}: {events[i - 1]} then {events[i]}");
        var originals = events.Where(e => !e.IsRedelivery).ToList();
        for (int i = 1; i < originals.Count; i++)
            Assert.True(originals[i - 1].OccurredAt <= originals[i].OccurredAt, $"event-time order broken at {i}: {originals[i - 1]} then {originals[i]}");
        Assert.All(originals, e => Assert.Equal(e.OccurredAt, e.DeliveredAt));
    }

    [Fact]
    public void Events_stay_within_the_simulated_period_in_whole_seconds()
    {
        Assert.All(Population.Events.Where(e => !e.IsRedelivery), e =>
        {
            Assert.InRange(e.OccurredAt, Population.Options.Start, Population.End.AddTicks(-1));
            Assert.Equal(0, e.OccurredAt.UtcTicks % TimeSpan.TicksPerSecond);
            Assert.Equal(TimeSpan.Zero, e.OccurredAt.Offset);
        });
    }

    [Fact]
    public void Every_event_id_is_unique()
    {
        var originals = Population.Events.Where(e => !e.IsRedelivery).ToList();
        Assert.Equal(originals.Count, originals.Select(e => e.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.All(originals, e => Assert.StartsWith($"e-{Population.Options.Seed}-", e.EventId, StringComparison.Ordinal));
    }

    [Fact]
    public void Persona_fractions_are_exact()
    {
        var counts = Population.Labels.GroupBy(l => l.Persona).ToDictionary(g => g.Key, g => g.Count());
        var expected = new Dictionary<string, int>
        {
            [Personas.Loyal] = 250, [Personas.Regular] = 200, [Personas.Occasional] = 150, [Personas.FrequencyDecline] = 100,
            [Personas.SpendDecline] = 80, [Personas.EngagementDecline] = 80, [Personas.Silent] = 80, [Personas.Complainer] = 60,
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), counts.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Personas_are_shuffled_over_the_customer_ids()
    {
        var firstQuarter = Population.Labels.Take(250).Select(l => l.Persona).Distinct().Count();
        Assert.Equal(Personas.All.Count, firstQuarter);
    }

    [FsCheck.Xunit.Property]
    public bool Persona_counts_add_up_and_round_fractions_for_any_population(FsCheck.NonNegativeInt size, bool longRun)
    {
        int customers = size.Get * 37;
        int days = longRun ? 365 : 200;
        var counts = Personas.Counts(customers, days);
        var personas = days >= Personas.MinDaysForDecline ? Personas.All : Personas.All.Take(3).ToList();
        double total = personas.Sum(p => Personas.Fractions[p]);
        return counts.Values.Sum() == customers
            && personas.All(p => Math.Abs(counts[p] - Personas.Fractions[p] / total * customers) < 1)
            && Personas.All.Except(personas).All(p => counts[p] == 0);
    }

    [Fact]
    public void Customer_ids_are_numbered_from_one_with_six_digits()
    {
        Assert.Equal("c-000001", Population.Labels[0].CustomerId);
        Assert.Equal("c-001000", Population.Labels[^1].CustomerId);
        Assert.Equal(Population.Labels.Select(l => l.CustomerId).OrderBy(x => x, StringComparer.Ordinal), Population.Labels.Select(l => l.CustomerId));
    }

    [Fact]
    public void Onsets_lie_between_day_150_and_75_days_before_the_end()
    {
        foreach (var label in Population.Labels)
        {
            if (Personas.IsDecline(label.Persona))
            {
                Assert.InRange(label.OnsetDay!.Value, 150, Population.Options.Days - 75);
                Assert.Equal(Population.Options.Start.AddDays(label.OnsetDay.Value), label.OnsetAt);
            }
            else
            {
                Assert.Null(label.OnsetDay);
                Assert.Null(label.OnsetAt);
            }
        }
        var onsets = Population.Labels.Where(l => l.OnsetDay is not null).Select(l => l.OnsetDay!.Value).ToList();
        Assert.InRange(onsets.Min(), 150, 160);
        Assert.InRange(onsets.Max(), 280, 290);
    }

    [Fact]
    public void Short_simulations_have_only_stable_personas()
    {
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 600, Days = 239, Seed = 1 });
        var counts = generator.Labels.GroupBy(l => l.Persona).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(250, counts[Personas.Loyal]);
        Assert.Equal(200, counts[Personas.Regular]);
        Assert.Equal(150, counts[Personas.Occasional]);
        Assert.Equal(3, counts.Count);
        Assert.All(generator.Labels, l => Assert.Null(l.OnsetAt));
    }

    [Fact]
    public void Every_customer_starts_within_the_first_20_days()
    {
        foreach (var label in Population.Labels)
        {
            var events = Population.Of(label.CustomerId);
            Assert.NotEmpty(events);
            Assert.True(events[0].At < Population.Options.Start.AddDays(20), $"{Population.Describe(label)} starts at {events[0].At}");
            Assert.True(events[0].IsPurchase, $"{Population.Describe(label)} starts with a {events[0].Type}");
        }
    }

    [Fact]
    public void Duplicates_are_identical_redeliveries()
    {
        var groups = Population.Events.GroupBy(e => e.EventId).Where(g => g.Count() > 1).ToList();
        int originals = Population.Events.Count(e => !e.IsRedelivery);
        Assert.InRange(groups.Count, originals * 0.007, originals * 0.013);
        var position = Population.Events.Select((e, i) => (e, i)).ToDictionary(x => x.e, x => x.i);
        foreach (var g in groups)
        {
            var pair = g.ToList();
            Assert.Equal(2, pair.Count);
            var (first, second) = (pair[0], pair[1]);
            Assert.False(first.IsRedelivery);
            Assert.True(second.IsRedelivery);
            Assert.True(position[first] < position[second]);
            Assert.Equal(first.Json, second.Json);
            Assert.Equal(first.Topic, second.Topic);
            Assert.Equal(first.CustomerId, second.CustomerId);
            Assert.Equal(first.OccurredAt, second.OccurredAt);
            Assert.Equal(first.Unkeyed, second.Unkeyed);
            Assert.InRange(second.DeliveredAt - first.OccurredAt, TimeSpan.FromMinutes(2), TimeSpan.FromHours(6));
        }
    }

    [Fact]
    public void No_duplicates_when_the_rate_is_zero()
    {
        var events = new PopulationGenerator(new GeneratorOptions { Customers = 200, Seed = 9, DuplicateRate = 0 }).GenerateEvents().ToList();
        Assert.DoesNotContain(events, e => e.IsRedelivery);
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public void Unkeyed_events_follow_the_unkeyed_rate()
    {
        Assert.DoesNotContain(Population.Events, e => e.Unkeyed);
        var events = new PopulationGenerator(new GeneratorOptions { Customers = 200, Seed = 9, UnkeyedRate = 0.1 }).GenerateEvents()
            .Where(e => !e.IsRedelivery).ToList();
        Assert.InRange(events.Count(e => e.Unkeyed), events.Count * 0.08, events.Count * 0.12);
    }

    [Theory]
    [InlineData(-1, 365, 0.01, 0)]
    [InlineData(10, 0, 0.01, 0)]
    [InlineData(10, 365, 1.5, 0)]
    [InlineData(10, 365, 0.01, -0.1)]
    public void Invalid_options_are_rejected(int customers, int days, double duplicateRate, double unkeyedRate) =>
        Assert.ThrowsAny<ArgumentException>(() => new PopulationGenerator(new GeneratorOptions
        {
            Customers = customers, Days = days, DuplicateRate = duplicateRate, UnkeyedRate = unkeyedRate,
        }));

    [Fact]
    public void An_empty_population_has_no_events()
    {
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 0 });
        Assert.Empty(generator.Labels);
        Assert.Empty(generator.GenerateEvents());
    }
}
