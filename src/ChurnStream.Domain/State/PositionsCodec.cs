using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.State;

/// <summary>
/// The changelog record of a partition's <see cref="PartitionCheckpoint"/>: input positions, the engine's watermarks,
/// the events still buffered, the repartition source watermarks. Its key (<see cref="KeyFor"/>) starts with byte 0xFF,
/// which no UTF-8 customer id does, so it shares the customer-keyed changelog without colliding.
/// <para><b>Format version 2</b> (varint = unsigned LEB128; zz = zig-zag then varint; opt-time = varint of
/// (zig-zag(t) + 1) mod 2^64, so that 0 is none = <c>long.MinValue</c>; str = varint (UTF-8 length + 1) and the bytes,
/// 0 = null; fixed-width numbers little-endian):</para>
/// <list type="number">
/// <item><c>byte</c> format version = 2 (version 1, read too, lacks the source flags below).</item>
/// <item><c>varint</c> number of positions; per position, in ordinal order of the topic, no repeats:
/// str topic (not null), zz next offset.</item>
/// <item>opt-time <c>Watermark</c>, opt-time <c>MaxEventTime</c>, opt-time <c>OwnInputsWatermark</c>.</item>
/// <item><c>varint</c> number of inputs; per input: opt-time watermark, <c>byte</c> flags (bit 0 idle, bit 1 driven by
/// watermarks; others 0).</item>
/// <item><c>varint</c> number of source watermarks; each an opt-time and <c>byte</c> flags (bit 0 idle; others 0).</item>
/// <item><c>varint</c> number of buffered events, in <see cref="EventTimeOrder"/>; per event: str customer id (not null);
/// zz occurred-at, the first absolute, the others as the difference to the previous event's; <c>byte</c> kind;
/// <c>byte</c> flags (bit 0 amount ≠ +0.0, 1 event id, 2 category, 3 channel not null, 4 score ≠ 0, 5 reason ≠ None;
/// others 0); then if set: <c>float64</c> amount, str event id, str category, str channel, <c>byte</c> score,
/// <c>byte</c> reason.</item>
/// <item><c>uint32</c> CRC-32 (IEEE) of all preceding bytes.</item>
/// </list>
/// Decoding is strict (<see cref="FormatException"/> on another version, a bad checksum, truncation, trailing bytes,
/// unsorted topics, undefined flags or kinds).
/// </summary>
public static class PositionsCodec
{
    public const byte FormatVersion = 2;

    /// <summary>The oldest format version this build still reads (a checkpoint written before an upgrade).</summary>
    public const byte OldestReadableVersion = 1;

    private const string What = "partition checkpoint";

    /// <summary>The changelog key of partition <paramref name="partition"/>'s checkpoint: 0xFF 'P' and the partition as a varint.</summary>
    public static byte[] KeyFor(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        Span<byte> b = stackalloc byte[2 + StateBinary.MaxVarint];
        var w = new StateWriter(b);
        w.Byte(0xFF);
        w.Byte((byte)'P');
        w.VarU((ulong)partition);
        return b[..w.Position].ToArray();
    }

    /// <summary>Whether a changelog key is a checkpoint key rather than a customer id.</summary>
    public static bool IsCheckpointKey(ReadOnlySpan<byte> key) => key.Length > 0 && key[0] == 0xFF;

    public static int MaxEncodedLength(PartitionCheckpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var n = 1 + StateBinary.MaxVarint * 6 + 4;
        foreach (var (topic, _) in c.Positions) n += StateBinary.MaxStringSize(topic) + StateBinary.MaxVarint;
        n += c.Watermarks.Inputs.Count * (StateBinary.MaxVarint + 1);
        n += c.SourceWatermarks.Count * (StateBinary.MaxVarint + 1);
        foreach (var e in c.Buffered)
            n += StateBinary.MaxStringSize(e.CustomerId) + StateBinary.MaxVarint + 2 + 8
                 + StateBinary.MaxStringSize(e.EventId) + StateBinary.MaxStringSize(e.Category) + StateBinary.MaxStringSize(e.Channel) + 2;
        return n;
    }

    public static byte[] Encode(PartitionCheckpoint c)
    {
        var buffer = new byte[MaxEncodedLength(c)];
        return buffer.AsSpan(0, Encode(c, buffer)).ToArray();
    }

