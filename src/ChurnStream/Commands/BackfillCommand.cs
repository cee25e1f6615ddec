using System.CommandLine;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Scoring;
using ChurnStream.Host.Backfill;
using ChurnStream.Host.Hosting;
using ChurnStream.Model;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream backfill</c>: the stream's engine over files (JSON Lines or CSV), no Kafka.</summary>
internal static class BackfillCommand
{
    public static Command Create()
    {
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "Input file, read in the order given (repeat for several); .gz is decompressed",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var outputDir = new Option<string>("--output-dir", "-o") { Description = "Directory for alerts.jsonl, segments.jsonl, summary.json, bad-rows.txt", Required = true };
        var format = new Option<string?>("--format") { Description = "jsonl or csv for every input (default: by extension, .csv = csv)" };
        format.AcceptOnlyFromAmong("jsonl", "csv");
        var topic = new Option<string?>("--topic") { Description = "JSON Lines contract of every line: purchases or engagements (default: a line with 'amount' is a purchase, one with 'type' an engagement)" };
        topic.AcceptOnlyFromAmong("purchases", "engagements");
        var csvMap = new Option<string?>("--csv-map") { Description = "CSV columns, e.g. customerId=CustomerID,occurredAt=InvoiceDate,quantity=Quantity,unitPrice=UnitPrice,invoice=InvoiceNo (replaces Backfill:Csv:Columns)" };
        var csvTimeZone = new Option<string?>("--csv-timezone") { Description = "Time zone of CSV dates without an offset (IANA id; default Backfill:Csv:TimeZone, UTC)" };
        var csvDateFormat = new Option<string[]>("--csv-date-format") { Description = "CSV date format, e.g. \"M/d/yyyy H:mm\" (repeatable; replaces Backfill:Csv:DateFormats)" };
        var csvDelimiter = new Option<string?>("--csv-delimiter") { Description = "CSV field delimiter (default ',')" };
        var csvPerRow = new Option<bool>("--csv-per-row") { Description = "Every CSV row is a purchase (default: adjacent rows of one customer's invoice make one purchase)" };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad row with exit code 1 (default: report it as FILE:LINE: reason, count it, skip it)" };
        var showBadRows = new Option<int>("--show-bad-rows") { Description = "How many bad rows to print on stderr (all go to bad-rows.txt)", DefaultValueFactory = _ => 100 };
        var config = CommonOptions.Config();
        var command = new Command("backfill", "Run the detection engine over files (no Kafka) and write the alerts and segment changes the stream would publish")
        {
            inputs, outputDir, format, topic, csvMap, csvTimeZone, csvDateFormat, csvDelimiter, csvPerRow, strict, showBadRows, config,
        };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(inputs)!;
            foreach (var p in paths)
                if (!File.Exists(p)) throw new ConfigurationProblem($"input file '{p}' does not exist");
            var app = AppConfiguration.Load(parse.GetValue(config));
            var errors = new List<string>(app.Stream.Detection.Validate());
            var partitions = app.Stream.Kafka.Partitions;
            if (partitions is < 1 or > 10_000) errors.Add($"Kafka:Partitions must be between 1 and 10000 (is {partitions}).");

            var csv = CsvSettings.Load(parse.GetValue(config));
            if (parse.GetValue(csvMap) is { } map) csv.Columns = CsvSettings.ParseMap(map);
            if (parse.GetValue(csvTimeZone) is { } tz) csv.TimeZone = tz;
            if (parse.GetValue(csvDateFormat) is { Length: > 0 } formats) csv.DateFormats = [.. formats];
            if (parse.GetValue(csvDelimiter) is { } d) csv.Delimiter = d == "\\t" ? "\t" : d;
            if (parse.GetValue(csvPerRow)) csv.AggregateInvoices = false;
            var forced = parse.GetValue(format);
            if (paths.Any(p => InputFiles.FormatOf(p, forced) == "csv")) errors.AddRange(csv.Validate());
            if (errors.Count > 0)
            {
                foreach (var e in errors) Console.Error.WriteLine("churnstream: " + e);
                return 2;
            }

            ChurnModel? model = null;
            if (app.Stream.Detection.Model.File is { Length: > 0 } modelPath)
            {
                if (!File.Exists(modelPath)) throw new ConfigurationProblem($"Detection:Model:File '{modelPath}' does not exist");
                try
                {
                    model = ChurnModel.FromFile(ModelFile.ReadFile(modelPath), app.Stream.Detection.Model);
                }
                catch (ModelFileException ex)
                {
                    throw new ConfigurationProblem($"Detection:Model:File '{modelPath}': {ex.Message}");
                }
            }

            var request = new BackfillRequest
            {
                Inputs = paths,
                OutputDir = parse.GetValue(outputDir)!,
                Format = forced,
                Topic = parse.GetValue(topic) switch { "purchases" => InputTopic.Purchases, "engagements" => InputTopic.Engagements, _ => null },
                Csv = csv,
                Detection = app.Stream.Detection,
                Model = model,
                Partitions = partitions,
                Strict = parse.GetValue(strict),
                ShowBadRows = Math.Max(0, parse.GetValue(showBadRows)),
            };
            return new BackfillRunner(request, Console.Out, Console.Error).Run();
        });
        return command;
    }
}
