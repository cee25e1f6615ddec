using ChurnStream.Domain.Options;

namespace ChurnStream.Kafka.Options;

/// <summary>The names of every topic ChurnStream reads or writes.</summary>
public sealed class TopicOptions
{
    public string Purchases { get; set; } = "purchases";
    public string Engagements { get; set; } = "engagements";
    public string Alerts { get; set; } = "churn-alerts";
    public string Segments { get; set; } = "customer-segments";
    public string DeadLetter { get; set; } = "churnstream-dlq";
    public string Repartition { get; set; } = "churnstream-repartition";

    /// <summary>The state of every partition: profiles keyed by customer, and a checkpoint per partition (compacted).</summary>
    public string Changelog { get; set; } = "churnstream-changelog";

    /// <summary>
    /// The optional customers table (compacted; key customerId; <c>source</c>, <c>signedUpAt</c>, <c>region</c>), joined
    /// into the profiles. Empty: not read.
    /// </summary>
    public string Customers { get; set; } = "";

    public IEnumerable<string> Inputs => [Purchases, Engagements, Repartition];

    /// <summary>Everything the service consumes: the event inputs and, when configured, the customers table.</summary>
    public IEnumerable<string> Subscribed => string.IsNullOrEmpty(Customers) ? Inputs : [.. Inputs, Customers];
    public IEnumerable<string> Outputs => [Alerts, Segments, DeadLetter];

    /// <summary>Every topic the service's producer writes: the outputs, forwarded events and watermarks, the changelog.</summary>
    public IEnumerable<string> Produced => [.. Outputs, Repartition, Changelog];

    /// <summary>The topics that must have the inputs' partition count: partition p of each belongs to the same task.</summary>
    public IEnumerable<string> CoPartitioned => string.IsNullOrEmpty(Customers)
        ? [Purchases, Engagements, Repartition, Changelog]
        : [Purchases, Engagements, Repartition, Changelog, Customers];

    public IEnumerable<string> All => [.. CoPartitioned, Alerts, Segments, DeadLetter];

    internal void Validate(List<string> errors)
    {
        var names = All.ToList();
        foreach (var n in names)
            if (string.IsNullOrWhiteSpace(n) || n.Length > 249 || n.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
                errors.Add($"Topics: '{n}' is not a valid Kafka topic name (letters, digits, '.', '_', '-', at most 249).");
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            errors.Add("Topics: every topic must have its own name (two settings under Topics name the same topic).");
    }
}

/// <summary>Connection and delivery settings.</summary>
public sealed class KafkaOptions
{
    public string BootstrapServers { get; set; } = "";
    public string GroupId { get; set; } = "churnstream";

    /// <summary>
    /// This instance's stable name; the transactional id is <c>{GroupId}-{InstanceId}</c>. Default: the host name
    /// (the pod name on Kubernetes) and the process id.
    /// </summary>
    public string InstanceId { get; set; } = "";

    /// <summary>
    /// On a changelog the cluster does not compact (the embedded broker), each partition rewrites all its profiles
    /// once it has written this many bytes since its last full snapshot, so that the log's recent part always holds
    /// the whole state (and retention can drop the rest). Not used when the changelog is compacted.
    /// </summary>
    public long ChangelogSnapshotBytes { get; set; } = 1_000_000;

    /// <summary>How long a restore of one partition's changelog may take before the service gives up.</summary>
    public int RestoreTimeoutSeconds { get; set; } = 300;

    /// <summary>How often produced outputs are flushed and the consumed positions committed.</summary>
    public int CommitIntervalMs { get; set; } = 100;

    /// <summary>
    /// How long a consumer's fetch may wait at the broker for new data (librdkafka <c>fetch.wait.max.ms</c>). Low, because
    /// the embedded broker holds every empty fetch this long even when data arrives meanwhile.
    /// </summary>
    public int FetchWaitMaxMs { get; set; } = 50;

    /// <summary>
    /// The commit interval while working through a backlog: when the last input record read was appended more than
    /// <see cref="CatchUpAfterMs"/> before. A replay, a restart after downtime, a catch-up after a lag spike.
    /// </summary>
    public int CatchUpCommitIntervalMs { get; set; } = 1000;
    public int CatchUpAfterMs { get; set; } = 5000;

    /// <summary>
    /// At most this share of the time goes to committing: after a commit that took <c>d</c>, the next transaction stays
    /// open at least <c>d / CommitTimeShare</c> (within <see cref="CommitIntervalMs"/> .. <see cref="CatchUpCommitIntervalMs"/>).
    /// </summary>
    public double CommitTimeShare { get; set; } = 0.25;

    /// <summary>
    /// Threads that run the partitions' records (parsing, the engine, the outputs), each partition always on the same
    /// one; the polling thread reads and hands over, and commits while they wait. 1: everything on the polling thread.
    /// </summary>
    public int ProcessingThreads { get; set; } = 2;

    /// <summary>Create missing topics at start-up (a real cluster with CreateTopics permission).</summary>
    public bool CreateTopics { get; set; }

