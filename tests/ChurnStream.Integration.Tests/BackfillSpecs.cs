using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Time;
using ChurnStream.Integration.Tests.Backfill;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary><c>churnstream backfill</c>: the stream's engine over files, as a process.</summary>
public sealed class BackfillSpecs(GeneratedPopulationFile population) : IClassFixture<GeneratedPopulationFile>, IDisposable
{
    private readonly BackfillFiles _files = new();

    private (string Dir, string Stdout, string Stderr) Backfill(params string[] extra)
    {
        var dir = _files.NewOutputDir();
        var (code, stdout, stderr) = BackfillFiles.Backfill(
            new[] { "--input", population.EventsPath, "--output-dir", dir, "--config", population.ConfigPath }.Concat(extra).ToArray());
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        return (dir, stdout, stderr);
    }

    [Fact]
    public void Backfill_twice_gives_byte_identical_outputs()
    {
        var first = Backfill();
        var second = Backfill();
        foreach (var file in new[] { "alerts.jsonl", "segments.jsonl", "summary.json", "bad-rows.txt" })
        {
            var a = File.ReadAllBytes(Path.Combine(first.Dir, file));
            var b = File.ReadAllBytes(Path.Combine(second.Dir, file));
            Assert.True(a.AsSpan().SequenceEqual(b), $"{file} differs between two runs");
        }
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(first.Dir, "alerts.jsonl")));
    }

    [Fact]
    public void Backfill_alerts_equal_what_the_engine_decides_in_memory()
    {
        var (dir, stdout, _) = Backfill();

        var sink = new CollectingSink();
        var engine = new PartitionedEngine(new DetectionOptions(), GeneratedPopulationFile.Partitions);
        foreach (var e in population.Generator.GenerateEvents())
        {
            var contract = e.Topic == Simulation.Topics.Purchases ? InputTopic.Purchases : InputTopic.Engagements;
            Assert.True(EventParser.Default.TryParse(e.Json, contract, out var evt, out _));
            engine.Accept(evt, sink);
        }
        engine.Flush(sink);

        // Same records, same bytes, same order.
        var alerts = sink.Alerts.Select(a => Encoding.UTF8.GetString(OutputJson.Serialize(a))).ToList();
        var segments = sink.SegmentChanges.Select(s => Encoding.UTF8.GetString(OutputJson.Serialize(s))).ToList();
        Assert.NotEmpty(alerts);
        Assert.Equal(alerts, File.ReadAllLines(Path.Combine(dir, "alerts.jsonl")));
        Assert.Equal(segments, File.ReadAllLines(Path.Combine(dir, "segments.jsonl")));

        var summary = BackfillFiles.Summary(dir);
        Assert.Equal(population.Lines, summary.GetProperty("events").GetInt64());
        Assert.Equal(population.Generator.Labels.Count, summary.GetProperty("customers").GetInt64());
        Assert.Equal(sink.Duplicates.Count, summary.GetProperty("duplicates").GetInt64());
        Assert.Equal(alerts.Count, summary.GetProperty("alerts").GetProperty("total").GetInt64());
        Assert.Equal(0, summary.GetProperty("badRows").GetProperty("total").GetInt64());
        // The segment mix counts every customer once per dimension, from their last segment record.
        foreach (var dimension in summary.GetProperty("segmentMix").EnumerateObject())
            Assert.Equal(population.Generator.Labels.Count, dimension.Value.EnumerateObject().Sum(s => s.Value.GetInt64()));
        Assert.Contains("alerts: ", stdout);
        Assert.Contains("segments at the end, activity: ", stdout);
    }

    [Fact]
    public void Backfill_finds_the_decline_personas_of_a_generated_population()
    {
        var (dir, _, _) = Backfill();
        var records = File.ReadLines(Path.Combine(dir, "alerts.jsonl")).Select(l => AlertRecord.Parse(Encoding.UTF8.GetBytes(l))).ToList();
        var report = AlertEvaluator.Evaluate(records, population.Generator.Labels);
        Assert.True(report.Precision >= 0.9 && report.Recall >= 0.9, report.Render());
    }

    [Fact]
    public void Backfill_reports_bad_json_lines_with_file_and_line_and_skips_them()
    {
        var input = _files.Path("mixed.jsonl");
        File.WriteAllLines(input,
        [
            """{"customerId":"c-1","occurredAt":"2025-01-01T10:00:00Z","amount":20.5}""",
            """not json at all""",
            """{"customerId":"c-1","occurredAt":"2025-01-02T10:00:00Z"}""",
            """{"customerId":"c-2","type":"visit"}""",
            "",
            """{"customerId":"c-2","occurredAt":"2025-01-03T10:00:00+01:00","type":"visit"}""",
            """{"customerId":"c-3","occurredAt":"2025-01-04T10:00:00Z","type":"teleport"}""",
            """{"customerId":"c-3","occurredAt":"2025-01-04T10:00:00","amount":5}""",
            """{"customerId":"c-3","occurredAt":"2025-01-05T10:00:00Z","amount":7,"type":"web"}""",
        ]);
        var dir = _files.NewOutputDir();
        var (code, stdout, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--config", _files.Config(1));
        Assert.True(code == 0, stderr);
        Assert.Contains($"{input}:2: invalid_json: ", stderr);
        Assert.Contains($"{input}:3: missing_field: neither 'amount' (a purchase) nor 'type' (an engagement) is present", stderr);
        Assert.Contains($"{input}:4: missing_field: required field 'occurredAt' is missing", stderr);
        Assert.Contains($"{input}:7: unknown_type: ", stderr);
        Assert.Contains($"{input}:8: invalid_field: ", stderr);
        Assert.DoesNotContain($"{input}:5:", stderr);

        var summary = BackfillFiles.Summary(dir);
        Assert.Equal(3, summary.GetProperty("events").GetInt64());
        Assert.Equal(2, summary.GetProperty("purchases").GetInt64());
        Assert.Equal(1, summary.GetProperty("engagements").GetInt64());
        Assert.Equal(5, summary.GetProperty("badRows").GetProperty("total").GetInt64());
        var byReason = summary.GetProperty("badRows").GetProperty("byReason");
        Assert.Equal(1, byReason.GetProperty("invalid_json").GetInt64());
        Assert.Equal(2, byReason.GetProperty("missing_field").GetInt64());
        Assert.Equal(1, byReason.GetProperty("unknown_type").GetInt64());
        Assert.Equal(1, byReason.GetProperty("invalid_field").GetInt64());
        Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, "bad-rows.txt")).Length);
        Assert.Equal(3, BackfillFiles.Records(Path.Combine(dir, "segments.jsonl")).Select(r => r.GetProperty("customerId").GetString()).Distinct().Count());
        Assert.Contains("bad rows: 5", stdout);
    }

    [Fact]
    public void Backfill_with_strict_stops_at_the_first_bad_json_line_and_writes_nothing()
    {
        var input = _files.Path("strict.jsonl");
        File.WriteAllLines(input,
        [
            """{"customerId":"c-1","occurredAt":"2025-01-01T10:00:00Z","amount":20.5}""",
            """{"customerId":"c-1","occurredAt":"2025-01-02T10:00:00Z","amount":"ten"}""",
            """{broken""",
        ]);
        var dir = _files.NewOutputDir();
        var (code, _, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--strict", "--config", _files.Config(1));
        Assert.Equal(1, code);
        Assert.Contains($"{input}:2: invalid_field: 'amount' must be a number", stderr);
        Assert.DoesNotContain($"{input}:3:", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "alerts.jsonl")));
        Assert.False(File.Exists(Path.Combine(dir, "summary.json")));
    }

    [Fact]
    public void Backfill_reports_events_further_out_of_time_order_than_the_horizon_as_late_bad_rows()
    {
        // A whole year, then the first day again: those events are more than the horizon behind the watermark.
        var lines = File.ReadLines(population.EventsPath).ToList();
        var firstDay = lines.TakeWhile(l => l.Contains("\"occurredAt\":\"2025-01-01")).ToList();
        Assert.NotEmpty(firstDay);
        var again = _files.Path("first-day-again.jsonl");
        File.WriteAllLines(again, firstDay);
        var dir = _files.NewOutputDir();
        var (code, _, stderr) = BackfillFiles.Backfill("--input", population.EventsPath, "--input", again, "--output-dir", dir,
            "--config", population.ConfigPath, "--show-bad-rows", "1");
        Assert.True(code == 0, stderr);
        Assert.Contains($"{again}:1: late: ", stderr);
        Assert.Contains("all of them are listed in", stderr);
        var summary = BackfillFiles.Summary(dir);
        Assert.Equal(firstDay.Count, summary.GetProperty("lateDropped").GetInt64());
        Assert.Equal(firstDay.Count, summary.GetProperty("badRows").GetProperty("byReason").GetProperty("late").GetInt64());
        Assert.Equal(firstDay.Count, File.ReadAllLines(Path.Combine(dir, "bad-rows.txt")).Length);
    }

    public void Dispose() => _files.Dispose();
}

