using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ChurnStream.Deployment.Tests;

/// <summary>One Dockerfile instruction (continuation lines joined).</summary>
internal sealed record Instruction(string Keyword, string Arguments, int Line);

/// <summary>Dockerfile and .dockerignore, checked by reading (no Docker engine runs here).</summary>
public sealed partial class DockerfileTests
{
    internal static List<Instruction> Parse(string text)
    {
        var result = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                joined = joined[..^1].TrimEnd();
                var next = lines[++i].Trim();
                if (next.StartsWith('#')) { joined += " \\"; continue; }
                joined += " " + next;
            }
            var space = joined.IndexOfAny([' ', '\t']);
            result.Add(space < 0
                ? new Instruction(joined.ToUpperInvariant(), "", start)
                : new Instruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim(), start));
        }
        return result;
    }

    private static List<Instruction> Dockerfile() => Parse(File.ReadAllText(Repo.PathOf("Dockerfile")));

    /// <summary>The instructions of the last stage (the image that runs).</summary>
    private static List<Instruction> FinalStage()
    {
        var all = Dockerfile();
        var lastFrom = all.FindLastIndex(i => i.Keyword == "FROM");
        return all.Skip(lastFrom).ToList();
    }

    /// <summary>The numeric user of the final stage (USER uid[:gid]).</summary>
    internal static int ImageUid()
    {
        var user = FinalStage().Last(i => i.Keyword == "USER").Arguments.Split(':')[0];
        Assert.True(int.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var uid),
            $"USER {user} is not numeric: Kubernetes' runAsNonRoot cannot verify a user name");
        return uid;
    }

    [Fact]
    public void The_parser_joins_continuation_lines()
    {
        var parsed = Parse("# c\nFROM a AS b\nRUN x \\\n    && y\nUSER 1\n");
        Assert.Equal(["FROM", "RUN", "USER"], parsed.Select(i => i.Keyword));
        Assert.Equal("x && y", parsed[1].Arguments);
    }

    [Fact]
    public void Multi_stage_build_from_the_sdk_to_a_debian_bookworm_runtime()
    {
        var froms = Dockerfile().Where(i => i.Keyword == "FROM").Select(i => i.Arguments).ToList();
        Assert.True(froms.Count >= 2, "not a multi-stage build");
        Assert.Contains(froms, f => f.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal) && f.EndsWith(" AS build", StringComparison.Ordinal));
        Assert.Matches("bookworm", froms[^1]);

        var final = FinalStage();
        var installs = string.Join("\n", final.Where(i => i.Keyword == "RUN").Select(i => i.Arguments));
        Assert.Matches(@"apt-get install[^\n]*\blibrdkafka1\b", installs);
        Assert.Matches(@"apt-get install[^\n]*\bcurl\b", installs);
        Assert.Contains(final, i => i.Keyword == "COPY" && i.Arguments.Contains("--from=build", StringComparison.Ordinal) && i.Arguments.EndsWith("/app /app", StringComparison.Ordinal));
        Assert.Contains(Dockerfile(), i => i.Keyword == "RUN" && Regex.IsMatch(i.Arguments, @"dotnet publish src/ChurnStream\S* .*-o /app"));
    }

    [Fact]
    public void Runs_as_a_non_root_user()
    {
        var uid = ImageUid();
        Assert.NotEqual(0, uid);
        var users = FinalStage().Where(i => i.Keyword == "USER").ToList();
        Assert.NotEmpty(users);
        // Nothing after USER switches back.
        Assert.DoesNotContain(FinalStage().SkipWhile(i => i.Keyword != "USER"), i => i.Keyword == "USER" && i.Arguments.Split(':')[0] is "0" or "root");
    }

    [Fact]
    public void Exposes_and_health_checks_the_observability_endpoint()
    {
        var port = AppSettings.MetricsPort;
        var final = FinalStage();
        var expose = Assert.Single(final, i => i.Keyword == "EXPOSE");
        Assert.Equal(port.ToString(CultureInfo.InvariantCulture), expose.Arguments.Split('/')[0]);

        var health = Assert.Single(final, i => i.Keyword == "HEALTHCHECK");
        var url = Regex.Match(health.Arguments, @"https?://[^\s""']+");
        Assert.True(url.Success, "no URL in HEALTHCHECK " + health.Arguments);
        var uri = new Uri(url.Value);
        Assert.Equal(port, uri.Port);
        Assert.Equal("/healthz", uri.AbsolutePath);
        Assert.Matches(@"\bCMD\b.*\bcurl\b.*-f", health.Arguments); // -f: an HTTP 503 is a failed check
    }

    [Fact]
    public void Entrypoint_runs_churnstream_and_the_default_command_is_run()
    {
        var final = FinalStage();
        var entry = Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments;
        Assert.True(entry is "[\"dotnet\", \"/app/churnstream.dll\"]" or "[\"/app/churnstream\"]", "ENTRYPOINT " + entry);
        Assert.Equal("[\"run\"]", Assert.Single(final, i => i.Keyword == "CMD").Arguments);
        var stop = final.SingleOrDefault(i => i.Keyword == "STOPSIGNAL");
        Assert.True(stop is null || stop.Arguments == "SIGTERM");
    }

    [Fact]
    public void The_restore_layer_copies_every_project_file_churnstream_depends_on()
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([Repo.PathOf("src", "ChurnStream", "ChurnStream.csproj")]);
        while (queue.TryDequeue(out var project))
        {
            if (!needed.Add(Path.GetRelativePath(Repo.Root, project).Replace('\\', '/'))) continue;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
                queue.Enqueue(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value)));
        }
        Assert.True(needed.Count > 1);

        var copies = Dockerfile().Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)).ToList();
        var restore = Dockerfile().FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore >= 0, "no dotnet restore step");
        var beforeRestore = Dockerfile().Take(restore).Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToHashSet(StringComparer.Ordinal);
        foreach (var project in needed) Assert.True(beforeRestore.Contains(project), $"{project} is not copied before `dotnet restore`");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            Assert.True(beforeRestore.Contains(file), $"{file} is not copied before `dotnet restore`");
        Assert.NotEmpty(copies);
    }

    [Fact]
    public void Dockerignore_keeps_what_the_build_copies_and_drops_build_output_and_git()
    {
        var ignore = DockerIgnore.Load(Repo.PathOf(".dockerignore"));
        var sources = Dockerfile()
            .Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = source.TrimEnd('/');
            Assert.True(File.Exists(Repo.PathOf(path)) || Directory.Exists(Repo.PathOf(path)), $"COPY {source}: not in the repository");
            Assert.False(ignore.IsExcluded(path), $"COPY {source}: excluded by .dockerignore");
        }
        Assert.False(ignore.IsExcluded("src/ChurnStream/Program.cs"));
        Assert.False(ignore.IsExcluded("config/appsettings.json"));
        foreach (var path in new[] { ".git/HEAD", "src/ChurnStream/bin/Release/churnstream.dll", "src/ChurnStream.Kafka/obj/project.assets.json", "tests/ChurnStream.Domain.Tests/bin/x.dll", "k8s/base/deployment.yaml" })
            Assert.True(ignore.IsExcluded(path), path + " is sent to the build context");
    }

    [Fact]
    public void Dockerignore_matcher_follows_docker_semantics()
    {
        var m = DockerIgnore.Parse("*\n!src/\n**/bin\n!src/keep/bin\n");
        Assert.True(m.IsExcluded("README.md"));
        Assert.False(m.IsExcluded("src/a.cs"));
        Assert.True(m.IsExcluded("src/x/bin/a.dll"));
        Assert.False(m.IsExcluded("src/keep/bin/a.dll"));
    }
}