    /// <summary>Partitions and replication of topics created by ChurnStream.</summary>
    public int Partitions { get; set; } = 6;
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>Any librdkafka property (security.protocol, sasl.*, ssl.*, tuning), applied to every client.</summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    internal void Validate(List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            errors.Add("Kafka:BootstrapServers is empty: pass --bootstrap-servers host:port (or set CHURNSTREAM_Kafka__BootstrapServers).");
        if (string.IsNullOrWhiteSpace(GroupId)) errors.Add("Kafka:GroupId must not be empty.");
        if (ChangelogSnapshotBytes < 1000) errors.Add($"Kafka:ChangelogSnapshotBytes must be at least 1000 (is {ChangelogSnapshotBytes}).");
        if (RestoreTimeoutSeconds < 1) errors.Add($"Kafka:RestoreTimeoutSeconds must be at least 1 (is {RestoreTimeoutSeconds}).");
        if (CommitIntervalMs is < 10 or > 60_000) errors.Add($"Kafka:CommitIntervalMs must be between 10 and 60000 (is {CommitIntervalMs}).");
        if (CatchUpCommitIntervalMs < CommitIntervalMs || CatchUpCommitIntervalMs > 60_000)
            errors.Add($"Kafka:CatchUpCommitIntervalMs must be between Kafka:CommitIntervalMs ({CommitIntervalMs}) and 60000 (is {CatchUpCommitIntervalMs}).");
        if (CommitTimeShare is not (>= 0.01 and <= 1)) errors.Add($"Kafka:CommitTimeShare must be between 0.01 and 1 (is {CommitTimeShare}).");
        if (CatchUpAfterMs < 100) errors.Add($"Kafka:CatchUpAfterMs must be at least 100 (is {CatchUpAfterMs}).");
        if (FetchWaitMaxMs is < 1 or > 10_000) errors.Add($"Kafka:FetchWaitMaxMs must be between 1 and 10000 (is {FetchWaitMaxMs}).");
        if (ProcessingThreads is < 1 or > 64) errors.Add($"Kafka:ProcessingThreads must be between 1 and 64 (is {ProcessingThreads}).");
        if (Partitions is < 1 or > 10_000) errors.Add($"Kafka:Partitions must be between 1 and 10000 (is {Partitions}).");
        if (ReplicationFactor < 1) errors.Add($"Kafka:ReplicationFactor must be at least 1 (is {ReplicationFactor}).");
    }
}

/// <summary>How event time relates to the wall clock in a live service.</summary>
public sealed class ClockOptions
{
    /// <summary>
    /// Advance a quiet partition's watermark with the wall clock, so customers who went quiet are still detected
    /// when traffic stops. Only for partitions whose event time is near the wall clock (a live stream), never for
    /// historic data being replayed.
    /// </summary>
    public bool IdleAdvance { get; set; } = true;
    public int IdleAdvanceAfterSeconds { get; set; } = 30;

    /// <summary>
    /// An input partition that has been at its end this long (wall clock) stops holding the watermark back, so a
    /// partition of one topic without traffic does not stall the other topics' customers.
    /// </summary>
    public int IdleInputAfterMs { get; set; } = 10_000;

    /// <summary>
    /// A partition whose own inputs have all been at their end this long (wall clock) announces itself idle on the
    /// repartition topic and stops holding back the partitions it forwards events to. Longer than
    /// <see cref="IdleInputAfterMs"/>: a producer stall taken for an end then makes more events late, those of every
    /// partition rather than of one topic.
    /// </summary>
    public int IdlePartitionAfterMs { get; set; } = 30_000;

    /// <summary>Events further than this in the future of the wall clock are rejected (absurd_timestamp); 0 disables.</summary>
    public double MaxFutureSkewHours { get; set; } = 24;

    /// <summary>These settings for historic data: the wall clock never moves a watermark (no idle advance).</summary>
    public ClockOptions WithoutIdleAdvance()
    {
        var copy = (ClockOptions)MemberwiseClone();
        copy.IdleAdvance = false;
        return copy;
    }

    /// <summary>These settings with nothing depending on the wall clock: no idle advance, no future-skew check.</summary>
    public ClockOptions WithoutWallClock()
    {
        var copy = WithoutIdleAdvance();
        copy.MaxFutureSkewHours = 0;
        return copy;
    }

    internal void Validate(List<string> errors)
    {
        if (IdleAdvanceAfterSeconds < 1) errors.Add($"Clock:IdleAdvanceAfterSeconds must be at least 1 (is {IdleAdvanceAfterSeconds}).");
        if (IdleInputAfterMs is < 0 or > 3_600_000) errors.Add($"Clock:IdleInputAfterMs must be between 0 and 3600000 (is {IdleInputAfterMs}).");
        if (IdlePartitionAfterMs < IdleInputAfterMs || IdlePartitionAfterMs > 3_600_000)
            errors.Add($"Clock:IdlePartitionAfterMs must be between Clock:IdleInputAfterMs ({IdleInputAfterMs}) and 3600000 (is {IdlePartitionAfterMs}).");
        if (MaxFutureSkewHours < 0) errors.Add($"Clock:MaxFutureSkewHours must be 0 or more (is {MaxFutureSkewHours}).");
    }
}

/// <summary>All settings of the stream service, validated together at start-up.</summary>
public sealed class StreamOptions
{
    public KafkaOptions Kafka { get; set; } = new();
    public TopicOptions Topics { get; set; } = new();
    public DetectionOptions Detection { get; set; } = new();
    public ClockOptions Clock { get; set; } = new();

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Kafka.Validate(errors);
        Topics.Validate(errors);
        Clock.Validate(errors);
        errors.AddRange(Detection.Validate());
        return errors;
    }
}