/// <summary>CSV exports (the UCI "Online Retail" layout) through <c>churnstream backfill</c>.</summary>
public sealed class BackfillCsvSpecs : IDisposable
{
    private const string RetailMap = "customerId=CustomerID,occurredAt=InvoiceDate,quantity=Quantity,unitPrice=UnitPrice,invoice=InvoiceNo";
    private readonly BackfillFiles _files = new();

    /// <summary>
    /// Customer 17850 places one invoice of two lines (6 x 20.00 + 10 x 13.00 = 250.00: one order worth 250), then
    /// cancels one line of it (C536379: -1 x 10.00, a refund); customer 13047 buys on two days, the second one 130
    /// days later, which drives the clock past 17850's inactivity deadlines. Line 5 has no customer id.
    /// </summary>
    private string RetailCsv()
    {
        var path = _files.Path("online-retail.csv");
        File.WriteAllText(path,
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n" +
            "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,20.00,17850,United Kingdom\r\n" +
            "536365,71053,\"WHITE METAL LANTERN, \"\"LARGE\"\"\",10,12/1/2010 8:26,13.00,17850,United Kingdom\r\n" +
            "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,13047,United Kingdom\r\n" +
            "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,,United Kingdom\r\n" +
            "C536379,D,Discount,-1,12/1/2010 9:41,10.00,17850,United Kingdom\r\n" +
            "581587,22613,PACK OF 20 SPACEBOY NAPKINS,12,4/10/2011 12:50,0.85,13047,France\r\n");
        return path;
    }

