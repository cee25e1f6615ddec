using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace ChurnStream.Kafka.Processing;

/// <summary>
/// Worker threads for the partitions' per-record work (parsing, the engine, the outputs): the records of partition
/// <c>p</c> always go to worker <c>p % count</c>, in the order they were read, so each partition's engine stays on one
/// thread and sees its records in order. The polling thread hands them over in batches and, before anything that reads
/// or changes the tasks from outside (a commit, a rebalance, a rewind), waits until every worker is idle
/// (<see cref="Quiesce"/>). Kafka Streams' stream threads split the partitions the same way, each with its own client;
/// here one consumer and one transaction serve them all.
/// </summary>
public sealed class PartitionWorkers<TRecord> : IDisposable
{
    /// <summary>Records handed to a worker at a time; after each batch it shares its watermarks.</summary>
    public const int BatchSize = 256;

    /// <summary>
    /// Batches of records a worker may hold (waiting, or the one in hand) before <see cref="Dispatch"/> waits for it: the polling thread reads
    /// much faster than the workers handle, and without a bound it would hold a whole backlog in memory and make every
    /// <see cref="Quiesce"/> wait for all of it. 64 batches are ~16,000 records, ~0.1 s of a worker's work: a commit tick
    /// waits no longer than that. (8, 32, 64 and 128 all measured within the noise of the unbounded hand-over.)
    /// </summary>
    public const int MaxWaitingBatches = 64;

    private readonly Worker[] _workers;
    private readonly List<TRecord>?[] _filling;
    private volatile ExceptionDispatchInfo? _failure;

    // Batches handed over and not yet handled, over all workers: a worker that hands work to another (a nudge) still
    // counts its own batch, so this reaches zero only when nothing is left anywhere.
    private int _outstanding;
    private readonly object _idleGate = new();

    /// <param name="count">Worker threads (at least 2; one would only add a hand-over to the polling thread's work).</param>
    /// <param name="handle">Handles one record, on the worker of its partition.</param>
    /// <param name="afterBatch">Runs on a worker after each batch (a nudge is a batch of none), with the worker's number.</param>
    public PartitionWorkers(int count, Action<TRecord> handle, Action<int> afterBatch)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "at least 2 workers");
        _filling = new List<TRecord>?[count];
        _workers = new Worker[count];
        for (var i = 0; i < count; i++) _workers[i] = new Worker(this, i, handle, afterBatch);
    }

    public int Count => _workers.Length;

    /// <summary>The worker that runs <paramref name="partition"/>'s records.</summary>
    public int WorkerOf(int partition) => partition % _workers.Length;

    /// <summary>A worker failed; <see cref="ThrowIfFailed"/> (after <see cref="Quiesce"/>) raises its exception on the polling thread.</summary>
    public bool Failed => _failure is not null;

    /// <summary>Records handled by the workers so far.</summary>
    public long Handled => _workers.Sum(w => Volatile.Read(ref w.HandledCount));

    /// <summary>
    /// Queues a record of <paramref name="partition"/> for its worker; it is handed over once its batch is full or at
    /// <see cref="Flush"/>, and the hand-over waits while the worker has <see cref="MaxWaitingBatches"/> batches waiting.
    /// </summary>
    public void Dispatch(int partition, TRecord record)
    {
        var w = WorkerOf(partition);
        var batch = _filling[w] ??= _workers[w].RentBatch();
        batch.Add(record);
        if (batch.Count >= BatchSize)
        {
            _filling[w] = null;
            _workers[w].Enqueue(batch);
        }
    }

    /// <summary>Hands every partly filled batch over (before the polling thread waits for new records).</summary>
    public void Flush()
    {
        for (var w = 0; w < _filling.Length; w++)
        {
            if (_filling[w] is not { Count: > 0 } batch) continue;
            _filling[w] = null;
            _workers[w].Enqueue(batch);
        }
    }

    /// <summary>Hands everything over and waits until every worker has handled all of it.</summary>
    public void Quiesce()
    {
        Flush();
        lock (_idleGate)
            while (Volatile.Read(ref _outstanding) != 0) Monitor.Wait(_idleGate);
    }

    /// <summary>
    /// Asks every worker but <paramref name="except"/> to run its after-batch step once more, with no records. A worker
    /// holds one such request at most: workers that keep moving would otherwise keep nudging each other back and
    /// forth, every nudge answered by another, and the requests would pile up behind the records.
    /// </summary>
    public void Nudge(int except)
    {
        for (var w = 0; w < _workers.Length; w++)
            if (w != except) _workers[w].Nudge();
    }

    private void Counted() => Interlocked.Increment(ref _outstanding);

    private void Done()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0)
            lock (_idleGate) Monitor.PulseAll(_idleGate);
    }

    /// <summary>Raises the first worker failure (once), with its original stack.</summary>
    public void ThrowIfFailed()
    {
        var failure = Interlocked.Exchange(ref _failure, null);
        failure?.Throw();
    }

    private void Fail(Exception ex) => Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);

    public void Dispose()
    {
        foreach (var w in _workers) w.Stop();
    }

    private sealed class Worker
    {
        private readonly PartitionWorkers<TRecord> _owner;
        private readonly Action<TRecord> _handle;
        private readonly Action<int> _afterBatch;
        private readonly int _index;
        private readonly ConcurrentQueue<List<TRecord>> _queue = new();
        private readonly ConcurrentQueue<List<TRecord>> _spare = new();
        private readonly SemaphoreSlim _ready = new(0);
        private readonly SemaphoreSlim _room = new(MaxWaitingBatches);
        private readonly Thread _thread;
        private volatile bool _stopping;
        private int _nudged; // 1 while a nudge waits in the queue
        public long HandledCount;

        public Worker(PartitionWorkers<TRecord> owner, int index, Action<TRecord> handle, Action<int> afterBatch)
        {
            _owner = owner;
            _index = index;
            _handle = handle;
            _afterBatch = afterBatch;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"churnstream-w{index}" };
            _thread.Start();
        }

        public List<TRecord> RentBatch() =>
            _spare.TryDequeue(out var batch) ? batch : new List<TRecord>(BatchSize);

        public void Enqueue(List<TRecord> batch)
        {
            // A nudge (no records) takes no room: a worker nudging another must never wait for it.
            if (batch.Count > 0) _room.Wait();
            // Counted before it is visible, so the count never reaches zero while this batch waits.
            _owner.Counted();
            _queue.Enqueue(batch);
            _ready.Release();
        }

        public void Nudge()
        {
            if (Interlocked.Exchange(ref _nudged, 1) == 0) Enqueue(RentBatch());
        }

        public void Stop()
        {
            _stopping = true;
            _ready.Release();
            _thread.Join();
        }

        private void Loop()
        {
            while (true)
            {
                _ready.Wait();
                if (!_queue.TryDequeue(out var batch))
                {
                    if (_stopping) return;
                    continue;
                }
                // Cleared before the step runs, so a nudge sent while it runs is not lost.
                if (batch.Count == 0) Volatile.Write(ref _nudged, 0);
                // After a failure the rest is dropped: the transaction aborts and the inputs are read again from the last commit.
                if (!_owner.Failed) Run(batch);
                if (batch.Count > 0) _room.Release();
                batch.Clear();
                _spare.Enqueue(batch);
                _owner.Done();
            }
        }

        private void Run(List<TRecord> batch)
        {
            try
            {
                foreach (var record in batch) _handle(record);
                Volatile.Write(ref HandledCount, HandledCount + batch.Count);
                _afterBatch(_index);
            }
            catch (Exception ex)
            {
                _owner.Fail(ex);
            }
        }
    }
}
