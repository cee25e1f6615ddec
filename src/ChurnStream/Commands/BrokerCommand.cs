using System.CommandLine;
using ChurnStream.EmbeddedBroker;
using ChurnStream.Host.Hosting;
using ChurnStream.Kafka.Processing;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream broker</c>: an embedded Kafka-protocol cluster for other processes to use.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers", DefaultValueFactory = _ => 3 };
        var partitions = new Option<int?>("--partitions") { Description = "Partitions per topic (default Kafka:Partitions, 6)" };
        var command = new Command("broker", "Start an embedded Kafka-protocol cluster (librdkafka's mock cluster) with ChurnStream's topics, and serve until SIGINT/SIGTERM")
        {
            config, brokers, partitions,
        };
        command.SetAction(parse =>
        {
            var app = AppConfiguration.Load(parse.GetValue(config));
            var brokerCount = parse.GetValue(brokers);
            var partitionCount = parse.GetValue(partitions) ?? app.Stream.Kafka.Partitions;
            if (brokerCount is < 1 or > 32) throw new ConfigurationProblem("--brokers must be between 1 and 32");
            if (partitionCount is < 1 or > 1000) throw new ConfigurationProblem("--partitions must be between 1 and 1000");

            using var signal = new ShutdownSignal();
            using var cluster = EmbeddedKafkaCluster.Start(brokerCount);
            // The live topology, and the topics of a replay with the default suffix (the embedded broker cannot create topics on demand).
            var replay = ReplayPlan.OptionsFor(app.Stream, ReplayCommand.DefaultSuffix).Topics;
            foreach (var topic in app.Stream.Topics.All.Union(replay.All)) cluster.CreateTopic(topic, partitionCount, Math.Min(3, brokerCount));
            Console.Out.WriteLine($"bootstrap.servers={cluster.BootstrapServers}");
            Console.Out.Flush();
            Console.Error.WriteLine($"churnstream broker: {brokerCount} brokers, topics {string.Join(", ", app.Stream.Topics.All)} with {partitionCount} partitions; Ctrl-C to stop");
            signal.Token.WaitHandle.WaitOne();
            return 0;
        });
        return command;
    }
}