    [Fact]
    public void Backfill_reads_a_retail_csv_with_quantity_times_price_one_order_per_invoice_and_cancellations_as_refunds()
    {
        var input = RetailCsv();
        var dir = _files.NewOutputDir();
        var (code, stdout, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--config", _files.Config(1),
            "--csv-map", RetailMap, "--csv-date-format", "M/d/yyyy H:mm", "--csv-timezone", "UTC");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"{input}:5: missing_field: CustomerID (the customer id) is empty", stderr);

        var summary = BackfillFiles.Summary(dir);
        Assert.Equal(6, summary.GetProperty("rows").GetInt64());
        Assert.Equal(4, summary.GetProperty("events").GetInt64()); // 536365 (two rows), 536366, C536379, 581587
        Assert.Equal(4, summary.GetProperty("purchases").GetInt64());
        Assert.Equal(1, summary.GetProperty("refunds").GetInt64());
        Assert.Equal(2, summary.GetProperty("customers").GetInt64());
        Assert.Equal("2010-12-01T08:26:00Z", summary.GetProperty("firstEventAt").GetString());
        Assert.Equal(1, summary.GetProperty("badRows").GetProperty("byReason").GetProperty("missing_field").GetInt64());

        // 17850: one order worth 250.00 (medium, a new customer), then a refund of 10.00 (low again, still one order).
        var segments = BackfillFiles.Records(Path.Combine(dir, "segments.jsonl")).Where(r => r.GetProperty("customerId").GetString() == "17850").ToList();
        Assert.Equal("medium", segments[0].GetProperty("segments").GetProperty("value").GetString());
        Assert.Equal("new", segments[0].GetProperty("segments").GetProperty("lifecycle").GetString());
        Assert.Equal("2010-12-01T08:26:00Z", segments[0].GetProperty("changedAt").GetString());
        Assert.Equal("low", segments[1].GetProperty("segments").GetProperty("value").GetString());
        Assert.Equal("2010-12-01T09:41:00Z", segments[1].GetProperty("changedAt").GetString());

