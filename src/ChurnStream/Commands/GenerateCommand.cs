using System.CommandLine;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream generate</c>: a synthetic population with ground truth, to Kafka or to a file.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var customers = new Option<int>("--customers") { Description = "Number of customers", DefaultValueFactory = _ => 1000 };
        var days = new Option<int>("--days") { Description = "Days of history (decline personas need at least 240)", DefaultValueFactory = _ => 365 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same events", DefaultValueFactory = _ => 1 };
        var bootstrap = CommonOptions.BootstrapServers();
        var output = new Option<string?>("--out") { Description = "Write the events as JSON Lines to this file instead of Kafka" };
        var labels = new Option<string>("--labels") { Description = "Ground-truth labels CSV to write", Required = true };
        var duplicates = new Option<double>("--duplicate-rate") { Description = "Fraction of events delivered twice", DefaultValueFactory = _ => 0.01 };
        var unkeyed = new Option<double>("--unkeyed-rate") { Description = "Fraction of events published without a key", DefaultValueFactory = _ => 0.0 };
        var config = CommonOptions.Config();
        var command = new Command("generate", "Generate a synthetic customer population with known decline onsets")
        {
            customers, days, seed, bootstrap, output, labels, duplicates, unkeyed, config,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(bootstrap) is null) == (r.GetValue(output) is null))
                r.AddError("give exactly one of --bootstrap-servers and --out");
        });
        command.SetAction(parse =>
        {
            var generator = new PopulationGenerator(new GeneratorOptions
            {
                Customers = parse.GetValue(customers),
                Days = parse.GetValue(days),
                Seed = parse.GetValue(seed),
                DuplicateRate = parse.GetValue(duplicates),
                UnkeyedRate = parse.GetValue(unkeyed),
            });
            long count = 0;
            if (parse.GetValue(output) is { } path)
            {
                using var file = new BufferedStream(File.Create(path), 1 << 16);
                foreach (var e in generator.GenerateEvents())
                {
                    file.Write(e.Json);
                    file.WriteByte((byte)'\n');
                    count++;
                }
            }
            else
            {
                var app = Hosting.AppConfiguration.Load(parse.GetValue(config));
                app.Stream.Kafka.BootstrapServers = parse.GetValue(bootstrap)!;
                count = Publish(generator, app.Stream, CancellationToken.None);
            }
            using (var w = new StreamWriter(parse.GetValue(labels)!)) LabelsCsv.Write(w, generator.Labels);
            Console.Out.WriteLine($"generated {count} events for {generator.Labels.Count} customers");
            return 0;
        });
        return command;
    }

    /// <summary>Publishes a population to the input topics; unkeyed events go without a key.</summary>
    public static long Publish(PopulationGenerator generator, StreamOptions options, CancellationToken stop)
    {
        using var publisher = new EventPublisher(options.Kafka);
        foreach (var e in generator.GenerateEvents())
        {
            if (stop.IsCancellationRequested) break;
            var topic = e.Topic == Topics.Purchases ? options.Topics.Purchases : options.Topics.Engagements;
            publisher.Publish(topic, e.Unkeyed ? null : e.CustomerId, e.Json);
        }
        publisher.Flush(TimeSpan.FromSeconds(60));
        return publisher.Published;
    }
}