    public static int Encode(PartitionCheckpoint c, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(c);
        var w = new StateWriter(destination);
        w.Byte(FormatVersion);

        var topics = c.Positions.Keys.ToArray();
        Array.Sort(topics, StringComparer.Ordinal);
        w.VarU((ulong)topics.Length);
        foreach (var topic in topics)
        {
            w.NullableString(topic ?? throw new ArgumentException("A topic name is null.", nameof(c)));
            w.VarS(c.Positions[topic]);
        }

        var wm = c.Watermarks;
        OptTime(ref w, wm.Watermark);
        OptTime(ref w, wm.MaxEventTime);
        OptTime(ref w, wm.OwnInputsWatermark);
        w.VarU((ulong)wm.Inputs.Count);
        foreach (var input in wm.Inputs)
        {
            OptTime(ref w, input.Watermark);
            w.Byte((byte)((input.Idle ? 1 : 0) | (input.DrivenByWatermarks ? 2 : 0)));
        }

        w.VarU((ulong)c.SourceWatermarks.Count);
        foreach (var s in c.SourceWatermarks)
        {
            OptTime(ref w, s.Watermark);
            w.Byte((byte)(s.Idle ? 1 : 0));
        }

        var events = c.Buffered.ToArray();
        Array.Sort(events, EventTimeOrder.Instance);
        w.VarU((ulong)events.Length);
        var previous = 0L;
        foreach (var e in events)
        {
            w.NullableString(e.CustomerId ?? throw new ArgumentException("A buffered event has no customer id.", nameof(c)));
            w.VarS(unchecked(e.OccurredAtMs - previous));
            previous = e.OccurredAtMs;
            w.Byte((byte)e.Kind);
            var amount = BitConverter.DoubleToUInt64Bits(e.Amount) != 0;
            w.Byte((byte)((amount ? 1 : 0) | (e.EventId is not null ? 2 : 0) | (e.Category is not null ? 4 : 0)
                          | (e.Channel is not null ? 8 : 0) | (e.Score != 0 ? 16 : 0) | (e.Reason != StatedReason.None ? 32 : 0)));
            if (amount) w.Float64(e.Amount);
            if (e.EventId is not null) w.NullableString(e.EventId);
            if (e.Category is not null) w.NullableString(e.Category);
            if (e.Channel is not null) w.NullableString(e.Channel);
            if (e.Score != 0) w.Byte(e.Score);
            if (e.Reason != StatedReason.None) w.Byte((byte)e.Reason);
        }
        w.Seal();
        return w.Position;
    }

    public static PartitionCheckpoint Decode(ReadOnlySpan<byte> data)
    {
        var body = StateBinary.Unseal(data, OldestReadableVersion, FormatVersion, What, out var version);
        var r = new StateReader(body, What);
        // every element takes at least one byte: a count beyond the body's length is corrupt, not a huge allocation
        var maxCount = body.Length;

        var positionCount = r.Count(maxCount, "the number of positions");
        var positions = new Dictionary<string, long>(positionCount, StringComparer.Ordinal);
        string? last = null;
        for (var i = 0; i < positionCount; i++)
        {
            var topic = r.String("a topic name");
            if (last is not null && string.CompareOrdinal(last, topic) >= 0) throw r.Corrupt("topics are not in ordinal order");
            positions[topic] = r.VarS();
            last = topic;
        }

        var watermark = OptTime(ref r);
        var maxEventTime = OptTime(ref r);
        var own = OptTime(ref r);
        var inputs = new InputWatermark[r.Count(maxCount, "the number of inputs")];
        for (var i = 0; i < inputs.Length; i++)
        {
            var t = OptTime(ref r);
            var f = r.Byte();
            if (f > 3) throw r.Corrupt($"undefined input flags 0x{f:x2}");
            inputs[i] = new InputWatermark(t, (f & 1) != 0, (f & 2) != 0);
        }

        var sources = new SourceWatermark[r.Count(maxCount, "the number of source watermarks")];
        for (var i = 0; i < sources.Length; i++)
        {
            var t = OptTime(ref r);
            var f = version >= 2 ? r.Byte() : (byte)0;
            if (f > 1) throw r.Corrupt($"undefined source flags 0x{f:x2}");
            sources[i] = new SourceWatermark(t, f == 1);
        }

        var events = new CustomerEvent[r.Count(maxCount, "the number of buffered events")];
        var previous = 0L;
        for (var i = 0; i < events.Length; i++)
        {
            var customer = r.String("a customer id");
            var at = unchecked(previous + r.VarS());
            previous = at;
            var kind = r.Byte();
            if (kind > (byte)EventKind.Unsubscribe) throw r.Corrupt($"undefined event kind {kind}");
            var f = r.Byte();
            if (f > 63) throw r.Corrupt($"undefined event flags 0x{f:x2}");
            var amount = (f & 1) != 0 ? r.Float64() : 0;
            if ((f & 1) != 0 && BitConverter.DoubleToUInt64Bits(amount) == 0) throw r.Corrupt("a present amount is +0");
            var eventId = (f & 2) != 0 ? r.String("an event id") : null;
            var category = (f & 4) != 0 ? r.String("a category") : null;
            var channel = (f & 8) != 0 ? r.String("a channel") : null;
            byte score = 0;
            if ((f & 16) != 0 && (score = r.Byte()) == 0) throw r.Corrupt("a present score is 0");
            var reason = StatedReason.None;
            if ((f & 32) != 0)
            {
                var b = r.Byte();
                if (b is 0 or > (byte)StatedReason.Other) throw r.Corrupt($"undefined stated reason {b}");
                reason = (StatedReason)b;
            }
            events[i] = new CustomerEvent(customer, at, (EventKind)kind, amount, eventId, category, channel, score, reason);
            if (i > 0 && EventTimeOrder.Instance.Compare(events[i - 1], events[i]) > 0) throw r.Corrupt("buffered events are out of order");
        }
        r.ExpectEnd();
        return new PartitionCheckpoint(positions, new EngineWatermarks(watermark, maxEventTime, own, inputs), events, sources);
    }

    private static void OptTime(ref StateWriter w, long t) => w.VarU(unchecked(StateBinary.ZigZag(t) + 1));

    private static long OptTime(ref StateReader r) => StateBinary.UnZigZag(unchecked(r.VarU() - 1));
}