/// <summary>The .dockerignore rules (Go filepath.Match plus **, ! re-includes, last match wins, parents count).</summary>
internal sealed class DockerIgnore(List<(Regex Pattern, bool Negated)> rules)
{
    public static DockerIgnore Load(string path) => Parse(File.ReadAllText(path));

    public static DockerIgnore Parse(string text)
    {
        var rules = new List<(Regex, bool)>();
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var negated = line.StartsWith('!');
            if (negated) line = line[1..].Trim();
            line = line.Trim('/');
            if (line.StartsWith("./", StringComparison.Ordinal)) line = line[2..];
            var regex = "^" + Regex.Escape(line)
                .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
                .Replace(@"\*\*", ".*", StringComparison.Ordinal)
                .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
                .Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$";
            rules.Add((new Regex(regex, RegexOptions.CultureInvariant), negated));
        }
        return new DockerIgnore(rules);
    }

    public bool IsExcluded(string path)
    {
        var parts = path.Trim('/').Split('/');
        var candidates = Enumerable.Range(1, parts.Length).Select(n => string.Join('/', parts[..n])).ToList();
        var excluded = false;
        foreach (var (pattern, negated) in rules)
        {
            if (candidates.Any(pattern.IsMatch)) excluded = !negated;
        }
        return excluded;
    }
}
