using System.Diagnostics;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using Xunit.Abstractions;

namespace ChurnStream.Domain.Tests.State;

/// <summary>Prints sizes and timings of the typical profile (no assertion on time: machines differ).</summary>
public class CodecMeasurements(ITestOutputHelper output)
{
    [Fact]
    public void Typical_profile_size_and_speed_are_reported()
    {
        var clock = new BucketClock(Population.Options());
        var p = ProfileCodecTests.TypicalProfile(out _);
        var bytes = ProfileCodec.Encode(p, clock);
        var buffer = new byte[ProfileCodec.MaxEncodedLength(p, clock)];
        const int n = 100_000;
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 400) { ProfileCodec.Encode(p, clock, buffer); ProfileCodec.Decode(p.CustomerId, bytes, clock); }
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) ProfileCodec.Encode(p, clock, buffer);
        var encode = sw.Elapsed.TotalNanoseconds / n;
        sw.Restart();
        for (var i = 0; i < n; i++) ProfileCodec.Decode(p.CustomerId, bytes, clock);
        var decode = sw.Elapsed.TotalNanoseconds / n;
        var kept = 0;
        for (var b = p.Activity.Head - clock.ActivityRingLength + 1; b <= p.Activity.Head; b++) if (!p.Activity.Get(b).IsEmpty) kept++;
        output.WriteLine($"typical profile: {bytes.Length} bytes (max bound {buffer.Length}); activity buckets non-empty {kept}/{clock.ActivityRingLength}; " +
                         $"orders {p.Orders}; encode {encode:0} ns, decode {decode:0} ns");
        output.WriteLine(Convert.ToHexString(bytes));
    }
}
