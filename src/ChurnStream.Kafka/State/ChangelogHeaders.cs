using System.Buffers.Binary;
using Confluent.Kafka;

namespace ChurnStream.Kafka.State;

/// <summary>
/// Every changelog record of one commit carries the same batch id; the batch's checkpoint record comes first and
/// says how many profile records follow. A restore applies a batch only when all of it is there, so a process
/// killed half-way through writing one (visible on brokers that write no transaction markers) leaves no trace.
/// </summary>
public readonly record struct ChangelogBatch(long Sequence, long Nonce)
{
    public const string BatchHeader = "churnstream.batch";
    public const string SizeHeader = "churnstream.batch.size";

    /// <summary>On a checkpoint record: the batch it follows (the last one committed before it).</summary>
    public const string PreviousHeader = "churnstream.batch.previous";

    public byte[] ToBytes()
    {
        var b = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(b, Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8), Nonce);
        return b;
    }

    public static bool TryRead(byte[]? bytes, out ChangelogBatch batch)
    {
        batch = default;
        if (bytes is not { Length: 16 }) return false;
        batch = new ChangelogBatch(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
        return true;
    }

    public static byte[] SizeBytes(int size)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, size);
        return b;
    }

    /// <summary>The batch size a checkpoint record's headers carry; -1 when there is none (or it is malformed).</summary>
    public static int SizeOf(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(SizeHeader, out var bytes) && TryReadSize(bytes, out var s) ? s : -1;

    public static bool TryReadSize(byte[]? bytes, out int size)
    {
        size = 0;
        if (bytes is not { Length: 4 }) return false;
        size = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        return size >= 0;
    }
}
