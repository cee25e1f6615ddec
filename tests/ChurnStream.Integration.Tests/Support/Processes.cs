using System.Diagnostics;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>Runs programs (kcat, the churnstream executable) as separate processes, with bounded waits.</summary>
public static class Processes
{
    public static string ChurnstreamDll => Path.Combine(AppContext.BaseDirectory, "churnstream.dll");

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        using var p = Start(file, args, redirectInput: stdin is not null);
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int ExitCode, string Stdout, string Stderr) Churnstream(params string[] args) =>
        Run("dotnet", new[] { ChurnstreamDll }.Concat(args), timeout: TimeSpan.FromSeconds(120));

    public static Process Start(string file, IEnumerable<string> args, bool redirectInput = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
    }

    /// <summary>kcat from Debian: a Kafka client nobody here wrote. The suite's set-up (make test) installs it.</summary>
    public static string Kcat => File.Exists("/usr/bin/kcat") ? "/usr/bin/kcat"
        : throw new InvalidOperationException("kcat is not installed (apt-get install kcat; 'make test' does this)");
}