        var alerts = BackfillFiles.Records(Path.Combine(dir, "alerts.jsonl")).Where(r => r.GetProperty("customerId").GetString() == "17850").ToList();
        var silent = Assert.Single(alerts, a => a.GetProperty("kind").GetString() == "inactivity" && a.GetProperty("stage").GetString() == "silent");
        Assert.Equal(240.0, silent.GetProperty("customer").GetProperty("lifetimeSpend").GetDouble());
        Assert.Equal(1, silent.GetProperty("customer").GetProperty("orders").GetInt32());
        Assert.Equal("2010-12-01T08:26:00Z", silent.GetProperty("customer").GetProperty("lastPurchaseAt").GetString());
        Assert.Equal("2011-01-30T08:26:00Z", silent.GetProperty("detectedAt").GetString());
        Assert.Contains(alerts, a => a.GetProperty("kind").GetString() == "inactivity" && a.GetProperty("stage").GetString() == "lost");
    }

    [Fact]
    public void Backfill_takes_the_csv_mapping_and_time_zone_from_the_configuration_file()
    {
        var input = RetailCsv();
        var config = _files.Config(1, """
            "Backfill": { "Csv": {
              "Columns": { "customerId": "CustomerID", "occurredAt": "InvoiceDate", "quantity": "Quantity", "unitPrice": "UnitPrice", "invoice": "InvoiceNo" },
              "TimeZone": "Europe/London", "DateFormats": [ "M/d/yyyy H:mm" ] } }
            """);
        var dir = _files.NewOutputDir();
        var (code, stdout, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--config", config);
        Assert.True(code == 0, stdout + stderr);
        var summary = BackfillFiles.Summary(dir);
        Assert.Equal(4, summary.GetProperty("events").GetInt64());
        // 10 April 2011 in London is summer time (UTC+1).
        Assert.Equal("2011-04-10T11:50:00Z", summary.GetProperty("lastEventAt").GetString());
    }

    [Fact]
    public void Backfill_with_strict_fails_at_the_first_csv_row_without_a_customer_id()
    {
        var input = RetailCsv();
        var dir = _files.NewOutputDir();
        var (code, _, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--config", _files.Config(1),
            "--csv-map", RetailMap, "--strict");
        Assert.Equal(1, code);
        Assert.Contains($"{input}:5: missing_field: CustomerID (the customer id) is empty", stderr);
        Assert.Contains("--strict", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "alerts.jsonl")));
    }

    [Fact]
    public void Backfill_rejects_an_incomplete_csv_mapping_with_one_sentence_and_exit_code_2()
    {
        var input = RetailCsv();
        var (code, _, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", _files.NewOutputDir(), "--config", _files.Config(1),
            "--csv-map", "customerId=CustomerID,occurredAt=InvoiceDate,quantity=Quantity");
        Assert.Equal(2, code);
        Assert.Contains("churnstream: Backfill:Csv:Columns: map 'amount', or both 'quantity' and 'unitPrice'", stderr);

        (code, _, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", _files.NewOutputDir(), "--config", _files.Config(1),
            "--csv-map", RetailMap.Replace("CustomerID", "Customer"));
        Assert.Equal(2, code);
        Assert.Contains("the header has no column 'Customer' (mapped to customerId)", stderr);
    }

    public void Dispose() => _files.Dispose();
}

