using System.Collections.Concurrent;
using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>The worker threads that run the partitions' records: order, hand-over, waiting for them, failures.</summary>
public sealed class PartitionWorkersSpecs
{
    [Fact]
    public void Each_partition_is_handled_in_the_order_read_and_always_on_the_same_thread()
    {
        var seen = new ConcurrentQueue<(int Partition, int Sequence, int Thread)>();
        using var workers = new PartitionWorkers<(int Partition, int Sequence)>(3,
            r => seen.Enqueue((r.Partition, r.Sequence, Environment.CurrentManagedThreadId)), _ => { });

        for (var i = 0; i < 20_000; i++) workers.Dispatch(i % 7, (i % 7, i));
        workers.Quiesce();

        Assert.Equal(20_000, seen.Count);
        foreach (var partition in seen.GroupBy(s => s.Partition))
        {
            var sequences = partition.Select(s => s.Sequence).ToList();
            Assert.Equal(sequences.Order(), sequences);
            Assert.Single(partition.Select(s => s.Thread).Distinct());
        }
        // Partitions 0, 3 and 6 share worker 0: one thread for all three.
        Assert.Single(seen.Where(s => s.Partition % 3 == 0).Select(s => s.Thread).Distinct());
        Assert.Equal(3, seen.Select(s => s.Thread).Distinct().Count());
    }

    [Fact]
    public void A_partly_filled_batch_waits_for_the_flush_and_quiesce_waits_for_all_of_it()
    {
        var handled = 0;
        using var workers = new PartitionWorkers<int>(2, _ => { Thread.Sleep(20); Interlocked.Increment(ref handled); }, _ => { });

        for (var i = 0; i < 5; i++) workers.Dispatch(i, i);
        Thread.Sleep(100);
        Assert.Equal(0, Volatile.Read(ref handled));

        workers.Quiesce();
        Assert.Equal(5, Volatile.Read(ref handled));
        Assert.Equal(5, workers.Handled);
    }

    [Fact]
    public void A_worker_failure_is_raised_once_on_the_polling_thread_and_that_worker_handles_nothing_more()
    {
        var handled = new ConcurrentQueue<int>();
        using var workers = new PartitionWorkers<int>(2, r =>
        {
            if (r == 10) throw new InvalidOperationException("record 10 is bad");
            handled.Enqueue(r);
        }, _ => { });

        for (var i = 0; i < 40; i += 2) workers.Dispatch(0, i); // all on worker 0, one batch
        workers.Quiesce();

        Assert.True(workers.Failed);
        var thrown = Assert.Throws<InvalidOperationException>(workers.ThrowIfFailed);
        Assert.Equal("record 10 is bad", thrown.Message);
        Assert.Equal([0, 2, 4, 6, 8], handled.Order());
        workers.ThrowIfFailed(); // raised once
    }

    [Fact]
    public void The_after_batch_step_runs_after_every_batch_and_a_nudge_runs_it_on_the_others()
    {
        var steps = new int[3];
        var handledWhenStepped = new ConcurrentQueue<int>();
        var handled = 0;
        using var workers = new PartitionWorkers<int>(3, _ => handled++, w =>
        {
            Interlocked.Increment(ref steps[w]);
            if (w == 0) handledWhenStepped.Enqueue(handled);
        });

        for (var i = 0; i < 600; i++) workers.Dispatch(0, i);
        workers.Quiesce();
        Assert.Equal([256, 512, 600], handledWhenStepped);
        Assert.Equal([3, 0, 0], steps);

        workers.Nudge(except: 0);
        workers.Quiesce();
        Assert.Equal([3, 1, 1], steps);
    }

    [Fact]
    public void A_worker_holds_one_nudge_at_most_however_often_it_is_nudged()
    {
        using var release = new ManualResetEventSlim();
        var steps = new int[2];
        using var workers = new PartitionWorkers<int>(2, _ => release.Wait(), w => Interlocked.Increment(ref steps[w]));

        workers.Dispatch(1, 0);
        workers.Flush(); // worker 1 is busy with its record, or about to be
        for (var i = 0; i < 5; i++) workers.Nudge(except: 0);
        release.Set();
        workers.Quiesce();

        Assert.Equal([0, 2], steps); // after its batch, and once for the five nudges
    }

    [Fact]
    public void Work_a_worker_hands_to_another_is_waited_for_too()
    {
        PartitionWorkers<int>? workers = null;
        var nudged = 0;
        using (workers = new PartitionWorkers<int>(2, _ => { }, w =>
               {
                   if (w == 0) workers!.Nudge(except: 0);
                   else { Thread.Sleep(50); Interlocked.Increment(ref nudged); }
               }))
        {
            workers.Dispatch(0, 1);
            workers.Quiesce();
            Assert.Equal(1, Volatile.Read(ref nudged));
        }
    }

    [Fact]
    public void The_polling_thread_waits_while_a_worker_has_its_limit_of_batches_waiting()
    {
        using var release = new ManualResetEventSlim();
        var handled = 0;
        using var workers = new PartitionWorkers<int>(2, _ => { release.Wait(); Interlocked.Increment(ref handled); }, _ => { });
        const int perBatch = 256;
        var limit = (PartitionWorkers<int>.MaxWaitingBatches + 1) * perBatch; // handed over (the one in hand included), and one being filled

        var dispatched = 0;
        var polling = new Thread(() =>
        {
            for (var i = 0; i < limit + 2 * perBatch; i++)
            {
                workers.Dispatch(0, i);
                Volatile.Write(ref dispatched, i + 1);
            }
        });
        polling.Start();
        Thread.Sleep(300);

        Assert.True(polling.IsAlive);
        Assert.InRange(Volatile.Read(ref dispatched), limit - perBatch, limit + perBatch);
        release.Set();
        polling.Join();
        workers.Quiesce();
        Assert.Equal(limit + 2 * perBatch, Volatile.Read(ref handled));
    }
}
