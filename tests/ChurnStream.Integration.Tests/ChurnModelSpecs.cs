using System.Text.Json;
using ChurnStream.Integration.Tests.Backfill;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>The BG/NBD model in the stream: fitted on history with `model fit`, loaded by the service, used in every alert.</summary>
public sealed class ChurnModelSpecs
{
    [Fact]
    public async Task With_a_fitted_model_loaded_alerts_carry_p_alive_and_churn_risk_fires()
    {
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 500, Days = 365, Seed = 44 });
        using var files = new BackfillFiles();
        var history = files.Path("history.jsonl");
        BackfillFiles.WriteEvents(generator, history);
        var model = files.Path("model.json");
        var fit = Processes.Churnstream("model", "fit", "--input", history, "--format", "jsonl", "--calibration-end", "2025-12-31", "--output", model);
        Assert.True(fit.ExitCode == 0, fit.Stderr);
        Assert.True(JsonDocument.Parse(File.ReadAllText(model)).RootElement.GetProperty("r").GetDouble() > 0);

        using var cluster = StreamCluster.WithTopics(partitions: 4);
        var o = cluster.Options;
        o.Detection.Model.File = model;
        await using (var service = RunningService.Start(o))
        {
            using (var publisher = new EventPublisher(o.Kafka))
            {
                foreach (var e in generator.GenerateEvents())
                    publisher.Publish(e.Topic == Simulation.Topics.Purchases ? o.Topics.Purchases : o.Topics.Engagements, e.CustomerId, e.Json);
                publisher.Flush(TimeSpan.FromSeconds(60));
            }
            service.WaitUntilCaughtUp(TimeSpan.FromMinutes(3));
        }
        var alerts = Support.Topics.ReadJson(o, o.Topics.Alerts);
        Assert.NotEmpty(alerts);
        Assert.All(alerts, a => Assert.Equal(JsonValueKind.Number, a.GetProperty("pAlive").ValueKind));
        Assert.All(alerts, a => Assert.False(string.IsNullOrEmpty(a.GetProperty("recommendedAction").GetString())));
        var churnRisk = alerts.Where(a => a.GetProperty("kind").GetString() == "churn_risk").ToList();
        Assert.NotEmpty(churnRisk);
        Assert.All(churnRisk, a => Assert.True(a.GetProperty("pAlive").GetDouble() < 0.5));

        // churn_risk should point at customers who really are leaving.
        var labels = generator.Labels.ToDictionary(l => l.CustomerId);
        var onDecliners = churnRisk.Count(a => labels[a.GetProperty("customerId").GetString()!].IsPositive);
        Assert.True(onDecliners >= churnRisk.Count * 0.5, $"{onDecliners} of {churnRisk.Count} churn_risk alerts on declining customers");
    }
}
