using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.State;

/// <summary>
/// The changelog value of one <see cref="CustomerProfile"/> (the record key is the customer id, so the value does not
/// repeat it). A decoded profile, adopted with <c>PartitionEngine.Restore</c>, behaves exactly like the original:
/// every field, the arming bits, the event-id fingerprints and the pending timer are kept bit for bit.
/// <para>The ring geometry is not stored: the decoder takes the ring lengths from the <see cref="BucketClock"/>
/// (the detection options). Changing <c>BucketDays</c> or the windows needs a fresh changelog.</para>
/// <para><b>Format version 2</b> (version 1, without the churn-model, reason and attribute fields, is not read: no
/// changelog was written with it), field by field (varint = unsigned LEB128; zz = zig-zag then varint; all fixed-width
/// numbers little-endian):</para>
/// <list type="number">
/// <item><c>byte</c> format version = 2.</item>
/// <item><c>varint</c> flags. Bit 0-7: <c>FirstSeenMs</c>, <c>FirstPurchaseMs</c>, <c>LastPurchaseMs</c>,
/// <c>LastEngagementMs</c>, <c>ScheduledTimerMs</c>, <c>LastStatedReasonMs</c>, <c>LastServiceSignalMs</c>, <c>SignedUpAtMs</c>
/// present (not <see cref="CustomerProfile.None"/>); 8 <c>Unsubscribed</c>; 9 <c>WonBack</c>; 10 <c>HasSegments</c>;
/// 11 activity ring allocated; 12 sentiment ring allocated; 13 <c>LifetimeSpend</c> is not +0.0 (bit pattern);
/// 14 <c>Disarmed</c> ≠ 0; 15 fingerprint state present (a fingerprint or <c>NextFingerprint</c> ≠ 0); 16-17 <c>Stage</c>
/// (0-2); 18-19 time unit <c>u</c>: 0 = 1 ms, 1 = 1 s, 2 = 1 min, 3 = 1 h (the largest unit that divides every present
/// time; 3 when none is); 20 model inputs present (<c>PurchaseDays</c>, <c>RecentPurchaseDays</c>, <c>FirstDaySpend</c>,
/// <c>RepeatSpend</c> not all zero); 21 <c>HasAttributes</c>; 22 <c>TierSketchBin</c> ≠ 0; 23 <c>LastStatedReason</c> ≠ None;
/// 24 <c>AttributeSource</c> ≠ Unknown. Other bits: 0.</item>
/// <item>The present times of bit 0-7, in that order, each divided by <c>u</c>: the first as zz of its absolute value,
/// each further one as zz of the (wrapping) difference to the previous present time.</item>
/// <item><c>zz</c> <c>Orders</c>.</item>
/// <item>If bit 13: <c>float64</c> <c>LifetimeSpend</c> (bit-exact).</item>
/// <item><c>LastCategory</c>, <c>FirstChannel</c>, then <c>Region</c>: varint (UTF-8 byte length + 1) and the bytes; 0 = null
/// (so null and "" differ).</item>
/// <item>If bit 14: <c>byte</c> <c>Disarmed</c> (bit per <c>AlertKind</c>).</item>
/// <item>If bit 10: <c>byte</c> <c>Value</c> | <c>Lifecycle</c> &lt;&lt; 2 | <c>Activity</c> &lt;&lt; 5, then <c>byte</c>
/// <c>Sentiment</c> | <c>Source</c> &lt;&lt; 2 (bits 5-7 zero).</item>
/// <item>If bit 15: <c>byte</c> <c>NextFingerprint</c>; <c>byte</c> mask (bit i: <c>Fingerprint</c>i ≠ 0; bits 4-7 zero);
/// then <c>uint64</c> per set bit, in order i = 0..3.</item>
/// <item>If bit 20: zz <c>PurchaseDays</c>, varint <c>RecentPurchaseDays</c>, <c>byte</c> forms f | g &lt;&lt; 2 (bits 4-7 zero)
/// of <c>FirstDaySpend</c> (f) and <c>RepeatSpend</c> (g), then each by its form: 0 = +0.0 (nothing follows), 2 = zz c, a
/// whole number of cents (0 &lt; |c| ≤ 2^52) when <c>c / 100.0</c> gives exactly the value's bits, 1 = <c>float64</c> otherwise.</item>
/// <item>If bit 22: varint <c>TierSketchBin</c>. If bit 23: <c>byte</c> <c>LastStatedReason</c> (1-4). If bit 24: <c>byte</c>
/// <c>AttributeSource</c> (1-4).</item>
/// <item>If bit 11, the activity ring: zz head (absolute bucket number); varint n ≤ activity ring length, the buckets kept
/// (from the head back to the oldest non-empty one; older buckets of the ring are empty); n buckets, newest first, each
/// varint (<c>Purchases</c> &lt;&lt; 2 | s), varint <c>Interactions</c>, then the <c>Spend</c> by its form s:
/// 0 = +0.0 (nothing follows); 2 = zz c, a whole number of cents (0 &lt; |c| ≤ 2^40), when <c>(float)(c / 100.0)</c>
/// gives exactly the spend's bits (the usual case: amounts in cents); 1 = <c>float32</c> otherwise; 3 undefined.</item>
/// <item>If bit 12, the sentiment ring: zz head, relative to the activity head when bit 11 is set, absolute otherwise;
/// varint n ≤ sentiment ring length; n buckets newest first, each a <c>byte</c> mask (bit 0 <c>Complaints</c>,
/// 1 <c>SupportTickets</c>, 2 <c>FeedbackCount</c>, 3 <c>FeedbackScoreSum</c> non-zero; bits 4-7 zero) and one
/// <c>byte</c> per set bit.</item>
/// <item><c>uint32</c> CRC-32 (IEEE) of all preceding bytes, version included.</item>
/// </list>
/// <para>Decoding is strict: another version, a bad checksum, truncation, trailing bytes, non-shortest or overflowing
/// varints, undefined flag bits or enum values, invalid UTF-8, a present time equal to <c>None</c> or out of range, a ring head within a ring length of <c>long.MinValue</c>,
/// a count beyond the ring length, a "present" value that is zero: all are <see cref="FormatException"/>. So every
/// profile has exactly one encoding.</para>
/// </summary>
public static class ProfileCodec
{
    public const byte FormatVersion = 2;

