using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests.State;

public class PositionsCodecTests
{
    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue).ToArbitrary();

    private static long OptTime(Random r) => r.Next(4) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => r.NextInt64(long.MinValue, long.MaxValue),
        _ => Ev.StartMs + r.NextInt64(0, 200 * 86_400_000L),
    };

    internal static PartitionCheckpoint RandomCheckpoint(int seed)
    {
        var r = new Random(seed);
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var topic in new[] { "purchases", "engagements", "churnstream-repartition", "", "töpic-€" })
            if (r.Next(3) != 0) positions[topic] = r.Next(3) == 0 ? r.NextInt64(long.MinValue, long.MaxValue) : r.Next(-2, 1_000_000);
        var inputs = Enumerable.Range(0, r.Next(0, 4)).Select(_ => new InputWatermark(OptTime(r), r.Next(2) == 0, r.Next(2) == 0)).ToArray();
        var sources = Enumerable.Range(0, r.Next(0, 5)).Select(_ => new SourceWatermark(OptTime(r), r.Next(2) == 0)).ToArray();
        var pool = Population.Generate(seed);
        var buffered = Enumerable.Range(0, r.Next(0, 30)).Select(_ => pool[r.Next(pool.Count)])
            .Select(e => r.Next(5) == 0 ? e with { Category = "", Channel = "web", Reason = (StatedReason)r.Next(5), Score = (byte)r.Next(6), Amount = -0.0 } : e)
            .ToArray();
        return new PartitionCheckpoint(positions, new EngineWatermarks(OptTime(r), OptTime(r), OptTime(r), inputs), buffered, sources);
    }

    private static void AssertSame(PartitionCheckpoint expected, PartitionCheckpoint actual)
    {
        Assert.Equal(expected.Positions.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.Positions.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal((expected.Watermarks.Watermark, expected.Watermarks.MaxEventTime, expected.Watermarks.OwnInputsWatermark),
            (actual.Watermarks.Watermark, actual.Watermarks.MaxEventTime, actual.Watermarks.OwnInputsWatermark));
        Assert.Equal(expected.Watermarks.Inputs, actual.Watermarks.Inputs);
        Assert.Equal(expected.SourceWatermarks, actual.SourceWatermarks);
        // buffered events come back in event-time order, every field the same (amounts bit for bit)
        var sorted = expected.Buffered.Order(EventTimeOrder.Instance).ToList();
        Assert.Equal(sorted, actual.Buffered);
        Assert.Equal(sorted.Select(e => BitConverter.DoubleToInt64Bits(e.Amount)), actual.Buffered.Select(e => BitConverter.DoubleToInt64Bits(e.Amount)));
    }

    [Property(MaxTest = 300)]
    public Property Checkpoint_round_trips_positions_watermarks_and_buffered_events() =>
        Prop.ForAll(Seeds, seed =>
        {
            var c = RandomCheckpoint(seed);
            var bytes = PositionsCodec.Encode(c);
            var back = PositionsCodec.Decode(bytes);
            AssertSame(c, back);
            Assert.Equal(bytes, PositionsCodec.Encode(back));
        });

    [Property(MaxTest = 50)]
    public Property Truncated_checkpoint_is_rejected_with_a_format_exception() =>
        Prop.ForAll(Seeds, seed =>
        {
            var bytes = PositionsCodec.Encode(RandomCheckpoint(seed));
            for (var n = 0; n < bytes.Length; n++)
            {
                var cut = bytes[..n];
                Assert.Throws<FormatException>(() => PositionsCodec.Decode(cut));
                if (n >= 1 && n < bytes.Length - 4)
                    Assert.Throws<FormatException>(() => PositionsCodec.Decode(ProfileCodecTests.Reseal(bytes.AsSpan(0, n))));
            }
        });

    [Fact]
    public void Unknown_checkpoint_format_version_is_rejected()
    {
        var bytes = PositionsCodec.Encode(RandomCheckpoint(7))[..^4];
        bytes[0] = 3;
        var ex = Assert.Throws<FormatException>(() => PositionsCodec.Decode(ProfileCodecTests.Reseal(bytes)));
        Assert.Contains("version 3", ex.Message);
    }

    [Fact]
    public void Checkpoint_of_format_version_1_is_still_read_with_every_source_active()
    {
        var c = new PartitionCheckpoint(new Dictionary<string, long> { ["purchases"] = 7 },
            new EngineWatermarks(1_000, 2_000, 1_500, [new InputWatermark(1_000, false, false)]), [],
            [new SourceWatermark(5, Idle: false), new SourceWatermark(long.MinValue, Idle: false)]);
        var v2 = PositionsCodec.Encode(c);
        // version 1 wrote each source as its time alone: drop the flag byte after each (both 0 here) and the version
        var body = v2[1..^4].ToList();
        var sourcesAt = body.Count - 1 /* no buffered events */ - 2 * 2 /* two sources, time (1 byte for these) + flag */ ;
        Assert.Equal(2, body[sourcesAt - 1]);
        body.RemoveAt(sourcesAt + 3);
        body.RemoveAt(sourcesAt + 1);
        var v1 = ProfileCodecTests.Reseal([1, .. body]);

        var back = PositionsCodec.Decode(v1);

        AssertSame(c, back);
    }

    [Fact]
    public void Idle_flag_of_a_source_is_kept()
    {
        var c = new PartitionCheckpoint(new Dictionary<string, long>(),
            new EngineWatermarks(long.MinValue, long.MinValue, long.MinValue, []), [],
            [new SourceWatermark(5_000, Idle: true), new SourceWatermark(4_000, Idle: false)]);

        var back = PositionsCodec.Decode(PositionsCodec.Encode(c));

        Assert.Equal([new SourceWatermark(5_000, true), new SourceWatermark(4_000, false)], back.SourceWatermarks);
    }

    [Fact]
    public void A_position_takes_its_topic_name_and_a_varint()
    {
        var c = new PartitionCheckpoint(
            new Dictionary<string, long> { ["purchases"] = 123_456, ["engagements"] = 9_876_543, ["churnstream-repartition"] = 42 },
            new EngineWatermarks(long.MinValue, long.MinValue, long.MinValue, []), [], []);
        var bytes = PositionsCodec.Encode(c);
        // version, count, per topic (length, name, offset), three empty times, three empty lists, checksum
        Assert.Equal(1 + 1 + (1 + 9 + 3) + (1 + 11 + 4) + (1 + 23 + 1) + 3 + 3 + 4, bytes.Length);
        AssertSame(c, PositionsCodec.Decode(bytes));
    }

    [Fact]
    public void Checkpoint_key_cannot_be_a_customer_id()
    {
        var key = PositionsCodec.KeyFor(11);
        Assert.True(PositionsCodec.IsCheckpointKey(key));
        Assert.False(PositionsCodec.IsCheckpointKey(System.Text.Encoding.UTF8.GetBytes("c-000042")));
        Assert.Throws<System.Text.DecoderFallbackException>(() => new System.Text.UTF8Encoding(false, true).GetString(key));
        Assert.NotEqual(key, PositionsCodec.KeyFor(12));
    }
}
