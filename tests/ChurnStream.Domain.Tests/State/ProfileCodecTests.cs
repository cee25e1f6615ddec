using System.Buffers.Binary;
using System.IO.Hashing;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.State;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests.State;

public class ProfileCodecTests
{
    private static readonly DetectionOptions Options = Population.Options();
    private static readonly BucketClock Clock = new(Options);
    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue).ToArbitrary();

    /// <summary>A profile with every field random, including values the engine never produces (the codec must not care).</summary>
    internal static CustomerProfile RandomProfile(int seed, BucketClock clock)
    {
        var r = new Random(seed);
        long Time()
        {
            if (r.Next(5) == 0) return CustomerProfile.None;
            return r.Next(6) switch
            {
                0 => r.NextInt64(long.MinValue + 1, long.MaxValue),
                1 => Ev.StartMs + r.Next(0, 400) * EventTime.MillisPerHour,
                2 => Ev.StartMs + r.NextInt64(-1_000_000_000_000, 1_000_000_000_000) * 1000,
                3 => long.MaxValue,
                _ => Ev.StartMs + r.NextInt64(0, 400 * EventTime.MillisPerDay),
            };
        }
        string? Text() => r.Next(4) switch { 0 => null, 1 => "", 2 => "grocery", _ => "zé-ü-€-𝄞" + r.Next() };
        ulong Fp() => r.Next(3) == 0 ? 0 : (ulong)r.NextInt64() | 1;
        var p = new CustomerProfile("c-" + seed)
        {
            FirstSeenMs = Time(), FirstPurchaseMs = Time(), LastPurchaseMs = Time(), LastEngagementMs = Time(), ScheduledTimerMs = Time(),
            Orders = r.Next(3) == 0 ? r.Next(int.MinValue, int.MaxValue) : r.Next(0, 50),
            LifetimeSpend = r.Next(5) switch { 0 => 0, 1 => -0.0, 2 => 0.1 + 0.2, 3 => BitConverter.Int64BitsToDouble(r.NextInt64()), _ => r.NextDouble() * 1e4 },
            LastCategory = Text(), FirstChannel = Text(),
            Unsubscribed = r.Next(2) == 0, WonBack = r.Next(2) == 0,
            Stage = (InactivityStage)r.Next(3),
            Disarmed = (byte)(r.Next(2) == 0 ? 0 : r.Next(256)),
            HasSegments = r.Next(3) != 0,
            Segments = new SegmentSet((ValueTier)r.Next(3), (Lifecycle)r.Next(6), (ActivityStatus)r.Next(4), (Sentiment)r.Next(3), (AcquisitionSource)r.Next(5)),
            PurchaseDays = r.Next(3) switch { 0 => 0, 1 => r.Next(int.MinValue, int.MaxValue), _ => r.Next(0, 40) },
            RecentPurchaseDays = r.Next(3) switch { 0 => 0, 1 => (ulong)r.NextInt64() * 3, _ => (ulong)r.Next(0, 1 << 20) },
            FirstDaySpend = r.Next(4) switch { 0 => 0, 1 => -0.0, 2 => r.Next(1, 100_000) / 100.0, _ => BitConverter.Int64BitsToDouble(r.NextInt64()) },
            RepeatSpend = r.Next(4) switch { 0 => 0, 1 => 0.1 + 0.2, 2 => r.Next(-5, 100_000) / 100.0, _ => r.NextDouble() * 1e6 },
            LastStatedReason = (StatedReason)r.Next(5),
            LastStatedReasonMs = Time(), LastServiceSignalMs = Time(), SignedUpAtMs = Time(),
            HasAttributes = r.Next(2) == 0,
            AttributeSource = (AcquisitionSource)r.Next(5),
            Region = Text(),
            TierSketchBin = (ushort)(r.Next(3) == 0 ? 0 : r.Next(1, 65536)),
            Fingerprint0 = Fp(), Fingerprint1 = Fp(), Fingerprint2 = Fp(), Fingerprint3 = Fp(),
            NextFingerprint = (byte)r.Next(256),
        };
        if (r.Next(4) != 0)
        {
            var head = r.Next(3) == 0 ? r.NextInt64(long.MinValue + 1000, long.MaxValue - 1000) : 4000 + r.Next(100);
            var items = new ActivityBucket[r.Next(0, clock.ActivityRingLength + 3)];
            for (var i = 0; i < items.Length; i++)
                if (r.Next(3) != 0)
                    items[i] = new ActivityBucket
                    {
                        Purchases = (ushort)(r.Next(4) == 0 ? r.Next(65536) : r.Next(3)),
                        Interactions = (ushort)(r.Next(4) == 0 ? r.Next(65536) : r.Next(3)),
                        Spend = r.Next(6) switch { 0 => 0, 1 => -0.0f, 2 => BitConverter.Int32BitsToSingle(r.Next()), 3 => (float)(r.NextDouble() * 500), 4 => (float)(r.NextInt64(-1L << 41, 1L << 41) / 100.0), _ => (float)(r.Next(-2000, 100_000) / 100.0) },
                    };
            p.Activity.Restore(head, items, clock.ActivityRingLength);
        }
        if (r.Next(3) == 0)
        {
            var head = p.Activity.IsAllocated && r.Next(2) == 0 ? p.Activity.Head - r.Next(3) : r.NextInt64(long.MinValue + 1000, long.MaxValue - 1000);
            var items = new SentimentBucket[r.Next(0, clock.SentimentRingLength + 2)];
            for (var i = 0; i < items.Length; i++)
                if (r.Next(2) == 0)
                    items[i] = new SentimentBucket
                    {
                        Complaints = (byte)r.Next(0, 3), SupportTickets = (byte)r.Next(0, 256), FeedbackCount = (byte)r.Next(0, 2), FeedbackScoreSum = (byte)r.Next(0, 256),
                    };
            p.WritableSentiment.Restore(head, items, clock.SentimentRingLength);
        }
        return p;
    }

    /// <summary>Every field the same, bit for bit (floats and doubles by their bits; the rings over their whole span).</summary>
    internal static void AssertSameProfile(CustomerProfile expected, CustomerProfile actual, BucketClock clock)
    {
        Assert.Equal(expected.CustomerId, actual.CustomerId);
        Assert.Equal(expected.FirstSeenMs, actual.FirstSeenMs);
        Assert.Equal(expected.FirstPurchaseMs, actual.FirstPurchaseMs);
        Assert.Equal(expected.LastPurchaseMs, actual.LastPurchaseMs);
        Assert.Equal(expected.LastEngagementMs, actual.LastEngagementMs);
        Assert.Equal(expected.ScheduledTimerMs, actual.ScheduledTimerMs);
        Assert.Equal(expected.Orders, actual.Orders);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.LifetimeSpend), BitConverter.DoubleToInt64Bits(actual.LifetimeSpend));
        Assert.Equal(expected.LastCategory, actual.LastCategory);
        Assert.Equal(expected.FirstChannel, actual.FirstChannel);
        Assert.Equal(expected.Unsubscribed, actual.Unsubscribed);
        Assert.Equal(expected.Stage, actual.Stage);
        Assert.Equal(expected.WonBack, actual.WonBack);
        Assert.Equal(expected.Disarmed, actual.Disarmed);
        Assert.Equal(expected.HasSegments, actual.HasSegments);
        if (expected.HasSegments) Assert.Equal(expected.Segments, actual.Segments);
        Assert.Equal((expected.Fingerprint0, expected.Fingerprint1, expected.Fingerprint2, expected.Fingerprint3),
            (actual.Fingerprint0, actual.Fingerprint1, actual.Fingerprint2, actual.Fingerprint3));
        Assert.Equal(expected.NextFingerprint, actual.NextFingerprint);
        Assert.Equal(expected.PurchaseDays, actual.PurchaseDays);
        Assert.Equal(expected.RecentPurchaseDays, actual.RecentPurchaseDays);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.FirstDaySpend), BitConverter.DoubleToInt64Bits(actual.FirstDaySpend));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.RepeatSpend), BitConverter.DoubleToInt64Bits(actual.RepeatSpend));
        Assert.Equal((expected.LastStatedReason, expected.LastStatedReasonMs, expected.LastServiceSignalMs),
            (actual.LastStatedReason, actual.LastStatedReasonMs, actual.LastServiceSignalMs));
        Assert.Equal((expected.HasAttributes, expected.AttributeSource, expected.SignedUpAtMs, expected.Region),
            (actual.HasAttributes, actual.AttributeSource, actual.SignedUpAtMs, actual.Region));
        Assert.Equal(expected.TierSketchBin, actual.TierSketchBin);

        Assert.Equal(expected.Activity.IsAllocated, actual.Activity.IsAllocated);
        Assert.Equal(expected.Activity.Head, actual.Activity.Head);
        if (expected.Activity.IsAllocated)
            for (var b = expected.Activity.Head - clock.ActivityRingLength - 1; b <= expected.Activity.Head + 1; b++)
            {
                var (x, y) = (expected.Activity.Get(b), actual.Activity.Get(b));
                Assert.Equal((x.Purchases, x.Interactions, BitConverter.SingleToInt32Bits(x.Spend)), (y.Purchases, y.Interactions, BitConverter.SingleToInt32Bits(y.Spend)));
            }
        Assert.Equal(expected.Sentiment.IsAllocated, actual.Sentiment.IsAllocated);
        Assert.Equal(expected.Sentiment.Head, actual.Sentiment.Head);
        if (expected.Sentiment.IsAllocated)
            for (var b = expected.Sentiment.Head - clock.SentimentRingLength - 1; b <= expected.Sentiment.Head + 1; b++)
                Assert.Equal(expected.Sentiment.Get(b), actual.Sentiment.Get(b));
    }

    /// <summary>Re-computes the trailing checksum, so that a test reaches the structural checks behind it.</summary>
    internal static byte[] Reseal(ReadOnlySpan<byte> body)
    {
        var b = new byte[body.Length + 4];
        body.CopyTo(b);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(body.Length), Crc32.HashToUInt32(body));
        return b;
    }

    internal static CustomerProfile TypicalProfile(out Driver driver)
    {
        // Half a year of a regular customer: a purchase every ~9 days, visits every ~3 days, a complaint and a feedback;
        // event ids on everything; snapshot taken mid-stream.
        var c = "c-000042";
        var events = Ev.Purchases(c, 0, 180, 9, amount: 42.5, category: "books")
            .Concat(Ev.Visits(c, 1, 180, 3))
            .Append(Ev.Complaint(c, 170) with { Reason = StatedReason.Price }).Append(Ev.Feedback(c, 172, 2))
            .Select(e => e.Kind == EventKind.Purchase ? e with { Channel = "web", Amount = e.Amount + e.OccurredAtMs % 7 * 1.01 } : e);
        driver = new Driver(Options).FeedInOrder(events).Feed(Ev.Tick(181));
        return driver.Profile(c);
    }

    [Property(MaxTest = 500)]
    public Property Encoding_round_trips_every_field() =>
        Prop.ForAll(Seeds, seed =>
        {
            var p = RandomProfile(seed, Clock);
            var bytes = ProfileCodec.Encode(p, Clock);
            Assert.True(bytes.Length <= ProfileCodec.MaxEncodedLength(p, Clock));
            var back = ProfileCodec.Decode(p.CustomerId, bytes, Clock);
            AssertSameProfile(p, back, Clock);
            // and the encoding is canonical: the decoded profile encodes to the same bytes
            Assert.Equal(bytes, ProfileCodec.Encode(back, Clock));
        });

    [Fact]
    public void A_profile_fresh_from_the_constructor_round_trips()
    {
        var p = new CustomerProfile("nobody");
        var bytes = ProfileCodec.Encode(p, Clock);
        AssertSameProfile(p, ProfileCodec.Decode("nobody", bytes, Clock), Clock);
        Assert.Equal(1 + 3 + 1 + 3 * 1 + 4, bytes.Length); // version, flags, orders, three null strings, checksum
    }

    [Fact]
    public void Null_and_empty_strings_stay_distinct()
    {
        var p = new CustomerProfile("c") { LastCategory = "", FirstChannel = null };
        var back = ProfileCodec.Decode("c", ProfileCodec.Encode(p, Clock), Clock);
        Assert.Equal("", back.LastCategory);
        Assert.Null(back.FirstChannel);
    }

    [Fact]
    public void Lifetime_spend_round_trips_bit_exactly()
    {
        foreach (var spend in new[] { 0.1 + 0.2, -0.0, double.Epsilon, 1e308, -123.45, 19.99 * 3 })
        {
            var p = new CustomerProfile("c") { LifetimeSpend = spend, Orders = 3 };
            var back = ProfileCodec.Decode("c", ProfileCodec.Encode(p, Clock), Clock);
            Assert.Equal(BitConverter.DoubleToInt64Bits(spend), BitConverter.DoubleToInt64Bits(back.LifetimeSpend));
        }
    }

    [Fact]
    public void The_value_does_not_repeat_the_key()
    {
        var p = TypicalProfile(out _);
        var bytes = ProfileCodec.Encode(p, Clock);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(p.CustomerId)));
        Assert.Equal("other", ProfileCodec.Decode("other", bytes, Clock).CustomerId);
    }

    [Fact]
    public void Unknown_format_version_is_rejected()
    {
        var bytes = ProfileCodec.Encode(TypicalProfile(out _), Clock);
        foreach (var version in new byte[] { 0, 1, 3, 255 })
        {
            var other = bytes.ToArray();
            other[0] = version;
            var ex = Assert.Throws<FormatException>(() => ProfileCodec.Decode("c", Reseal(other.AsSpan(0, other.Length - 4)), Clock));
            Assert.Contains($"version {version}", ex.Message);
        }
        Assert.Throws<FormatException>(() => ProfileCodec.Decode("c", [], Clock));
    }

    [Property(MaxTest = 100)]
    public Property Truncated_data_is_rejected_with_a_format_exception() =>
        Prop.ForAll(Seeds, seed =>
        {
            var bytes = ProfileCodec.Encode(RandomProfile(seed, Clock), Clock);
            for (var n = 0; n < bytes.Length; n++)
            {
                var cut = bytes.AsSpan(0, n).ToArray();
                Assert.Throws<FormatException>(() => ProfileCodec.Decode("c", cut, Clock));
                // with a valid checksum over the cut body, the structure itself gives the truncation away
                if (n >= 1 && n < bytes.Length - 4)
                    Assert.Throws<FormatException>(() => ProfileCodec.Decode("c", Reseal(bytes.AsSpan(0, n)), Clock));
            }
        });

    [Property(MaxTest = 100)]
    public Property Any_damaged_byte_is_rejected_with_a_format_exception() =>
        Prop.ForAll(Seeds, Gen.Choose(1, 255).ToArbitrary(), (seed, xor) =>
        {
            var bytes = ProfileCodec.Encode(RandomProfile(seed, Clock), Clock);
            for (var i = 0; i < bytes.Length; i++)
            {
                var damaged = bytes.ToArray();
                damaged[i] ^= (byte)xor;
                Assert.Throws<FormatException>(() => ProfileCodec.Decode("c", damaged, Clock));
            }
        });

    [Property(MaxTest = 500)]
    public Property Arbitrary_bytes_with_a_valid_checksum_decode_or_raise_a_format_exception_only() =>
        Prop.ForAll(Seeds, seed =>
        {
            var r = new Random(seed);
            var body = ProfileCodec.Encode(RandomProfile(seed, Clock), Clock)[..^4];
            // mutate a few bytes of a valid body, or take random bytes
            if (r.Next(4) == 0) body = Enumerable.Range(0, r.Next(1, 80)).Select(_ => (byte)r.Next(256)).ToArray();
            else for (var k = r.Next(1, 4); k > 0; k--) body[r.Next(body.Length)] = (byte)r.Next(256);
            body[0] = ProfileCodec.FormatVersion;
            try
            {
                var p = ProfileCodec.Decode("c", Reseal(body), Clock);
                // whatever decodes is canonical
                Assert.Equal(Reseal(body), ProfileCodec.Encode(p, Clock));
            }
            catch (FormatException)
            {
            }
        });

    [Fact]
    public void Encoding_into_a_span_reports_the_bytes_written_and_refuses_a_small_destination()
    {
        var p = TypicalProfile(out _);
        var expected = ProfileCodec.Encode(p, Clock);
        var buffer = new byte[ProfileCodec.MaxEncodedLength(p, Clock)];
        Assert.Equal(expected.Length, ProfileCodec.Encode(p, Clock, buffer));
        Assert.Equal(expected, buffer[..expected.Length]);
        Assert.Throws<ArgumentException>(() => ProfileCodec.Encode(p, Clock, new byte[expected.Length - 1]));
    }

    /// <summary>
    /// Measured 179 bytes (format 2): 25 of 25 activity buckets non-empty (~4-5 bytes each, spend as cents), 4 fingerprints
    /// (34), times, strings, checksum; the churn-model inputs, stated reason and service signal add 24 bytes to format 1's 155.
    /// Without event ids it is 34 bytes less.
    /// </summary>
    [Fact]
    public void Typical_profile_encodes_in_under_190_bytes()
    {
        var p = TypicalProfile(out _);
        Assert.True(p.Activity.IsAllocated && p.Sentiment.IsAllocated && p.HasSegments && p.ScheduledTimerMs != CustomerProfile.None);
        var bytes = ProfileCodec.Encode(p, Clock);
        Assert.True(p.PurchaseDays > 1 && p.LastStatedReason == StatedReason.Price && p.LastServiceSignalMs != CustomerProfile.None);
        Assert.True(bytes.Length < 190, $"{bytes.Length} bytes");
    }
}
