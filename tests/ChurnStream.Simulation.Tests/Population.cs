using System.Globalization;
using System.Text.Json;

namespace ChurnStream.Simulation.Tests;

/// <summary>An event parsed back from its JSON, for behavioural assertions.</summary>
internal sealed record ParsedEvent(SimulatedEvent Source, string Type, decimal? Amount, int? Score, string? Reason)
{
    public string CustomerId => Source.CustomerId;
    public DateTimeOffset At => Source.OccurredAt;
    public bool IsPurchase => Source.Topic == Topics.Purchases;

    public static ParsedEvent From(SimulatedEvent e)
    {
        using var doc = JsonDocument.Parse(e.Json);
        var root = doc.RootElement;
        if (e.Topic == Topics.Purchases)
            return new ParsedEvent(e, "purchase", root.GetProperty("amount").GetDecimal(), null, null);
        return new ParsedEvent(e, root.GetProperty("type").GetString()!,
            null,
            root.TryGetProperty("score", out var s) ? s.GetInt32() : null,
            root.TryGetProperty("reason", out var r) ? r.GetString() : null);
    }
}

/// <summary>One shared population of 1000 customers over 365 days (generated once per test run).</summary>
internal static class Population
{
    public static readonly GeneratorOptions Options = new() { Customers = 1000, Days = 365, Seed = 20250101 };

    private static readonly Lazy<(IReadOnlyList<CustomerLabel> Labels, List<SimulatedEvent> Events)> Generated = new(() =>
    {
        var generator = new PopulationGenerator(Options);
        return (generator.Labels, generator.GenerateEvents().ToList());
    });

    private static readonly Lazy<Dictionary<string, List<ParsedEvent>>> ByCustomer = new(() =>
        Events.Where(e => !e.IsRedelivery).Select(ParsedEvent.From)
              .GroupBy(e => e.CustomerId).ToDictionary(g => g.Key, g => g.OrderBy(e => e.At).ToList()));

    public static IReadOnlyList<CustomerLabel> Labels => Generated.Value.Labels;

    public static List<SimulatedEvent> Events => Generated.Value.Events;

    public static DateTimeOffset End => Options.Start.AddDays(Options.Days);

    /// <summary>Original (not redelivered) events of a customer in event-time order.</summary>
    public static List<ParsedEvent> Of(string customerId) => ByCustomer.Value.TryGetValue(customerId, out var list) ? list : [];

    public static IEnumerable<CustomerLabel> WithPersona(string persona) => Labels.Where(l => l.Persona == persona);

    public static List<double> Gaps(IEnumerable<DateTimeOffset> times)
    {
        var t = times.ToList();
        return t.Zip(t.Skip(1), (a, b) => (b - a).TotalDays).ToList();
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    public static string Describe(CustomerLabel label) =>
        string.Create(CultureInfo.InvariantCulture, $"{label.CustomerId} ({label.Persona}, onset day {label.OnsetDay})");
}
