using System.Diagnostics;
using Confluent.Kafka;

namespace ChurnStream.EmbeddedBroker.Tests;

/// <summary>What a Kafka client can rely on from the cluster (embedded, or the one in KAFKA_BOOTSTRAP_SERVERS).</summary>
public sealed class ClusterSpecs
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Cluster_serves_produce_and_consume_on_a_created_topic()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("orders", partitions: 3);

        using (var producer = kafka.Producer())
        {
            for (int i = 0; i < 30; i++)
            {
                var dr = await producer.ProduceAsync(
                    new TopicPartition(topic, i % 3), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
                Assert.Equal(PersistenceStatus.Persisted, dr.Status);
            }
        }

        using var consumer = kafka.Consumer(TestKafka.UniqueName("g"));
        consumer.Subscribe(topic);
        var got = TestKafka.ConsumeAtLeast(consumer, 30, ConsumeTimeout);
        consumer.Close();

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"k{i}=v{i}").Order(), got.Select(r => $"{r.Message.Key}={r.Message.Value}").Order());
        Assert.Equal([0, 1, 2], got.Select(r => r.Partition.Value).Distinct().Order());
        Assert.All(got, r => Assert.Equal(int.Parse(r.Message.Key[1..], System.Globalization.CultureInfo.InvariantCulture) % 3, r.Partition.Value));
        Assert.All(got.GroupBy(r => r.Partition.Value), p => Assert.Equal(Enumerable.Range(0, 10).Select(o => (long)o), p.Select(r => r.Offset.Value)));
    }

    [Fact]
    public async Task Records_keep_their_per_partition_order_and_committed_offsets_are_resumed_by_the_group()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("events", partitions: 1);
        string group = TestKafka.UniqueName("g");

        using (var producer = kafka.Producer())
        {
            for (int i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string> { Key = "c-1", Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        using (var first = kafka.Consumer(group))
        {
            first.Subscribe(topic);
            var firstFour = TestKafka.ConsumeAtLeast(first, 4, ConsumeTimeout).Take(4).ToList();
            Assert.Equal(["0", "1", "2", "3"], firstFour.Select(r => r.Message.Value));
            first.Commit([new TopicPartitionOffset(firstFour[^1].TopicPartition, firstFour[^1].Offset + 1)]);
            first.Close();
        }

        using var second = kafka.Consumer(group);
        second.Subscribe(topic);
        var rest = TestKafka.ConsumeAtLeast(second, 6, ConsumeTimeout);
        second.Close();
        Assert.Equal(["4", "5", "6", "7", "8", "9"], rest.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task Consumer_group_of_two_shares_the_partitions()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("shared", partitions: 4);
        string group = TestKafka.UniqueName("g");

        using var a = kafka.Consumer(group);
        using var b = kafka.Consumer(group);
        a.Subscribe(topic);
        b.Subscribe(topic);

        // Poll both until the group has settled: both members own partitions and together own all four.
        var readA = new List<ConsumeResult<string, string>>();
        var readB = new List<ConsumeResult<string, string>>();
        var clock = Stopwatch.StartNew();
        while (!(a.Assignment.Count > 0 && b.Assignment.Count > 0 && a.Assignment.Count + b.Assignment.Count == 4)
               && clock.Elapsed < TimeSpan.FromSeconds(25))
        {
            readA.AddRange(TestKafka.ConsumeFor(a, TimeSpan.FromMilliseconds(100)));
            readB.AddRange(TestKafka.ConsumeFor(b, TimeSpan.FromMilliseconds(100)));
        }

        var ownedA = a.Assignment.Select(tp => tp.Partition.Value).ToHashSet();
        var ownedB = b.Assignment.Select(tp => tp.Partition.Value).ToHashSet();
        Assert.NotEmpty(ownedA);
        Assert.NotEmpty(ownedB);
        Assert.Empty(ownedA.Intersect(ownedB));
        Assert.Equal([0, 1, 2, 3], ownedA.Union(ownedB).Order());

        using (var producer = kafka.Producer())
        {
            for (int i = 0; i < 40; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, i % 4), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        clock.Restart();
        while (readA.Count + readB.Count < 40 && clock.Elapsed < ConsumeTimeout)
        {
            readA.AddRange(TestKafka.ConsumeFor(a, TimeSpan.FromMilliseconds(100)));
            readB.AddRange(TestKafka.ConsumeFor(b, TimeSpan.FromMilliseconds(100)));
        }

        Assert.All(readA, r => Assert.Contains(r.Partition.Value, ownedA));
        Assert.All(readB, r => Assert.Contains(r.Partition.Value, ownedB));
        Assert.Equal(40, readA.Concat(readB).Select(r => r.Message.Key).Distinct().Count());
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task Transactions_commit_with_SendOffsetsToTransaction()
    {
        using var kafka = TestKafka.Start();
        string input = kafka.CreateTopic("tx-in", partitions: 2);
        string output = kafka.CreateTopic("tx-out", partitions: 2);
        string group = TestKafka.UniqueName("g");

        using (var seed = kafka.Producer())
        {
            for (int i = 0; i < 10; i++)
            {
                await seed.ProduceAsync(new TopicPartition(input, i % 2), new Message<string, string> { Key = $"k{i}", Value = $"{i}" });
            }
        }

        // Consume-transform-produce, exactly once: output records and input offsets in one transaction.
        using var consumer = kafka.Consumer(group);
        using var producer = kafka.Producer(transactionalId: TestKafka.UniqueName("tx"));
        producer.InitTransactions(TimeSpan.FromSeconds(10));
        consumer.Subscribe(input);
        var batch = TestKafka.ConsumeAtLeast(consumer, 10, ConsumeTimeout);
        Assert.Equal(10, batch.Count);

        producer.BeginTransaction();
        foreach (var r in batch)
        {
            producer.Produce(new TopicPartition(output, r.Partition), new Message<string, string> { Key = r.Message.Key, Value = $"x{r.Message.Value}" });
        }

        var offsets = batch.GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))
            .ToList();
        producer.SendOffsetsToTransaction(offsets, consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(10));
        producer.CommitTransaction(TimeSpan.FromSeconds(10));
        consumer.Close();

        using var reader = kafka.Consumer(TestKafka.UniqueName("reader"), IsolationLevel.ReadCommitted);
        reader.Subscribe(output);
        var transformed = TestKafka.ConsumeAtLeast(reader, 10, ConsumeTimeout);
        reader.Close();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"x{i}").Order(), transformed.Select(r => r.Message.Value).Order());

        if (TestKafka.UsesExternalCluster)
        {
            // A real broker stores the offsets sent with the transaction (the 2.0.2 mock does not: see MockLimitationSpecs).
            using var probe = kafka.Consumer(group);
            var committed = probe.Committed(offsets.Select(o => o.TopicPartition), TimeSpan.FromSeconds(10));
            Assert.Equal(offsets.Select(o => o.Offset.Value).Order(), committed.Select(o => o.Offset.Value).Order());
        }
    }

    [Fact]
    public async Task Transactions_that_abort_are_not_committed_and_the_producer_carries_on()
    {
        using var kafka = TestKafka.Start();
        string topic = kafka.CreateTopic("tx-abort", partitions: 1);

        using var producer = kafka.Producer(transactionalId: TestKafka.UniqueName("tx"));
        producer.InitTransactions(TimeSpan.FromSeconds(10));

        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "aborted" });
        producer.AbortTransaction(TimeSpan.FromSeconds(10));

        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "committed" });
        producer.CommitTransaction(TimeSpan.FromSeconds(10));

        using var reader = kafka.Consumer(TestKafka.UniqueName("reader"), IsolationLevel.ReadCommitted);
        reader.Subscribe(topic);
        var values = TestKafka.ConsumeAtLeast(reader, TestKafka.UsesExternalCluster ? 1 : 2, ConsumeTimeout).Select(r => r.Message.Value).ToList();
        reader.Close();

        Assert.Contains("committed", values);
        if (TestKafka.UsesExternalCluster)
        {
            Assert.DoesNotContain("aborted", values);
        }
    }
}