    private const string What = "customer profile";

    private const int TimeCount = 8;

    private const int UnsubscribedBit = 1 << 8, WonBackBit = 1 << 9, SegmentsBit = 1 << 10, ActivityBit = 1 << 11,
        SentimentBit = 1 << 12, SpendBit = 1 << 13, DisarmedBit = 1 << 14, FingerprintBit = 1 << 15,
        ModelBit = 1 << 20, AttributesBit = 1 << 21, SketchBit = 1 << 22, StatedReasonBit = 1 << 23, SourceBit = 1 << 24;

    private const int StageShift = 16, UnitShift = 18, AllFlags = (1 << 25) - 1;

    private static readonly long[] Units = [1, 1000, 60_000, 3_600_000];

    /// <summary>An upper bound of the encoded size of <paramref name="p"/>: a buffer of this size always suffices.</summary>
    public static int MaxEncodedLength(CustomerProfile p, BucketClock clock) =>
        1 + 4 + TimeCount * StateBinary.MaxVarint + 5 + 8
        + StateBinary.MaxStringSize(p.LastCategory) + StateBinary.MaxStringSize(p.FirstChannel) + StateBinary.MaxStringSize(p.Region)
        + 1 + 2 + (2 + 4 * 8)
        + (5 + StateBinary.MaxVarint + 1 + 2 * 9) + 3 + 1 + 1
        + (2 * StateBinary.MaxVarint + clock.ActivityRingLength * (3 + 3 + 4))
        + (2 * StateBinary.MaxVarint + clock.SentimentRingLength * 5)
        + 4;

