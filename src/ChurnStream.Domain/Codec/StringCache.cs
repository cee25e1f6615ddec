using System.Text;

namespace ChurnStream.Domain.Codec;

/// <summary>
/// Shares the string instances of low-cardinality values (categories), so a million profiles do not each hold
/// their own copy. Bounded: past its capacity it stops adding and just decodes.
/// </summary>
internal sealed class StringCache(int capacity = 4096)
{
    private readonly Dictionary<string, string> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public string Get(ReadOnlySpan<byte> utf8)
    {
        // A value already cached is found without decoding it into a new string (no allocation per event).
        if (utf8.Length <= 128)
        {
            Span<char> chars = stackalloc char[128];
            if (Encoding.UTF8.TryGetChars(utf8, chars, out var n))
            {
                lock (_lock)
                {
                    if (_items.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out var hit)) return hit;
                }
            }
        }
        var s = Encoding.UTF8.GetString(utf8);
        lock (_lock)
        {
            if (_items.TryGetValue(s, out var shared)) return shared;
            if (_items.Count < capacity) _items[s] = s;
            return s;
        }
    }
}
