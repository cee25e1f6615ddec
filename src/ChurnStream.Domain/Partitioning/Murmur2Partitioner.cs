namespace ChurnStream.Domain.Partitioning;

/// <summary>
/// The Java client's default partitioner for keyed records (librdkafka's <c>murmur2_random</c>):
/// <c>(murmur2(key) &amp; 0x7fffffff) % partitions</c>. The partition a customer's state lives in.
/// </summary>
public static class Murmur2Partitioner
{
    public static int PartitionFor(ReadOnlySpan<byte> key, int partitionCount) =>
        (int)((uint)(Hash(key) & 0x7fffffff) % (uint)partitionCount);

    public static int PartitionFor(string key, int partitionCount)
    {
        Span<byte> buffer = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(key.Length)];
        var n = System.Text.Encoding.UTF8.GetBytes(key, buffer);
        return PartitionFor(buffer[..n], partitionCount);
    }

    /// <summary>Kafka's murmur2 (seed 0x9747b28c), byte-for-byte as in org.apache.kafka.common.utils.Utils.murmur2.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28c ^ (uint)length;
        var length4 = length / 4;
        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = (uint)(data[i4] | data[i4 + 1] << 8 | data[i4 + 2] << 16 | data[i4 + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        var tail = length4 * 4;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}
