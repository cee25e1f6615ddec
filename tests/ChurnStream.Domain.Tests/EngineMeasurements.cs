using System.Diagnostics;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Tests.Support;
using Xunit.Abstractions;

namespace ChurnStream.Domain.Tests;

/// <summary>Prints the engine's cost per event with and without the model (no assertion on time: machines differ).</summary>
public class EngineMeasurements(ITestOutputHelper output)
{
    [Fact]
    public void Cost_per_event_with_and_without_the_model_is_reported()
    {
        var events = Enumerable.Range(0, 60).SelectMany(seed => Population.Generate(seed).Select(e => e with { CustomerId = $"s{seed}-{e.CustomerId}" }))
            .OrderBy(e => e.OccurredAtMs).ToList();
        foreach (var variant in new[] { 0, 1, 2, 0, 1, 2 })
        {
            var (options, model) = Population.Variant(variant);
            var sw = Stopwatch.StartNew();
            var d = new Driver(options, model: model).Feed(events).Flush();
            sw.Stop();
            output.WriteLine($"variant {variant} ({(model is null ? "rules only" : variant == 2 ? "model + quantile tiers" : "model")}): " +
                             $"{events.Count} events, {sw.Elapsed.TotalMilliseconds * 1e6 / events.Count:0} ns/event (incl. JSON of {d.Wire().Count} outputs), " +
                             $"alerts {d.Sink.Alerts.Count}, churn_risk {d.Sink.Alerts.Count(a => a.Kind == AlertKind.ChurnRisk)}");
        }
    }
}
