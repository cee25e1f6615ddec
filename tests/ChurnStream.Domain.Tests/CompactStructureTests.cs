using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

/// <summary>
/// The compact structures of the memory and throughput work (a ring that grows with the history, the profile table, the
/// timer and event heaps) behave exactly as the plain structures they replaced, written out here as references.
/// </summary>
public class CompactStructureTests
{
    [Fact]
    public void A_growing_ring_holds_what_a_ring_allocated_whole_holds()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 500; trial++)
        {
            var length = random.Next(1, 30);
            var ring = new BucketRing<ActivityBucket>();
            var whole = new WholeRing(length);
            var at = (long)random.Next(-100, 5000);
            for (var step = 0; step < random.Next(1, 80); step++)
            {
                at += random.Next(8) switch { 0 => -random.Next(0, 2 * length), 1 => random.Next(0, 3 * length), _ => random.Next(-2, 3) };
                ref var slot = ref ring.Write(at, length);
                var expected = whole.Write(at);
                Assert.Equal(expected, !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot));
                if (!expected) continue;
                slot.Purchases++;
                slot.Spend += 1.5f;
                ref var reference = ref whole.Items![whole.Slot(at)];
                reference.Purchases++;
                reference.Spend += 1.5f;
                Assert.Equal(whole.Head, ring.Head);
            }
            for (var b = whole.Head - 2 * length; b <= whole.Head + 2; b++)
                Assert.Equal(whole.Get(b), ring.Get(b));
            var from = whole.Head - random.Next(-3, 2 * length);
            var to = from + random.Next(0, 2 * length);
            Assert.Equal(ReferenceSums.Over(whole.Get, from, to), WindowTotals.Over(ring, from, to));
        }
    }

    [Fact]
    public void The_profile_table_finds_adds_replaces_and_enumerates_as_a_dictionary_does()
    {
        var random = new Random(5);
        var table = new ProfileTable();
        var reference = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            var id = "c-" + random.Next(0, 6000);
            if (random.Next(10) == 0)
            {
                var replacement = new CustomerProfile(id);
                table.Set(replacement);
                reference[id] = replacement;
            }
            else
            {
                var p = table.GetOrAdd(id);
                if (!reference.TryGetValue(id, out var known)) reference[id] = known = p;
                Assert.Same(known, p);
            }
        }
        Assert.Equal(reference.Count, table.Count);
        Assert.Equal(reference.Keys, table.Keys);
        Assert.Equal(reference.Values, table.Values);
        Assert.Equal(reference.ToList(), table.ToList());
        Assert.False(table.TryGetValue("c-6000", out _));
        Assert.True(table.ContainsKey("c-17"));
        Assert.Same(reference["c-17"], table["c-17"]);
    }

    [Fact]
    public void Timers_fire_in_instant_then_customer_order_and_superseded_ones_never()
    {
        var random = new Random(7);
        var (profiles, timers) = TimersOver(300, sharedEveryMs: 3000, random);
        for (var i = 0; i < 3000; i++)
        {
            var p = profiles[random.Next(profiles.Length)];
            timers.Schedule(p, random.Next(4) == 0 ? CustomerProfile.None : 1000 * random.Next(0, 20));
        }
        var expected = profiles.Where(p => p.ScheduledTimerMs != CustomerProfile.None)
            .OrderBy(p => p.ScheduledTimerMs).ThenBy(p => p.CustomerId, StringComparer.Ordinal)
            .Select(p => (p.ScheduledTimerMs, p.CustomerId)).ToList();
        var fired = new List<(long, string)>();
        while (timers.TryPeekDue(long.MaxValue, out var due, out var at))
        {
            timers.RemoveDue(due);
            fired.Add((at, due.CustomerId));
        }
        Assert.Equal(expected, fired);
        Assert.Equal(0, timers.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Timers_scheduled_mostly_in_customer_order_as_reviews_do_fire_in_customer_order(int seed)
    {
        // As in the engine: each boundary's reviews schedule the next boundary as they fire (in customer-id order), while
        // events in between schedule some customers there too, in any order, some of them twice or cancelled again.
        var random = new Random(seed);
        var (profiles, timers) = TimersOver(500, sharedEveryMs: 5000, random);
        var byId = profiles.OrderBy(p => p.CustomerId, StringComparer.Ordinal).ToArray();
        for (var boundary = 1; boundary <= 6; boundary++)
        {
            foreach (var p in byId)
            {
                if (random.Next(10) == 0) timers.Schedule(profiles[random.Next(profiles.Length)], boundary * 5000L);
                if (random.Next(10) == 0) timers.Schedule(profiles[random.Next(profiles.Length)], CustomerProfile.None);
                if (random.Next(8) > 0) timers.Schedule(p, boundary * 5000L);
            }
            var expected = profiles.Where(p => p.ScheduledTimerMs == boundary * 5000L)
                .OrderBy(p => p.CustomerId, StringComparer.Ordinal).Select(p => p.CustomerId).ToList();
            var fired = new List<string>();
            while (timers.TryPeekDue(boundary * 5000L, out var due, out _))
            {
                timers.RemoveDue(due);
                fired.Add(due.CustomerId);
            }
            Assert.Equal(expected, fired);
        }
    }

    [Fact]
    public void Timers_scheduled_while_others_fire_keep_the_order_on_shared_and_other_instants()
    {
        var random = new Random(13);
        var (profiles, timers) = TimersOver(400, sharedEveryMs: 5000, random);
        var now = 0L;
        for (var step = 0; step < 20_000; step++)
        {
            if (random.Next(3) > 0)
            {
                // Mostly on the next shared instants (reviews), sometimes at any millisecond (deadlines), sometimes cancelled.
                var at = random.Next(5) switch
                {
                    0 => now + random.Next(0, 20_000),
                    1 => CustomerProfile.None,
                    _ => (now / 5000 + random.Next(0, 3)) * 5000,
                };
                timers.Schedule(profiles[random.Next(profiles.Length)], at);
                continue;
            }
            var upTo = now + random.Next(0, 4000);
            var live = profiles.Where(p => p.ScheduledTimerMs != CustomerProfile.None)
                .OrderBy(p => p.ScheduledTimerMs).ThenBy(p => p.CustomerId, StringComparer.Ordinal).FirstOrDefault();
            var isDue = timers.TryPeekDue(upTo, out var due, out var dueAt);
            Assert.Equal(live is not null && live.ScheduledTimerMs <= upTo, isDue);
            if (live is not null)
            {
                Assert.Same(live, due);
                Assert.Equal(live.ScheduledTimerMs, dueAt);
            }
            if (!isDue) continue;
            timers.RemoveDue(due);
            now = Math.Max(now, dueAt);
        }
    }

    [Fact]
    public void A_profile_keeps_every_segment_combination_and_the_published_flag_apart()
    {
        var p = new CustomerProfile("c-1");
        Assert.False(p.HasSegments);
        foreach (var value in Enum.GetValues<Segments.ValueTier>())
        foreach (var lifecycle in Enum.GetValues<Segments.Lifecycle>())
        foreach (var activity in Enum.GetValues<Segments.ActivityStatus>())
        foreach (var sentiment in Enum.GetValues<Segments.Sentiment>())
        foreach (var source in Enum.GetValues<Segments.AcquisitionSource>())
        {
            var set = new Segments.SegmentSet(value, lifecycle, activity, sentiment, source);
            p.HasSegments = ((int)value + (int)source) % 2 == 0;
            p.Segments = set;
            Assert.Equal(set, p.Segments);
            Assert.Equal(((int)value + (int)source) % 2 == 0, p.HasSegments);
        }
    }

    [Fact]
    public void Categories_and_channels_read_back_as_written_even_when_too_long_for_a_code()
    {
        var longName = new string('x', 65) + Guid.NewGuid();
        var p = new CustomerProfile("c-1") { LastCategory = "grocery", FirstChannel = longName };
        Assert.Equal("grocery", p.LastCategory);
        Assert.Equal(longName, p.FirstChannel);
        p.LastCategory = longName + "-2";
        p.FirstChannel = null;
        Assert.Equal(longName + "-2", p.LastCategory);
        Assert.Null(p.FirstChannel);
        p.LastCategory = "grocery";
        Assert.Same(new CustomerProfile("c-2") { LastCategory = "grocery" }.LastCategory, p.LastCategory);
    }

    [Fact]
    public void Buffered_events_come_out_in_event_time_order_whatever_the_order_they_went_in()
    {
        var random = new Random(9);
        var events = Enumerable.Range(0, 5000).Select(_ => new CustomerEvent(
            "c-" + random.Next(0, 30), Ev.StartMs + 1000 * random.Next(0, 50), (EventKind)random.Next(0, 10),
            random.Next(0, 3), random.Next(3) == 0 ? null : "e-" + random.Next(0, 40))).ToList();
        var buffer = new EventBuffer();
        foreach (var e in events.OrderBy(_ => random.Next())) buffer.Enqueue(e, EventBuffer.NoInput);
        Assert.Equal(events.Count, buffer.Count);
        var drained = new List<CustomerEvent>();
        while (buffer.TryPeek(out var next))
        {
            Assert.Same(next, buffer.Dequeue());
            drained.Add(next);
        }
        var expected = events.Order(EventTimeOrder.Instance).ToList();
        Assert.Equal(expected.Count, drained.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(0, EventTimeOrder.Instance.Compare(expected[i], drained[i]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Events_of_inputs_read_mostly_in_time_order_come_out_in_event_time_order_while_more_arrive(int seed)
    {
        // Three inputs, each mostly in event time (a log read in order), some events out of order, some from no input;
        // taken out while others still arrive, as the engine drains whenever the watermark moves.
        var random = new Random(seed);
        var clocks = new long[3];
        var buffer = new EventBuffer(inputs: 3);
        var pending = new List<CustomerEvent>();
        var drained = new List<CustomerEvent>();
        for (var i = 0; i < 20_000; i++)
        {
            var input = random.Next(-1, 3);
            var at = input < 0 || random.Next(10) == 0
                ? Ev.StartMs + 1000L * random.Next(0, 2_000)
                : clocks[input] = Math.Max(clocks[input], Ev.StartMs + 1000L * (i / 10 + random.Next(0, 3)));
            var e = new CustomerEvent("c-" + random.Next(0, 20), at, (EventKind)random.Next(0, 10), random.Next(0, 3),
                random.Next(3) == 0 ? null : "e-" + random.Next(0, 30));
            buffer.Enqueue(e, input);
            pending.Add(e);
            if (random.Next(50) == 0) DrainSome(random.Next(0, 400));
        }
        DrainSome(int.MaxValue);

        Assert.Equal(0, buffer.Count);
        Assert.Empty(pending);
        Assert.Equal(20_000, drained.Count);

        void DrainSome(int n)
        {
            pending.Sort(EventTimeOrder.Instance); // nothing arrives during a drain: its events are the first of these
            var k = 0;
            for (; k < n && buffer.TryPeek(out var next); k++)
            {
                Assert.Equal(0, EventTimeOrder.Instance.Compare(pending[k], next));
                Assert.Same(next, buffer.Dequeue());
                drained.Add(next);
            }
            pending.RemoveRange(0, k);
            Assert.Equal(pending.Count, buffer.Count);
            Assert.Equal(pending.Count, buffer.ToArray().Length);
        }
    }

    /// <summary>A timer queue over a table of <paramref name="customers"/> profiles with random ids.</summary>
    private static (CustomerProfile[] Profiles, TimerQueue Timers) TimersOver(int customers, long sharedEveryMs, Random random)
    {
        var table = new ProfileTable();
        var profiles = Enumerable.Range(0, customers).Select(i => table.GetOrAdd("c-" + random.Next(0, 100_000) + "-" + i)).ToArray();
        return (profiles, new TimerQueue(sharedEveryMs, table));
    }

    /// <summary>The ring as it was before it grew with the history: all <c>length</c> buckets from the first write.</summary>
    private sealed class WholeRing(int length)
    {
        public ActivityBucket[]? Items;
        public long Head = long.MinValue;

        public int Slot(long bucket) => (int)(((bucket % length) + length) % length);

        public ActivityBucket Get(long bucket) =>
            Items is null || bucket > Head || bucket <= Head - length ? default : Items[Slot(bucket)];

        public bool Write(long bucket)
        {
            if (Items is null)
            {
                Items = new ActivityBucket[length];
                Head = bucket;
            }
            else if (bucket > Head)
            {
                var advance = Math.Min(bucket - Head, length);
                for (var b = bucket - advance + 1; b <= bucket; b++) Items[Slot(b)] = default;
                Head = bucket;
            }
            else if (bucket <= Head - length)
            {
                return false;
            }
            return true;
        }
    }
}
