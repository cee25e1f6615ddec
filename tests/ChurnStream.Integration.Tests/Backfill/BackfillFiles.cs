using System.Text.Json;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests.Backfill;

/// <summary>Temporary input files, configurations and output directories for the backfill specifications.</summary>
public sealed class BackfillFiles : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("churnstream-backfill-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    /// <summary>A configuration file with only the partition count (everything else at its default).</summary>
    public string Config(int partitions, string? extra = null)
    {
        var path = Path($"config-{partitions}-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{ "Kafka": { "Partitions": {{partitions}} }{{(extra is null ? "" : ", " + extra)}} }""");
        return path;
    }

    /// <summary>The generator's events as JSON Lines, in stream (delivery) order; returns the number of lines.</summary>
    public static long WriteEvents(PopulationGenerator generator, string path)
    {
        long n = 0;
        using var file = new BufferedStream(File.Create(path), 1 << 16);
        foreach (var e in generator.GenerateEvents())
        {
            file.Write(e.Json);
            file.WriteByte((byte)'\n');
            n++;
        }
        return n;
    }

    public string NewOutputDir() => Path("out-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Runs <c>churnstream backfill</c> as a process.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Backfill(params string[] args) =>
        Processes.Run("dotnet", new[] { Processes.ChurnstreamDll, "backfill" }.Concat(args), timeout: TimeSpan.FromMinutes(4));

    public static JsonElement Summary(string outputDir) =>
        JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(outputDir, "summary.json"))).RootElement;

    public static List<JsonElement> Records(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    /// <summary>The last value of <c>name=</c> on the machine-readable last line of the printed summary.</summary>
    public static double Figure(string stdout, string name)
    {
        var last = stdout.TrimEnd().Split('\n')[^1];
        var token = last.Split(' ').Single(t => t.StartsWith(name + "=", StringComparison.Ordinal));
        return double.Parse(token[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One generated population (400 customers, a year) as a JSON Lines file, shared by the specifications that read it.</summary>
public sealed class GeneratedPopulationFile : IDisposable
{
    public const int Partitions = 3;

    public BackfillFiles Files { get; } = new();
    public PopulationGenerator Generator { get; } = new(new GeneratorOptions { Customers = 400, Days = 365, Seed = 5 });
    public string EventsPath { get; }
    public string ConfigPath { get; }
    public long Lines { get; }

    public GeneratedPopulationFile()
    {
        EventsPath = Files.Path("events.jsonl");
        Lines = BackfillFiles.WriteEvents(Generator, EventsPath);
        ConfigPath = Files.Config(Partitions);
    }

    public void Dispose() => Files.Dispose();
}
