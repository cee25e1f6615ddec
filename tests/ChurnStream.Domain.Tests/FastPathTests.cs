using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

/// <summary>The performance work's fast paths give exactly what the general code gives.</summary>
public class FastPathTests
{
    [Theory]
    [InlineData("2025-03-01T10:15:00Z")]
    [InlineData("2025-03-01T10:15:00.123Z")]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("2024-02-29T23:59:59.999Z")]
    [InlineData("2199-12-31T23:59:59Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    public void The_utc_fast_path_denotes_the_instant_the_general_parser_reads(string text)
    {
        Assert.True(EventParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out var fast));
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes($"\"{text}\""));
        reader.Read();
        Assert.True(reader.TryGetDateTimeOffset(out var general));
        Assert.Equal(general.ToUnixTimeMilliseconds(), fast);
    }

    [Theory]
    [InlineData("2025-02-29T10:15:00Z")]
    [InlineData("2025-13-01T10:15:00Z")]
    [InlineData("2025-03-01T24:00:00Z")]
    [InlineData("2025-03-01T10:60:00Z")]
    [InlineData("2025-03-01T10:15:60Z")]
    [InlineData("2025-03-01t10:15:00Z")]
    [InlineData("2025-03-01T10:15:00z")]
    [InlineData("2025-03-01T10:15:00+01:00")]
    [InlineData("2025-03-01T10:15:00.1Z")]
    [InlineData("2025-03-01T10:15:00.1234Z")]
    [InlineData("2025-03-01 10:15:00Z")]
    [InlineData("0000-03-01T10:15:00Z")]
    [InlineData("2025-03-0aT10:15:00Z")]
    public void Anything_else_goes_to_the_general_parser(string text) =>
        Assert.False(EventParser.TryParseUtc(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Window_totals_over_the_ring_equal_the_bucket_by_bucket_sums()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var ring = new BucketRing<ActivityBucket>();
            var length = random.Next(1, 30);
            var head = random.Next(-50, 200);
            for (var b = head - random.Next(0, 60); b <= head; b++)
            {
                ref var slot = ref ring.Write(b, length);
                if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot)) continue;
                slot.Purchases = (ushort)random.Next(0, 4);
                slot.Interactions = (ushort)random.Next(0, 9);
                slot.Spend = (float)(random.NextDouble() * 300 - 20);
            }
            var from = head - random.Next(-5, 70);
            var to = from + random.Next(0, 70);
            var (purchases, spend, interactions) = ReferenceSums.Over(ring.Get, from, to);
            var totals = WindowTotals.Over(ring, from, to);
            Assert.Equal(purchases, totals.Purchases);
            Assert.Equal(interactions, totals.Interactions);
            Assert.Equal(BitConverter.DoubleToInt64Bits(spend), BitConverter.DoubleToInt64Bits(totals.Spend));
        }
    }
}
