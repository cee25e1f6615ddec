using System.CommandLine;
using ChurnStream.Host.Bench;
using ChurnStream.Host.Hosting;

namespace ChurnStream.Host.Commands;

/// <summary>
/// <c>churnstream bench</c>: the end-to-end figures of docs/benchmarks.md on an embedded broker, one line per figure
/// (<c>name=value unit</c>) on stdout, progress on stderr.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events to pre-produce and process (generated population)", DefaultValueFactory = _ => 1_000_000 };
        var customers = new Option<int>("--customers") { Description = "Customers for the memory and restore figures", DefaultValueFactory = _ => 1_000_000 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of every topic (0: enough to stay under the embedded broker's ~5 MB per partition)", DefaultValueFactory = _ => 0 };
        var repeat = new Option<int>("--repeat") { Description = "Runs of each throughput figure; the median is printed", DefaultValueFactory = _ => 3 };
        var latencySeconds = new Option<int>("--latency-seconds") { Description = "Length of the latency run at half the measured maximum rate", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the generated population", DefaultValueFactory = _ => 7 };
        var engineOnly = new Option<bool>("--engine-only") { Description = "Only the engine alone in memory (no broker): for profiling the domain" };
        var pipelineOnly = new Option<bool>("--pipeline-only") { Description = "Only the full service over the pre-produced events (no raw consume, engine, memory, restore or latency): for profiling" };
        var memoryOnly = new Option<bool>("--memory-only") { Description = "Only bytes_per_customer (no broker): for comparing profile layouts" };
        var latencyRate = new Option<double>("--latency-only-rate") { Description = "Only the latency run, at this rate (events/s)" };
        var latencyNewCustomers = new Option<bool>("--latency-new-customers") { Description = "Latency load: every event the first of a new customer (default: the generated population, replayed live)" };
        var config = CommonOptions.Config();
        var command = new Command("bench", "Throughput, memory, restore and latency figures on an embedded broker (see docs/benchmarks.md)")
        {
            events, customers, partitions, repeat, latencySeconds, seed, engineOnly, pipelineOnly, memoryOnly, latencyRate, latencyNewCustomers, config,
        };
        command.SetAction(parse =>
        {
            var settings = new BenchSettings(parse.GetValue(events), parse.GetValue(customers), parse.GetValue(partitions),
                parse.GetValue(repeat), parse.GetValue(latencySeconds), parse.GetValue(seed)) { EngineOnly = parse.GetValue(engineOnly), PipelineOnly = parse.GetValue(pipelineOnly), MemoryOnly = parse.GetValue(memoryOnly), LatencyOnlyRate = parse.GetValue(latencyRate), LatencyNewCustomers = parse.GetValue(latencyNewCustomers) };
            settings.Validate();
            var app = AppConfiguration.Load(parse.GetValue(config));
            return new BenchRunner(app, settings, Console.Out, Console.Error).Run();
        });
        return command;
    }
}
