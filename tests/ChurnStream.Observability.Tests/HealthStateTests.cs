using ChurnStream.Observability;

namespace ChurnStream.Observability.Tests;

public sealed class HealthStateTests
{
    [Fact]
    public void A_new_state_is_live_but_not_ready()
    {
        var health = new HealthState();

        Assert.True(health.Liveness().Healthy);
        Assert.Equal(new HealthReport(false, "starting"), health.Readiness());
    }

    [Fact]
    public void Readiness_follows_the_lifecycle_phases_with_reasons()
    {
        var health = new HealthState();

        health.SetRestoring("3 partitions");
        Assert.Equal(new HealthReport(false, "restoring: 3 partitions"), health.Readiness());
        health.SetReady();
        Assert.Equal(new HealthReport(true, "ready"), health.Readiness());
        health.SetBrokerReachable(false);
        Assert.Equal(new HealthReport(false, "not ready: broker unreachable"), health.Readiness());
        health.SetBrokerReachable(true);
        health.SetNotReady("rebalancing");
        Assert.Equal(new HealthReport(false, "not ready: rebalancing"), health.Readiness());
        health.SetStarting();
        Assert.Equal(HealthPhase.Starting, health.Phase);
        health.SetStopping();
        Assert.Equal(new HealthReport(false, "stopping"), health.Readiness());
        Assert.True(health.Liveness().Healthy);
    }

    [Fact]
    public void An_unreachable_broker_is_named_in_the_not_ready_reason_of_every_phase_but_stopping()
    {
        var health = new HealthState();

        health.SetBrokerReachable(false, "1/1 brokers are down\n");
        Assert.Equal(new HealthReport(false, "starting; broker unreachable (1/1 brokers are down)"), health.Readiness());
        Assert.False(health.BrokerReachable);
        health.SetRestoring("2 partitions");
        Assert.Equal(new HealthReport(false, "restoring: 2 partitions; broker unreachable (1/1 brokers are down)"), health.Readiness());
        health.SetReady();
        Assert.Equal(new HealthReport(false, "not ready: broker unreachable (1/1 brokers are down)"), health.Readiness());
        health.SetStopping();
        Assert.Equal(new HealthReport(false, "stopping"), health.Readiness());
        health.SetReady();
        health.SetBrokerReachable(true, "ignored when reachable");
        Assert.Equal(new HealthReport(true, "ready"), health.Readiness());
        Assert.True(health.Liveness().Healthy);
    }

    [Fact]
    public void Liveness_fails_when_heartbeats_stop_for_longer_than_the_stall_timeout_and_recovers_on_the_next_heartbeat()
    {
        var clock = new ManualTimeProvider();
        var health = new HealthState(TimeSpan.FromSeconds(30), clock);
        health.SetReady();

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(health.Liveness().Healthy);
        health.Heartbeat();
        clock.Advance(TimeSpan.FromSeconds(31));

        var live = health.Liveness();
        Assert.False(live.Healthy);
        Assert.StartsWith("stalled: no heartbeat for 31 s", live.Reason);
        Assert.False(health.Readiness().Healthy);

        health.Heartbeat();
        Assert.True(health.Liveness().Healthy);
        Assert.True(health.Readiness().Healthy);
    }

    [Fact]
    public void A_stopping_process_stays_live_even_without_heartbeats()
    {
        var clock = new ManualTimeProvider();
        var health = new HealthState(TimeSpan.FromSeconds(5), clock);
        health.SetStopping();
        clock.Advance(TimeSpan.FromMinutes(5));

        Assert.True(health.Liveness().Healthy);
    }
}