/// <summary>Backfill memory: customer state, not file size.</summary>
public sealed class BackfillMemorySpecs : IDisposable
{
    private readonly BackfillFiles _files = new();

    [Fact]
    public void Backfill_memory_does_not_grow_with_the_file_size()
    {
        // The same 1,000 customers over one year and over four years: about four times the events and output.
        var small = _files.Path("small.jsonl");
        var large = _files.Path("large.jsonl");
        var smallCount = BackfillFiles.WriteEvents(new PopulationGenerator(new GeneratorOptions { Customers = 1000, Days = 240, Seed = 3 }), small);
        var largeCount = BackfillFiles.WriteEvents(new PopulationGenerator(new GeneratorOptions { Customers = 1000, Days = 960, Seed = 3 }), large);
        Assert.True(largeCount >= 3.5 * smallCount, $"{smallCount} / {largeCount}");

        var config = _files.Config(6);
        double Peak(string input)
        {
            var (code, stdout, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", _files.NewOutputDir(), "--config", config);
            Assert.True(code == 0, stderr);
            return BackfillFiles.Figure(stdout, "peak_working_set_mb");
        }
        var smallPeak = Peak(small);
        var largePeak = Peak(large);
        // Generous slack: the runtime, the GC's budget and the customer state are the same; a file held in memory is not.
        Assert.True(largePeak <= smallPeak + 30, $"peak working set {smallPeak} MB for {smallCount} events, {largePeak} MB for {largeCount} events");
    }

    public void Dispose() => _files.Dispose();
}

/// <summary>A backfill over the events the stream consumed gives the stream's own records.</summary>
public sealed class BackfillAgainstTheStreamSpecs(PopulationRun run) : IClassFixture<PopulationRun>, IDisposable
{
    private readonly BackfillFiles _files = new();

    [Fact]
    public void Backfill_over_the_same_events_gives_the_alerts_and_segment_changes_the_stream_published()
    {
        var input = _files.Path("population.jsonl");
        BackfillFiles.WriteEvents(run.Generator, input);
        var dir = _files.NewOutputDir();
        var (code, stdout, stderr) = BackfillFiles.Backfill("--input", input, "--output-dir", dir, "--config", _files.Config(PopulationRun.Partitions));
        Assert.True(code == 0, stdout + stderr);

        // The stream keeps its last hours of event time buffered, the backfill flushes at the end of its input:
        // compare what both decided before the last two days of data.
        var cutoff = run.LastEventMs - 2 * EventTime.MillisPerDay;
        static long At(string json, string field) =>
            System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty(field).GetDateTimeOffset().ToUnixTimeMilliseconds();
        List<string> Before(IEnumerable<string> records, string field) =>
            records.Where(j => At(j, field) < cutoff).Order(StringComparer.Ordinal).ToList();

        var streamAlerts = Before(run.Alerts.Select(a => Encoding.UTF8.GetString(a.Message.Value)), "detectedAt");
        var backfillAlerts = Before(File.ReadLines(Path.Combine(dir, "alerts.jsonl")), "detectedAt");
        Assert.NotEmpty(backfillAlerts);
        Assert.Equal(streamAlerts, backfillAlerts);

        var streamSegments = Before(run.SegmentChanges.Select(s => Encoding.UTF8.GetString(s.Message.Value)), "changedAt");
        var backfillSegments = Before(File.ReadLines(Path.Combine(dir, "segments.jsonl")), "changedAt");
        Assert.Equal(streamSegments, backfillSegments);
    }

    public void Dispose() => _files.Dispose();
}