    public static byte[] Encode(CustomerProfile p, BucketClock clock)
    {
        var max = MaxEncodedLength(p, clock);
        if (max <= 1024)
        {
            Span<byte> buffer = stackalloc byte[max];
            return buffer[..Encode(p, clock, buffer)].ToArray();
        }
        var big = new byte[max];
        return big.AsSpan(0, Encode(p, clock, big)).ToArray();
    }

    /// <summary>Encodes into <paramref name="destination"/> and returns the bytes written; <see cref="ArgumentException"/> when it is too small (<see cref="MaxEncodedLength"/> always suffices).</summary>
    public static int Encode(CustomerProfile p, BucketClock clock, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(clock);
        if (p.Stage > InactivityStage.Lost) throw new ArgumentException($"Undefined inactivity stage {p.Stage}.", nameof(p));

        if (p.AttributeSource > AcquisitionSource.Advertising) throw new ArgumentException($"Undefined source {p.AttributeSource}.", nameof(p));
        if (p.LastStatedReason > Events.StatedReason.Other) throw new ArgumentException($"Undefined stated reason {p.LastStatedReason}.", nameof(p));

        Span<long> times = [p.FirstSeenMs, p.FirstPurchaseMs, p.LastPurchaseMs, p.LastEngagementMs, p.ScheduledTimerMs,
            p.LastStatedReasonMs, p.LastServiceSignalMs, p.SignedUpAtMs];
        var flags = 0;
        var unitCode = Units.Length - 1;
        for (var i = 0; i < times.Length; i++)
        {
            if (times[i] == CustomerProfile.None) continue;
            flags |= 1 << i;
            while (unitCode > 0 && times[i] % Units[unitCode] != 0) unitCode--;
        }
        var unit = Units[unitCode];

        var fp0 = p.Fingerprint0; var fp1 = p.Fingerprint1; var fp2 = p.Fingerprint2; var fp3 = p.Fingerprint3;
        var fpMask = (fp0 != 0 ? 1 : 0) | (fp1 != 0 ? 2 : 0) | (fp2 != 0 ? 4 : 0) | (fp3 != 0 ? 8 : 0);

        if (p.Unsubscribed) flags |= UnsubscribedBit;
        if (p.WonBack) flags |= WonBackBit;
        if (p.HasSegments) flags |= SegmentsBit;
        if (p.Activity.IsAllocated) flags |= ActivityBit;
        if (p.Sentiment.IsAllocated) flags |= SentimentBit;
        if (BitConverter.DoubleToUInt64Bits(p.LifetimeSpend) != 0) flags |= SpendBit;
        if (p.Disarmed != 0) flags |= DisarmedBit;
        if (fpMask != 0 || p.NextFingerprint != 0) flags |= FingerprintBit;
        var firstForm = DoubleForm(p.FirstDaySpend, out var firstCents);
        var repeatForm = DoubleForm(p.RepeatSpend, out var repeatCents);
        if (p.PurchaseDays != 0 || p.RecentPurchaseDays != 0 || firstForm != 0 || repeatForm != 0) flags |= ModelBit;
        if (p.HasAttributes) flags |= AttributesBit;
        if (p.TierSketchBin != 0) flags |= SketchBit;
        if (p.LastStatedReason != Events.StatedReason.None) flags |= StatedReasonBit;
        if (p.AttributeSource != AcquisitionSource.Unknown) flags |= SourceBit;
        flags |= (int)p.Stage << StageShift | unitCode << UnitShift;

        var w = new StateWriter(destination);
        w.Byte(FormatVersion);
        w.VarU((ulong)flags);

        var previous = 0L;
        foreach (var t in times)
        {
            if (t == CustomerProfile.None) continue;
            var scaled = t / unit;
            w.VarS(unchecked(scaled - previous));
            previous = scaled;
        }

        w.VarS(p.Orders);
        if ((flags & SpendBit) != 0) w.Float64(p.LifetimeSpend);
        w.NullableString(p.LastCategory);
        w.NullableString(p.FirstChannel);
        w.NullableString(p.Region);
        if ((flags & DisarmedBit) != 0) w.Byte(p.Disarmed);
        if ((flags & SegmentsBit) != 0)
        {
            var s = p.Segments;
            if ((int)s.Value > 2 || (int)s.Lifecycle > 5 || (int)s.Activity > 3 || (int)s.Sentiment > 2 || (int)s.Source > 4)
                throw new ArgumentException($"Undefined segment in {s}.", nameof(p));
            w.Byte((byte)((int)s.Value | (int)s.Lifecycle << 2 | (int)s.Activity << 5));
            w.Byte((byte)((int)s.Sentiment | (int)s.Source << 2));
        }
        if ((flags & FingerprintBit) != 0)
        {
            w.Byte(p.NextFingerprint);
            w.Byte((byte)fpMask);
            if (fp0 != 0) w.UInt64(fp0);
            if (fp1 != 0) w.UInt64(fp1);
            if (fp2 != 0) w.UInt64(fp2);
            if (fp3 != 0) w.UInt64(fp3);
        }
        if ((flags & ModelBit) != 0)
        {
            w.VarS(p.PurchaseDays);
            w.VarU(p.RecentPurchaseDays);
            w.Byte((byte)(firstForm | repeatForm << 2));
            WriteDouble(ref w, firstForm, p.FirstDaySpend, firstCents);
            WriteDouble(ref w, repeatForm, p.RepeatSpend, repeatCents);
        }
        if ((flags & SketchBit) != 0) w.VarU(p.TierSketchBin);
        if ((flags & StatedReasonBit) != 0) w.Byte((byte)p.LastStatedReason);
        if ((flags & SourceBit) != 0) w.Byte((byte)p.AttributeSource);

        if (p.Activity.IsAllocated)
        {
            var head = p.Activity.Head;
            if (head <= long.MinValue + clock.ActivityRingLength) throw new ArgumentException("The activity head is out of range.", nameof(p));
            w.VarS(head);
            var n = clock.ActivityRingLength;
            while (n > 0 && IsZero(p.Activity.Get(unchecked(head - (n - 1))))) n--;
            w.VarU((ulong)n);
            for (var i = 0; i < n; i++)
            {
                var x = p.Activity.Get(unchecked(head - i));
                var cents = 0L;
                var spendForm = BitConverter.SingleToUInt32Bits(x.Spend) == 0 ? 0UL : TryCents(x.Spend, out cents) ? 2UL : 1UL;
                w.VarU((ulong)x.Purchases << 2 | spendForm);
                w.VarU(x.Interactions);
                if (spendForm == 1) w.Float32(x.Spend);
                else if (spendForm == 2) w.VarS(cents);
            }
        }
        if (p.Sentiment.IsAllocated)
        {
            var head = p.Sentiment.Head;
            if (head <= long.MinValue + clock.SentimentRingLength) throw new ArgumentException("The sentiment head is out of range.", nameof(p));
            w.VarS(p.Activity.IsAllocated ? unchecked(head - p.Activity.Head) : head);
            var n = clock.SentimentRingLength;
            while (n > 0 && IsZero(p.Sentiment.Get(unchecked(head - (n - 1))))) n--;
            w.VarU((ulong)n);
            for (var i = 0; i < n; i++)
            {
                var x = p.Sentiment.Get(unchecked(head - i));
                var mask = (x.Complaints != 0 ? 1 : 0) | (x.SupportTickets != 0 ? 2 : 0) | (x.FeedbackCount != 0 ? 4 : 0) | (x.FeedbackScoreSum != 0 ? 8 : 0);
                w.Byte((byte)mask);
                if (x.Complaints != 0) w.Byte(x.Complaints);
                if (x.SupportTickets != 0) w.Byte(x.SupportTickets);
                if (x.FeedbackCount != 0) w.Byte(x.FeedbackCount);
                if (x.FeedbackScoreSum != 0) w.Byte(x.FeedbackScoreSum);
            }
        }
        w.Seal();
        return w.Position;
    }

