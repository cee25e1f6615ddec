namespace ChurnStream.Simulation;

/// <summary>
/// xoshiro256** seeded through splitmix64. Our own implementation so that the generated
/// population never changes with the runtime (System.Random's algorithm is not a contract).
/// </summary>
internal sealed class Prng
{
    private ulong _s0, _s1, _s2, _s3;

    private Prng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>A generator for the stream <paramref name="stream"/> of entity <paramref name="entity"/> under <paramref name="seed"/>.</summary>
    public static Prng Create(int seed, long entity, int stream)
    {
        ulong x = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
        ulong k = SplitMix64(ref x);
        x = k ^ unchecked((ulong)entity * 0xBF58476D1CE4E5B9UL);
        k = SplitMix64(ref x);
        x = k ^ unchecked((ulong)(uint)stream * 0x94D049BB133111EBUL);
        return new Prng(SplitMix64(ref x));
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = unchecked(RotateLeft(_s1 * 5, 7) * 9);
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [lo, hiInclusive].</summary>
    public int NextInt(int lo, int hiInclusive)
    {
        ulong range = (ulong)((long)hiInclusive - lo + 1);
        return (int)(lo + (long)(NextUInt64() % range));
    }

    public bool Chance(double p) => NextDouble() < p;
}
