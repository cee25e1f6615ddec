using System.Text;
using ChurnStream.Domain.Partitioning;

namespace ChurnStream.Domain.Tests;

public class Murmur2PartitionerTests
{
    // Test vectors of org.apache.kafka.common.utils.UtilsTest.testMurmur2 (the Java client's partitioner).
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_equals_the_java_clients_murmur2(string key, int expected) =>
        Assert.Equal(expected, Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Partition_is_the_positive_hash_modulo_the_partition_count()
    {
        // (-973932308 & 0x7fffffff) = 1173551340; 1173551340 % 6 = 0; % 7 = 4.
        Assert.Equal(1173551340 % 6, Murmur2Partitioner.PartitionFor("21", 6));
        Assert.Equal(1173551340 % 7, Murmur2Partitioner.PartitionFor("21", 7));
    }

    [Fact]
    public void Every_customer_lands_on_a_valid_partition()
    {
        for (var i = 0; i < 10_000; i++)
        {
            var p = Murmur2Partitioner.PartitionFor($"c-{i:000000}", 12);
            Assert.InRange(p, 0, 11);
        }
    }
}