    /// <summary>
    /// Decodes the changelog value of customer <paramref name="customerId"/> (the record key).
    /// <see cref="FormatException"/> on an unknown version or any malformed data.
    /// </summary>
    public static CustomerProfile Decode(string customerId, ReadOnlySpan<byte> data, BucketClock clock)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentNullException.ThrowIfNull(clock);
        var r = new StateReader(StateBinary.Unseal(data, FormatVersion, What), What);
        var p = new CustomerProfile(customerId);

        var rawFlags = r.VarU();
        if (rawFlags > AllFlags) throw r.Corrupt($"undefined flag bits 0x{rawFlags:x}");
        var flags = (int)rawFlags;
        var stage = (flags >> StageShift) & 3;
        if (stage > (int)InactivityStage.Lost) throw r.Corrupt($"undefined inactivity stage {stage}");
        var unit = Units[(flags >> UnitShift) & 3];

        Span<long> times = stackalloc long[TimeCount];
        times.Fill(CustomerProfile.None);
        var previous = 0L;
        for (var i = 0; i < times.Length; i++)
        {
            if ((flags & (1 << i)) == 0) continue;
            var scaled = unchecked(previous + r.VarS());
            previous = scaled;
            if (scaled > long.MaxValue / unit || scaled < long.MinValue / unit) throw r.Corrupt("a time is out of range");
            var t = scaled * unit;
            if (t == CustomerProfile.None) throw r.Corrupt("a present time is None");
            times[i] = t;
        }
        p.FirstSeenMs = times[0];
        p.FirstPurchaseMs = times[1];
        p.LastPurchaseMs = times[2];
        p.LastEngagementMs = times[3];
        p.ScheduledTimerMs = times[4];
        p.LastStatedReasonMs = times[5];
        p.LastServiceSignalMs = times[6];
        p.SignedUpAtMs = times[7];
        var unitCode = (flags >> UnitShift) & 3;
        if (unitCode < Units.Length - 1 && AllDivisibleBy(times, Units[unitCode + 1]))
            throw r.Corrupt("the time unit is not the largest that divides every time");

