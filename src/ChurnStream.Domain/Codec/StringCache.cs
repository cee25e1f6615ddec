using System.Text;

namespace ChurnStream.Domain.Codec;

/// <summary>
/// Shares the string instances of low-cardinality values (categories, channels), so that parsing a known value
/// allocates nothing (profiles keep such names as codes, see <c>NameCodes</c>). Bounded: past its capacity it stops
/// adding and just decodes.
/// <para>Keyed by the UTF-8 bytes, so a value already cached is found without decoding it. Lookups take no lock (the parser
/// is shared by every partition's thread): a slot is written once, with an entry that is complete before it is published,
/// and a full table is replaced by a larger copy; a lookup that misses takes the lock and looks again.</para>
/// </summary>
internal sealed class StringCache(int capacity = 4096)
{
    private sealed class Entry(byte[] utf8, string value)
    {
        public readonly byte[] Utf8 = utf8;
        public readonly string Value = value;
    }

    private readonly Lock _lock = new();
    private Entry?[] _slots = new Entry?[16];
    private int _count;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        var hash = Hash(utf8);
        if (Find(Volatile.Read(ref _slots), utf8, hash) is { } hit) return hit.Value;
        lock (_lock)
        {
            if (Find(_slots, utf8, hash) is { } again) return again.Value;
            var s = Encoding.UTF8.GetString(utf8);
            if (_count < capacity)
            {
                if ((_count + 1) * 2 > _slots.Length) Volatile.Write(ref _slots, Grown(_slots));
                Insert(_slots, new Entry(utf8.ToArray(), s), hash);
                _count++;
            }
            return s;
        }
    }

    private static Entry? Find(Entry?[] slots, ReadOnlySpan<byte> utf8, uint hash)
    {
        var mask = slots.Length - 1;
        for (var i = (int)(hash & (uint)mask); ; i = (i + 1) & mask)
        {
            var e = slots[i];
            if (e is null || e.Utf8.AsSpan().SequenceEqual(utf8)) return e;
        }
    }

    private static void Insert(Entry?[] slots, Entry entry, uint hash)
    {
        var mask = slots.Length - 1;
        var i = (int)(hash & (uint)mask);
        while (slots[i] is not null) i = (i + 1) & mask;
        slots[i] = entry;
    }

    private static Entry?[] Grown(Entry?[] slots)
    {
        var grown = new Entry?[slots.Length * 2];
        foreach (var e in slots)
            if (e is not null) Insert(grown, e, Hash(e.Utf8));
        return grown;
    }

    private static uint Hash(ReadOnlySpan<byte> utf8)
    {
        // FNV-1a: the values are short and few; any spread over the slots will do.
        var h = 2166136261u;
        foreach (var b in utf8) h = (h ^ b) * 16777619u;
        return h;
    }
}
