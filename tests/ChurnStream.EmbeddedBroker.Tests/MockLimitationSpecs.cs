using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>
/// Pins down what the librdkafka 2.0.2 mock cluster does NOT do like a real broker (documented on
/// <see cref="ChurnStream.EmbeddedBroker.EmbeddedKafkaCluster"/>). When librdkafka is upgraded and one of
/// these starts failing, the limitation is gone: update the class remarks and delete the test.
/// </summary>
public sealed class MockLimitationSpecs
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromSeconds(15);

    [EmbeddedOnlyFact]
    public async Task Mock_limitation_admin_CreateTopics_is_not_served()
    {
        using var kafka = TestKafka.Start();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        await Assert.ThrowsAnyAsync<KafkaException>(() => admin.CreateTopicsAsync(
            [new TopicSpecification { Name = "via-admin", NumPartitions = 1, ReplicationFactor = 1 }],
            new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(5) }));
    }

    [EmbeddedOnlyFact]
    public async Task Mock_behaviour_unknown_topics_are_auto_created_with_four_partitions()
    {
        using var kafka = TestKafka.Start();
        string topic = TestKafka.UniqueName("never-created");
        using (var producer = kafka.Producer())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" });
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(5));
        Assert.Equal(4, metadata.Topics.Single().Partitions.Count);
    }

    [EmbeddedOnlyFact]
    public async Task Mock_limitation_read_committed_still_delivers_aborted_records()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("aborted", partitions: 1);
        using (var producer = kafka.Producer(transactionalId: TestKafka.UniqueName("tx")))
        {
            producer.InitTransactions(TimeSpan.FromSeconds(10));
            producer.BeginTransaction();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "aborted" });
            producer.AbortTransaction(TimeSpan.FromSeconds(10));
        }

        using var reader = kafka.Consumer(TestKafka.UniqueName("reader"), IsolationLevel.ReadCommitted);
        reader.Subscribe(topic);
        var values = TestKafka.ConsumeAtLeast(reader, 1, ConsumeTimeout).Select(r => r.Message.Value).ToList();
        reader.Close();

        Assert.Equal(["aborted"], values);
    }

    [EmbeddedOnlyFact]
    public async Task Mock_limitation_offsets_sent_to_a_committed_transaction_are_not_stored()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("tx-offsets", partitions: 1);
        var partition = new TopicPartition(topic, 0);
        string txGroup = TestKafka.UniqueName("tx-group");
        string plainGroup = TestKafka.UniqueName("plain-group");

        using var consumer = kafka.Consumer(txGroup);
        consumer.Assign(partition);
        using var producer = kafka.Producer(transactionalId: TestKafka.UniqueName("tx"));
        producer.InitTransactions(TimeSpan.FromSeconds(10));
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" });
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 5)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(10));
        producer.CommitTransaction(TimeSpan.FromSeconds(10));

        // Control: an ordinary OffsetCommit on the same cluster is stored.
        using (var plain = kafka.Consumer(plainGroup))
        {
            plain.Commit([new TopicPartitionOffset(partition, 5)]);
            Assert.Equal(5, plain.Committed([partition], TimeSpan.FromSeconds(10)).Single().Offset.Value);
        }

        var committed = consumer.Committed([partition], TimeSpan.FromSeconds(10)).Single();
        Assert.Equal(Offset.Unset, committed.Offset);
    }
}