        p.Orders = r.Int32("the order count");
        if ((flags & SpendBit) != 0)
        {
            p.LifetimeSpend = r.Float64();
            if (BitConverter.DoubleToUInt64Bits(p.LifetimeSpend) == 0) throw r.Corrupt("a present lifetime spend is +0");
        }
        p.LastCategory = r.NullableString("the last category");
        p.FirstChannel = r.NullableString("the first channel");
        p.Region = r.NullableString("the region");
        p.HasAttributes = (flags & AttributesBit) != 0;
        p.Unsubscribed = (flags & UnsubscribedBit) != 0;
        p.WonBack = (flags & WonBackBit) != 0;
        p.Stage = (InactivityStage)stage;

        if ((flags & DisarmedBit) != 0)
        {
            p.Disarmed = r.Byte();
            if (p.Disarmed == 0) throw r.Corrupt("present arming bits are 0");
        }
        if ((flags & SegmentsBit) != 0)
        {
            var b = r.Byte();
            int value = b & 3, lifecycle = (b >> 2) & 7, activity = (b >> 5) & 3;
            if (value > 2 || lifecycle > 5 || (b & 0x80) != 0) throw r.Corrupt($"undefined segments 0x{b:x2}");
            var b2 = r.Byte();
            int sentiment = b2 & 3, source = b2 >> 2;
            if (sentiment > 2 || source > 4) throw r.Corrupt($"undefined segments 0x{b2:x2}");
            p.Segments = new SegmentSet((ValueTier)value, (Lifecycle)lifecycle, (ActivityStatus)activity, (Sentiment)sentiment, (AcquisitionSource)source);
            p.HasSegments = true;
        }
        if ((flags & FingerprintBit) != 0)
        {
            p.NextFingerprint = r.Byte();
            var mask = r.Byte();
            if (mask > 15) throw r.Corrupt($"undefined fingerprint mask 0x{mask:x2}");
            if (mask == 0 && p.NextFingerprint == 0) throw r.Corrupt("present fingerprint state is empty");
            if ((mask & 1) != 0) p.Fingerprint0 = NonZero(ref r);
            if ((mask & 2) != 0) p.Fingerprint1 = NonZero(ref r);
            if ((mask & 4) != 0) p.Fingerprint2 = NonZero(ref r);
            if ((mask & 8) != 0) p.Fingerprint3 = NonZero(ref r);
        }
        if ((flags & ModelBit) != 0)
        {
            p.PurchaseDays = r.Int32("the purchase day count");
            p.RecentPurchaseDays = r.VarU();
            var forms = r.Byte();
            if (forms > 15 || (forms & 3) == 3 || (forms >> 2) == 3) throw r.Corrupt($"undefined spend forms 0x{forms:x2}");
            p.FirstDaySpend = ReadDouble(ref r, forms & 3);
            p.RepeatSpend = ReadDouble(ref r, forms >> 2);
            if (p.PurchaseDays == 0 && p.RecentPurchaseDays == 0 && forms == 0) throw r.Corrupt("present model inputs are all zero");
        }
        if ((flags & SketchBit) != 0)
        {
            var bin = r.VarU();
            if (bin == 0 || bin > ushort.MaxValue) throw r.Corrupt($"a tier sketch bin of {bin} is out of range");
            p.TierSketchBin = (ushort)bin;
        }
        if ((flags & StatedReasonBit) != 0)
        {
            var reason = r.Byte();
            if (reason == 0 || reason > (byte)Events.StatedReason.Other) throw r.Corrupt($"undefined stated reason {reason}");
            p.LastStatedReason = (Events.StatedReason)reason;
        }
        if ((flags & SourceBit) != 0)
        {
            var source = r.Byte();
            if (source == 0 || source > (byte)AcquisitionSource.Advertising) throw r.Corrupt($"undefined source {source}");
            p.AttributeSource = (AcquisitionSource)source;
        }

