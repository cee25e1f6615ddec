using ChurnStream.Kafka.Processing;

namespace ChurnStream.Integration.Tests;

/// <summary>What a partition has forwarded and its target has not taken in yet: what holds the target's watermark.</summary>
public sealed class ForwardsInFlightSpecs
{
    private const int Purchases = PartitionTask.PurchasesInput, Engagements = PartitionTask.EngagementsInput;
    private const int Targets = 4;

    [Fact]
    public void A_target_with_nothing_in_flight_is_held_by_nothing()
    {
        var inFlight = Sending((1, Purchases, 10, 500));

        Assert.Equal(long.MaxValue, inFlight.EarliestTo(2));
    }

    [Fact]
    public void The_earliest_event_in_flight_holds_its_target_whatever_the_order_they_were_sent_in()
    {
        var inFlight = Sending((1, Purchases, 10, 700), (1, Engagements, 4, 300), (1, Purchases, 11, 900));

        Assert.Equal(300, inFlight.EarliestTo(1));
    }

    [Fact]
    public void Taking_one_in_means_everything_sent_to_that_target_before_it_arrived_too()
    {
        var inFlight = Sending((1, Engagements, 4, 300), (1, Purchases, 10, 700), (1, Purchases, 11, 900));

        inFlight.Received(1, Purchases, 10);

        Assert.Equal(900, inFlight.EarliestTo(1));
        Assert.Equal(1, inFlight.Count);
        inFlight.Received(1, Purchases, 11);
        Assert.Equal(long.MaxValue, inFlight.EarliestTo(1));
    }

    [Fact]
    public void A_copy_that_was_never_in_flight_releases_nothing()
    {
        var inFlight = Sending((1, Purchases, 10, 700));

        inFlight.Received(1, Engagements, 10); // same offset, other input
        inFlight.Received(1, Purchases, 3);    // an earlier incarnation's copy
        inFlight.Received(2, Purchases, 10);   // another target

        Assert.Equal(700, inFlight.EarliestTo(1));
    }

    [Fact]
    public void Targets_are_held_independently()
    {
        var inFlight = Sending((1, Purchases, 10, 700), (2, Purchases, 11, 200));

        inFlight.Received(2, Purchases, 11);

        Assert.Equal(700, inFlight.EarliestTo(1));
        Assert.Equal(long.MaxValue, inFlight.EarliestTo(2));
    }

    /// <summary>A source that has sent these forwards (target, input, offset, event time), in this order.</summary>
    private static ForwardsInFlight Sending(params (int Target, int Input, long Offset, long EventTimeMs)[] forwards)
    {
        var inFlight = new ForwardsInFlight(Targets);
        foreach (var f in forwards) inFlight.Sent(f.Target, f.Input, f.Offset, f.EventTimeMs);
        return inFlight;
    }

    [Fact]
    public void The_earliest_follows_the_queue_as_it_drains_with_equal_and_decreasing_times()
    {
        var inFlight = new ForwardsInFlight(Targets);
        long[] times = [500, 400, 400, 600, 300, 800];
        for (var i = 0; i < times.Length; i++) inFlight.Sent(1, Purchases, i, times[i]);

        for (var i = 0; i < times.Length; i++)
        {
            Assert.Equal(times[i..].Min(), inFlight.EarliestTo(1));
            inFlight.Received(1, Purchases, i);
        }
        Assert.Equal(long.MaxValue, inFlight.EarliestTo(1));
    }
}
