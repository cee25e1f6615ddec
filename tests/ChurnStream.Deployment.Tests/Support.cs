using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace ChurnStream.Deployment.Tests;

/// <summary>Repository paths, the service's configuration, YAML loading and external tools.</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChurnStream.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("ChurnStream.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>config/appsettings.json, the source of truth the deployment files must agree with.</summary>
internal static class AppSettings
{
    private static readonly Lazy<JsonElement> Json = new(() =>
        JsonDocument.Parse(File.ReadAllText(Repo.PathOf("config", "appsettings.json"))).RootElement.Clone());

    public static JsonElement Root => Json.Value;

    /// <summary>Port of Observability:Listen (host:port, :port or a bare port).</summary>
    public static int MetricsPort
    {
        get
        {
            var listen = Root.GetProperty("Observability").GetProperty("Listen").GetString()!.Trim().TrimEnd('/');
            var colon = listen.LastIndexOf(':');
            return int.Parse(colon < 0 ? listen : listen[(colon + 1)..], CultureInfo.InvariantCulture);
        }
    }

    public static int Partitions => Root.GetProperty("Kafka").GetProperty("Partitions").GetInt32();
    public static int ReplicationFactor => Root.GetProperty("Kafka").GetProperty("ReplicationFactor").GetInt32();
    public static string GroupId => Root.GetProperty("Kafka").GetProperty("GroupId").GetString()!;

    /// <summary>The Topics section: setting name -> topic name.</summary>
    public static IReadOnlyDictionary<string, string> Topics =>
        Root.GetProperty("Topics").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}

/// <summary>A YAML document turned into plain objects: maps, lists and scalar strings.</summary>
internal sealed class Doc(string source, object? root)
{
    public string Source { get; } = source;
    public object? Root { get; } = root;

    public string? Kind => Str("kind");
    public string? Name => Str("metadata.name");
    public string? Namespace => Str("metadata.namespace");

    /// <summary>Follows a dotted path; [n] indexes a list. Keys containing dots: use <see cref="Get(string[])"/>.</summary>
    public object? Get(string path) => Get(path.Split('.'));

    public object? Get(params string[] parts)
    {
        object? node = Root;
        foreach (var part in parts)
        {
            var key = part;
            int? index = null;
            var bracket = part.IndexOf('[');
            if (bracket >= 0)
            {
                key = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture);
            }
            if (key.Length > 0)
            {
                if (node is not Dictionary<string, object?> map || !map.TryGetValue(key, out node)) return null;
            }
            if (index is { } i)
            {
                if (node is not List<object?> list || i >= list.Count) return null;
                node = list[i];
            }
        }
        return node;
    }

    public string? Str(string path) => Get(path) as string;
    public string? Str(params string[] parts) => Get(parts) as string;
    public int? Int(string path) => Str(path) is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    public List<object?> List(string path) => Get(path) as List<object?> ?? [];
    public Dictionary<string, object?> Map(string path) => Get(path) as Dictionary<string, object?> ?? [];

    public override string ToString() => $"{Kind}/{Name} ({Source})";
}

internal static class Yaml
{
    /// <summary>Every document of a multi-document YAML text (empty documents dropped).</summary>
    public static List<Doc> Parse(string text, string source)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(d => new Doc(source, Convert(d.RootNode)))
            .ToList();
    }

    public static List<Doc> Load(string path) => Parse(File.ReadAllText(path), Path.GetRelativePath(Repo.Root, path));

    public static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode sc => sc.Value,
        _ => throw new InvalidDataException("unsupported YAML node " + node.GetType().Name),
    };

    /// <summary>Every .yaml/.yml file under k8s/.</summary>
    public static IEnumerable<string> K8sFiles() =>
        Directory.EnumerateFiles(Repo.PathOf("k8s"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}

internal sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

internal static class Tools
{
    /// <summary>
    /// Runs a program; a missing program is a test failure (never a skip): the Makefile/CI installs
    /// yamllint (Debian package) and the machine image has kubectl.
    /// </summary>
    public static ToolResult Run(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"'{program}' is not installed ({ex.Message}); install it (apt-get install -y {program}).");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"'{program}' did not finish within 60 s");
            }
            return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    private static readonly Dictionary<string, List<Doc>> Rendered = new(StringComparer.Ordinal);

    /// <summary>`kubectl kustomize k8s/&lt;dir&gt;`, parsed (cached per directory).</summary>
    public static List<Doc> Kustomize(string dir)
    {
        lock (Rendered)
        {
            if (Rendered.TryGetValue(dir, out var cached)) return cached;
            var result = Run("kubectl", ["kustomize", Repo.PathOf("k8s", dir)]);
            if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException($"kubectl kustomize k8s/{dir} failed: {result}");
            var docs = Yaml.Parse(result.Stdout, "kustomize k8s/" + dir);
            Rendered[dir] = docs;
            return docs;
        }
    }
}
