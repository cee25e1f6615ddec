using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests;

/// <summary>How a partition combines what the partitions forwarding events to it announce (the repartition topic).</summary>
public class SourceWatermarkValveTests
{
    private static SourceWatermark Active(long ms) => new(ms, Idle: false);
    private static SourceWatermark Idle(long ms) => new(ms, Idle: true);

    /// <summary>A valve of <paramref name="sources"/> sources after source i announced <paramref name="announced"/>[i].</summary>
    private static SourceWatermarkValve After(int sources, params SourceWatermark[] announced)
    {
        var valve = new SourceWatermarkValve(sources);
        for (var i = 0; i < announced.Length; i++) valve.Observe(i, announced[i]);
        return valve;
    }

    [Fact]
    public void A_source_that_has_announced_nothing_holds_the_watermark()
    {
        var valve = After(3, Active(100), Active(200));

        Assert.Equal(Active(long.MinValue), valve.Combined);
    }

    [Fact]
    public void The_slowest_active_source_sets_the_watermark()
    {
        var valve = After(3, Active(300), Active(100), Active(200));

        Assert.Equal(Active(100), valve.Combined);
    }

    [Fact]
    public void A_source_whose_inputs_ended_early_does_not_hold_back_the_others()
    {
        var valve = After(3, Active(300), Active(100), Active(250));

        valve.Observe(1, Idle(100));

        Assert.Equal(Active(250), valve.Combined);
    }

    [Fact]
    public void When_every_source_is_idle_the_watermark_is_the_furthest_any_reached()
    {
        var valve = After(3, Idle(300), Idle(100), Idle(long.MinValue));

        Assert.Equal(Idle(300), valve.Combined);
    }

    [Fact]
    public void A_source_that_resumes_holds_the_watermark_again_from_its_own()
    {
        var valve = After(2, Active(300), Idle(100));
        Assert.Equal(Active(300), valve.Combined);

        valve.Observe(1, Active(150));

        // the combined value may go back here; the engine's input watermark does not, so the resumed source's older events are late
        Assert.Equal(Active(150), valve.Combined);
    }

    [Fact]
    public void An_older_announcement_never_moves_a_source_back()
    {
        var valve = new SourceWatermarkValve(1);
        Assert.True(valve.Observe(0, Active(300)));

        Assert.False(valve.Observe(0, Active(200)));
        Assert.Equal(Active(300), valve[0]);
        Assert.True(valve.Observe(0, Idle(200)));
        Assert.Equal(Idle(300), valve[0]);
    }

    [Fact]
    public void Announcements_from_unknown_sources_are_ignored()
    {
        var valve = new SourceWatermarkValve(1);

        Assert.False(valve.Observe(1, Active(10)));
        Assert.False(valve.Observe(-1, Active(10)));
        Assert.Equal(SourceWatermark.Unknown, valve[0]);
    }

    [Fact]
    public void Restored_valve_combines_like_the_one_it_was_exported_from()
    {
        var valve = After(3, Idle(500), Active(400));
        var restored = new SourceWatermarkValve(3);

        restored.Restore(valve.Export());

        Assert.Equal(valve.Export(), restored.Export());
        Assert.Equal(valve.Combined, restored.Combined);
    }

    /// <summary>
    /// Whatever the announcements, the combined watermark is never ahead of an active source, and when some source is
    /// active it equals the smallest active one.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Combined_watermark_never_passes_an_active_source() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var r = new Random(seed);
            var sources = r.Next(1, 6);
            var valve = new SourceWatermarkValve(sources);
            var latest = new SourceWatermark[sources];
            Array.Fill(latest, SourceWatermark.Unknown);
            for (var step = 0; step < 40; step++)
            {
                var s = r.Next(sources);
                var announced = new SourceWatermark(r.Next(4) == 0 ? long.MinValue : r.Next(0, 1_000), r.Next(3) == 0);
                valve.Observe(s, announced);
                latest[s] = new SourceWatermark(Math.Max(latest[s].Watermark, announced.Watermark), announced.Idle);

                var combined = valve.Combined;
                var active = latest.Where(x => !x.Idle).ToList();
                if (active.Count > 0)
                {
                    Assert.False(combined.Idle);
                    Assert.Equal(active.Min(x => x.Watermark), combined.Watermark);
                }
                else
                {
                    Assert.True(combined.Idle);
                    Assert.Equal(latest.Max(x => x.Watermark), combined.Watermark);
                }
            }
        });
}