        long activityHead = 0;
        if ((flags & ActivityBit) != 0)
        {
            activityHead = r.VarS();
            var length = clock.ActivityRingLength;
            if (activityHead <= long.MinValue + length) throw r.Corrupt("the activity head is out of range");
            var n = r.Count(length, "the activity bucket count");
            var buckets = new ActivityBucket[n];
            for (var i = n - 1; i >= 0; i--)
            {
                var first = r.VarU();
                var interactions = r.VarU();
                if (first >> 2 > ushort.MaxValue || interactions > ushort.MaxValue) throw r.Corrupt("an activity count exceeds 16 bits");
                buckets[i].Purchases = (ushort)(first >> 2);
                buckets[i].Interactions = (ushort)interactions;
                switch (first & 3)
                {
                    case 1:
                        var spend = r.Float32();
                        if (BitConverter.SingleToUInt32Bits(spend) == 0 || TryCents(spend, out _))
                            throw r.Corrupt("a bucket spend is not in its shortest form");
                        buckets[i].Spend = spend;
                        break;
                    case 2:
                        var cents = r.VarS();
                        if (cents == 0 || Math.Abs(cents) > MaxCents) throw r.Corrupt($"a bucket spend of {cents} cents is out of range");
                        buckets[i].Spend = FromCents(cents);
                        if (!TryCents(buckets[i].Spend, out var back) || back != cents)
                            throw r.Corrupt("a bucket spend is not in its shortest form");
                        break;
                    case 3:
                        throw r.Corrupt("undefined bucket spend form 3");
                }
            }
            if (n > 0 && IsZero(buckets[0])) throw r.Corrupt("the oldest activity bucket kept is empty");
            p.Activity.Restore(activityHead, buckets, length);
        }
        if ((flags & SentimentBit) != 0)
        {
            var delta = r.VarS();
            var head = (flags & ActivityBit) != 0 ? unchecked(activityHead + delta) : delta;
            var length = clock.SentimentRingLength;
            if (head <= long.MinValue + length) throw r.Corrupt("the sentiment head is out of range");
            var n = r.Count(length, "the sentiment bucket count");
            var buckets = new SentimentBucket[n];
            for (var i = n - 1; i >= 0; i--)
            {
                var mask = r.Byte();
                if (mask > 15) throw r.Corrupt($"undefined sentiment mask 0x{mask:x2}");
                if ((mask & 1) != 0) buckets[i].Complaints = NonZeroByte(ref r);
                if ((mask & 2) != 0) buckets[i].SupportTickets = NonZeroByte(ref r);
                if ((mask & 4) != 0) buckets[i].FeedbackCount = NonZeroByte(ref r);
                if ((mask & 8) != 0) buckets[i].FeedbackScoreSum = NonZeroByte(ref r);
            }
            if (n > 0 && IsZero(buckets[0])) throw r.Corrupt("the oldest sentiment bucket kept is empty");
            p.WritableSentiment.Restore(head, buckets, length);
        }
        r.ExpectEnd();
        return p;
    }

    private const long MaxCents = 1L << 40;
    private const long MaxDoubleCents = 1L << 52;

    /// <summary>0 for +0.0, 2 when the value is exactly a whole number of cents as a double, 1 otherwise.</summary>
    private static int DoubleForm(double v, out long cents)
    {
        cents = 0;
        if (BitConverter.DoubleToUInt64Bits(v) == 0) return 0;
        if (double.IsFinite(v) && Math.Abs(v) <= MaxDoubleCents / 100.0)
        {
            cents = (long)Math.Round(v * 100.0);
            if (cents != 0 && BitConverter.DoubleToUInt64Bits(cents / 100.0) == BitConverter.DoubleToUInt64Bits(v)) return 2;
        }
        cents = 0;
        return 1;
    }

    private static void WriteDouble(ref StateWriter w, int form, double v, long cents)
    {
        if (form == 1) w.Float64(v);
        else if (form == 2) w.VarS(cents);
    }

    private static double ReadDouble(ref StateReader r, int form)
    {
        switch (form)
        {
            case 0: return 0;
            case 1:
                var v = r.Float64();
                if (DoubleForm(v, out _) != 1) throw r.Corrupt("a spend is not in its shortest form");
                return v;
            default:
                var cents = r.VarS();
                if (cents == 0 || Math.Abs(cents) > MaxDoubleCents) throw r.Corrupt($"a spend of {cents} cents is out of range");
                var d = cents / 100.0;
                if (DoubleForm(d, out var back) != 2 || back != cents) throw r.Corrupt("a spend is not in its shortest form");
                return d;
        }
    }

    private static float FromCents(long cents) => (float)(cents / 100.0);

    /// <summary>Whether <paramref name="spend"/> is exactly the float of a whole number of cents (other than 0), and which.</summary>
    private static bool TryCents(float spend, out long cents)
    {
        cents = 0;
        if (!float.IsFinite(spend) || Math.Abs(spend) > MaxCents / 100.0) return false;
        cents = (long)Math.Round(spend * 100.0);
        return cents != 0 && BitConverter.SingleToUInt32Bits(FromCents(cents)) == BitConverter.SingleToUInt32Bits(spend);
    }

    private static bool AllDivisibleBy(ReadOnlySpan<long> times, long unit)
    {
        foreach (var t in times)
            if (t != CustomerProfile.None && t % unit != 0) return false;
        return true;
    }

    private static bool IsZero(ActivityBucket b) =>
        b.Purchases == 0 && b.Interactions == 0 && BitConverter.SingleToUInt32Bits(b.Spend) == 0;

    private static bool IsZero(SentimentBucket b) =>
        b.Complaints == 0 && b.SupportTickets == 0 && b.FeedbackCount == 0 && b.FeedbackScoreSum == 0;

    private static ulong NonZero(ref StateReader r)
    {
        var v = r.UInt64();
        return v != 0 ? v : throw r.Corrupt("a present fingerprint is 0");
    }

    private static byte NonZeroByte(ref StateReader r)
    {
        var v = r.Byte();
        return v != 0 ? v : throw r.Corrupt("a present sentiment count is 0");
    }
}
