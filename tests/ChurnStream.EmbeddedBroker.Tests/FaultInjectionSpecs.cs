using ChurnStream.EmbeddedBroker;
using Confluent.Kafka;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>Faults injected into the embedded cluster, as Confluent.Kafka clients see them.</summary>
public sealed class FaultInjectionSpecs
{
    [EmbeddedOnlyFact]
    public async Task Broker_taken_down_and_brought_back_is_survived_by_a_producer()
    {
        using var kafka = TestKafka.Start();
        var cluster = kafka.Cluster;
        string topic = kafka.CreateTopic("survive", partitions: 1);
        cluster.SetPartitionLeader(topic, 0, brokerId: 1);

        using var producer = kafka.Producer();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "before" });

        cluster.SetBrokerDown(1);
        var during = producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "during" });
        await Task.WhenAny(during, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.False(during.IsCompleted, "the leader is down, so the record cannot have been acknowledged");

        cluster.SetBrokerUp(1);
        var dr = await during.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(PersistenceStatus.Persisted, dr.Status);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "after" });

        using var consumer = kafka.Consumer(TestKafka.UniqueName("g"));
        consumer.Subscribe(topic);
        var values = TestKafka.ConsumeAtLeast(consumer, 3, TimeSpan.FromSeconds(15)).Select(r => r.Message.Value);
        consumer.Close();
        Assert.Equal(["before", "during", "after"], values);
    }

    [EmbeddedOnlyFact]
    public async Task A_record_whose_leader_stays_down_times_out()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("down", partitions: 1);
        kafka.Cluster.SetPartitionLeader(topic, 0, brokerId: 2);

        var config = kafka.ProducerConfig();
        config.MessageTimeoutMs = 2_000;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "ok" });

        kafka.Cluster.SetBrokerDown(2);
        var ex = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "lost" }));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, ex.Error.Code);
    }

    [EmbeddedOnlyFact]
    public async Task Pushed_retriable_produce_errors_are_retried_transparently()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("retry", partitions: 1);
        using var producer = kafka.Producer();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "warm-up" });

        kafka.Cluster.PushRequestErrors(KafkaApiKeys.Produce,
            (int)ErrorCode.NotEnoughReplicas, (int)ErrorCode.NotEnoughReplicas, (int)ErrorCode.RequestTimedOut);
        var dr = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "retried" });

        Assert.Equal(PersistenceStatus.Persisted, dr.Status);
        Assert.Equal(1, dr.Offset.Value); // no duplicates from the retries (idempotent producer)
    }

    [EmbeddedOnlyFact]
    public async Task Pushed_fatal_produce_errors_fail_the_delivery()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("fatal", partitions: 1);
        var config = kafka.ProducerConfig();
        config.EnableIdempotence = false;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "warm-up" });

        kafka.Cluster.PushRequestErrors(KafkaApiKeys.Produce, (int)ErrorCode.TopicAuthorizationFailed);
        var ex = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "refused" }));

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, ex.Error.Code);
    }

    [EmbeddedOnlyFact]
    public void Transactions_need_their_coordinator_which_SetCoordinator_chooses()
    {
        using var kafka = TestKafka.Start();
        string txId = TestKafka.UniqueName("tx");
        kafka.Cluster.SetCoordinator("transaction", txId, brokerId: 3);
        kafka.Cluster.SetBrokerDown(3);

        using var producer = kafka.Producer(transactionalId: txId);
        var ex = Assert.Throws<KafkaRetriableException>(() => producer.InitTransactions(TimeSpan.FromSeconds(2)));
        Assert.Equal(ErrorCode.Local_TimedOut, ex.Error.Code);

        kafka.Cluster.SetBrokerUp(3);
        producer.InitTransactions(TimeSpan.FromSeconds(10));
        producer.BeginTransaction();
        producer.CommitTransaction(TimeSpan.FromSeconds(10));
    }

    [EmbeddedOnlyFact]
    public async Task A_consumer_follows_a_moved_partition_leader()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("moved", partitions: 1);
        kafka.Cluster.SetPartitionLeader(topic, 0, brokerId: 1);

        using var producer = kafka.Producer();
        using var consumer = kafka.Consumer(TestKafka.UniqueName("g"));
        consumer.Subscribe(topic);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "on-1" });
        Assert.Single(TestKafka.ConsumeAtLeast(consumer, 1, TimeSpan.FromSeconds(15)));

        kafka.Cluster.SetPartitionLeader(topic, 0, brokerId: 2);
        kafka.Cluster.SetBrokerDown(1);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "on-2" }).WaitAsync(TimeSpan.FromSeconds(15));

        var next = TestKafka.ConsumeAtLeast(consumer, 1, TimeSpan.FromSeconds(15));
        consumer.Close();
        Assert.Equal(["on-2"], next.Select(r => r.Message.Value));
    }
}
