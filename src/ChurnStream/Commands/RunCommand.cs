using System.CommandLine;
using ChurnStream.Host.Hosting;
using Microsoft.Extensions.Logging;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream run</c>: the stream service.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var bootstrap = CommonOptions.BootstrapServers();
        var group = new Option<string?>("--group-id") { Description = "Consumer group (default churnstream)" };
        var metricsPort = CommonOptions.MetricsPort();
        var command = new Command("run", "Run the stream service: consume purchases and engagements, publish alerts and segment changes")
        {
            config, bootstrap, group, metricsPort,
        };
        command.SetAction(parse =>
        {
            var app = AppConfiguration.Load(parse.GetValue(config));
            if (parse.GetValue(bootstrap) is { } b) app.Stream.Kafka.BootstrapServers = b;
            if (parse.GetValue(group) is { } g) app.Stream.Kafka.GroupId = g;
            return Run(app, CommonOptions.Listen(app.Observability.Listen, parse.GetValue(metricsPort)));
        });
        return command;
    }

    private static int Run(AppConfiguration app, string listen)
    {
        var errors = app.Stream.Validate();
        if (errors.Count > 0)
        {
            foreach (var e in errors) Console.Error.WriteLine("churnstream: " + e);
            return 2;
        }
        using var logs = Logs.Create(app.Logging);
        var log = logs.CreateLogger("churnstream");
        using var signal = new ShutdownSignal();
        var runtime = new ServiceRuntime(app.Stream, listen, logs);
        try
        {
            runtime.Start();
            log.LogInformation("Service started: group {Group}, bootstrap {Bootstrap}, metrics {Listen}",
                app.Stream.Kafka.GroupId, app.Stream.Kafka.BootstrapServers, runtime.Server.LocalEndpoint?.ToString() ?? "off");
            runtime.WaitUntilStopped(signal.Token);
            if (signal.Token.IsCancellationRequested)
            {
                log.LogInformation("Stopping on signal");
                if (!runtime.Stop(TimeSpan.FromSeconds(8))) log.LogWarning("Processor did not stop within 8 s");
            }
            if (runtime.Failure is { } f)
            {
                log.LogError("Service stopped: {Reason}", f.Message);
                return 1;
            }
            return 0;
        }
        finally
        {
            runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
