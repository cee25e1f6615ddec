using System.Collections.Concurrent;

namespace ChurnStream.Domain.Profiles;

/// <summary>
/// Two-byte codes for the low-cardinality names every profile keeps (its last purchase category, its first channel), so
/// a profile holds a <c>ushort</c> for each instead of a reference. One table for the process: append-only, shared by
/// every engine and thread, and bounded; a name it cannot take (the table is full, or the name is long) gets
/// <see cref="Unlisted"/> and the profile keeps the string itself. Codes never leave memory: the changelog and the
/// outputs carry the names.
/// </summary>
internal static class NameCodes
{
    public const ushort Null = 0;
    public const ushort Unlisted = ushort.MaxValue;
    private const int MaxNameLength = 64;

    private static readonly ConcurrentDictionary<string, ushort> Codes = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>Names by code; replaced (never changed in place) when it grows, and published before the new code is.</summary>
    private static string?[] _names = new string?[16];
    private static int _count = 1;

    public static ushort CodeOf(string? name)
    {
        if (name is null) return Null;
        if (Codes.TryGetValue(name, out var code)) return code;
        if (name.Length > MaxNameLength) return Unlisted;
        lock (Gate)
        {
            if (Codes.TryGetValue(name, out code)) return code;
            if (_count == Unlisted) return Unlisted;
            var names = _names;
            if (_count == names.Length)
            {
                names = new string?[Math.Min(names.Length * 2, Unlisted)];
                Array.Copy(_names, names, _count);
            }
            code = (ushort)_count;
            names[code] = name;
            Volatile.Write(ref _names, names);
            _count++;
            Codes[name] = code;
            return code;
        }
    }

    /// <summary>The name of a code <see cref="CodeOf"/> returned (not <see cref="Unlisted"/>).</summary>
    public static string? NameOf(ushort code) => code == Null ? null : Volatile.Read(ref _names)[code];
}
