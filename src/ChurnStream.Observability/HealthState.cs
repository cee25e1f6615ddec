namespace ChurnStream.Observability;

/// <summary>Lifecycle phase reported by the pipeline.</summary>
public enum HealthPhase { Starting, Restoring, Ready, NotReady, Stopping }

/// <summary>Result of a liveness or readiness check: <paramref name="Healthy"/> and a short plain-text reason.</summary>
public readonly record struct HealthReport(bool Healthy, string Reason);

/// <summary>
/// Thread-safe health state updated by the pipeline and read by the HTTP endpoints.
/// Liveness: the main loop must call <see cref="Heartbeat"/> at least once per <see cref="StallTimeout"/>
/// (also while restoring); the clock starts at construction. Readiness: phase <see cref="HealthPhase.Ready"/>,
/// broker reachable, and live. A not-ready reason also says when the broker is unreachable (e.g.
/// <c>starting; broker unreachable (1/1 brokers are down)</c>), so a probe failure at start-up explains itself.
/// </summary>
public sealed class HealthState
{
    /// <summary>Default stall timeout.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private HealthPhase _phase = HealthPhase.Starting;
    private string _reason = "starting";
    private bool _brokerReachable = true;
    private string? _brokerDetail;
    private long _lastHeartbeat;

    /// <param name="stallTimeout">Longest allowed gap between heartbeats before liveness fails (default 60 s).</param>
    /// <param name="timeProvider">Clock (tests); defaults to the system clock.</param>
    public HealthState(TimeSpan? stallTimeout = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        StallTimeout = stallTimeout ?? DefaultStallTimeout;
        if (StallTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stallTimeout), "must be positive");
        _lastHeartbeat = _time.GetTimestamp();
    }

    /// <summary>Longest allowed gap between heartbeats.</summary>
    public TimeSpan StallTimeout { get; }

    /// <summary>Current phase.</summary>
    public HealthPhase Phase
    {
        get { lock (_gate) return _phase; }
    }

    /// <summary>The pipeline is starting (not ready).</summary>
    public void SetStarting() => Set(HealthPhase.Starting, "starting");

    /// <summary>Partitions are assigned and their state is being restored (not ready).</summary>
    public void SetRestoring(string reason) => Set(HealthPhase.Restoring, "restoring: " + reason);

    /// <summary>Partitions assigned and restored: ready to serve (if the broker is reachable).</summary>
    public void SetReady() => Set(HealthPhase.Ready, "ready");

    /// <summary>Not ready for the given reason (e.g. "no partitions assigned", "rebalancing").</summary>
    public void SetNotReady(string reason) => Set(HealthPhase.NotReady, "not ready: " + reason);

    /// <summary>Shutting down (not ready; liveness keeps passing).</summary>
    public void SetStopping() => Set(HealthPhase.Stopping, "stopping");

    /// <summary>Whether the broker answered recently; readiness requires it.</summary>
    public void SetBrokerReachable(bool reachable) => SetBrokerReachable(reachable, null);

    /// <summary>
    /// Whether the broker answered recently, with the client's words when it did not (e.g. librdkafka's
    /// "1/1 brokers are down"); readiness requires it, and a not-ready answer in any phase names it.
    /// </summary>
    public void SetBrokerReachable(bool reachable, string? detail)
    {
        lock (_gate)
        {
            _brokerReachable = reachable;
            _brokerDetail = reachable || string.IsNullOrWhiteSpace(detail) ? null : detail.Replace('\n', ' ').Trim();
        }
    }

    /// <summary>Whether the broker was last reported reachable.</summary>
    public bool BrokerReachable
    {
        get { lock (_gate) return _brokerReachable; }
    }

    /// <summary>Liveness heartbeat from the main loop.</summary>
    public void Heartbeat() => Interlocked.Exchange(ref _lastHeartbeat, _time.GetTimestamp());

    /// <summary>Liveness: healthy unless the main loop missed heartbeats for longer than <see cref="StallTimeout"/>.</summary>
    public HealthReport Liveness()
    {
        lock (_gate)
        {
            if (_phase == HealthPhase.Stopping) return new(true, "stopping");
        }
        var silent = _time.GetElapsedTime(Interlocked.Read(ref _lastHeartbeat));
        return silent > StallTimeout
            ? new(false, $"stalled: no heartbeat for {silent.TotalSeconds:0} s (timeout {StallTimeout.TotalSeconds:0} s)")
            : new(true, "ok");
    }

    /// <summary>Readiness: phase Ready, broker reachable and live.</summary>
    public HealthReport Readiness()
    {
        lock (_gate)
        {
            var broker = _brokerReachable ? null : "broker unreachable" + (_brokerDetail is null ? "" : " (" + _brokerDetail + ")");
            if (_phase == HealthPhase.Stopping) return new(false, _reason);
            if (_phase != HealthPhase.Ready) return new(false, broker is null ? _reason : _reason + "; " + broker);
            if (broker is not null) return new(false, "not ready: " + broker);
        }
        var live = Liveness();
        return live.Healthy ? new(true, "ready") : new(false, live.Reason);
    }

    private void Set(HealthPhase phase, string reason)
    {
        lock (_gate)
        {
            _phase = phase;
            _reason = reason.Replace('\n', ' ');
        }
    }
}
