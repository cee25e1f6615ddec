using System.CommandLine;
using ChurnStream.Host.Commands;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka.Processing;

var root = new RootCommand("ChurnStream: real-time churn detection over Kafka. Watches purchases and engagements per customer and says who is drifting away.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(BrokerCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(ModelCommand.Create());
root.Subcommands.Add(BackfillCommand.Create());
root.Subcommands.Add(BenchCommand.Create());

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"churnstream: {parsed.Errors[0].Message} (see 'churnstream {string.Join(' ', parsed.CommandResult.Command.Name == root.Name ? "" : parsed.CommandResult.Command.Name)} --help')".Replace("  ", " "));
    return 2;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is ConfigurationProblem or OptionsValidationException or ArgumentException)
{
    Console.Error.WriteLine("churnstream: " + ex.Message);
    return 2;
}
catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException or DllNotFoundException)
{
    Console.Error.WriteLine("churnstream: " + ex.Message);
    return 1;
}
