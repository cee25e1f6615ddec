using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ChurnStream.Domain.State;

/// <summary>
/// Forward-only writer of the state formats: LEB128 varints (zig-zag for signed values), little-endian fixed-width
/// numbers and length-prefixed UTF-8. Throws <see cref="ArgumentException"/> when the destination is too small.
/// </summary>
internal ref struct StateWriter(Span<byte> destination)
{
    private readonly Span<byte> _dest = destination;
    private int _pos;

    public readonly int Position => _pos;

    public void Byte(byte b)
    {
        Ensure(1);
        _dest[_pos++] = b;
    }

    public void VarU(ulong v)
    {
        while (v >= 0x80)
        {
            Byte((byte)(v | 0x80));
            v >>= 7;
        }
        Byte((byte)v);
    }

    public void VarS(long v) => VarU(StateBinary.ZigZag(v));

    public void UInt32(uint v)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_dest[_pos..], v);
        _pos += 4;
    }

    public void UInt64(ulong v)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_dest[_pos..], v);
        _pos += 8;
    }

    public void Float32(float v) => UInt32(BitConverter.SingleToUInt32Bits(v));

    public void Float64(double v) => UInt64(BitConverter.DoubleToUInt64Bits(v));

    /// <summary>A string as varint (UTF-8 byte length + 1) and the bytes; a null string is the single byte 0.</summary>
    public void NullableString(string? s)
    {
        if (s is null)
        {
            Byte(0);
            return;
        }
        var n = StateBinary.Utf8.GetByteCount(s);
        VarU((ulong)n + 1);
        Ensure(n);
        StateBinary.Utf8.GetBytes(s, _dest.Slice(_pos, n));
        _pos += n;
    }

    /// <summary>Appends the CRC-32 (IEEE) of everything written so far, little-endian.</summary>
    public void Seal() => UInt32(Crc32.HashToUInt32(_dest[.._pos]));

    private readonly void Ensure(int n)
    {
        if (_dest.Length - _pos < n)
            throw new ArgumentException("The destination is too small for the encoded state.", "destination");
    }
}

/// <summary>
/// Strict reader of the state formats: every malformed input (truncated, over-long or overflowing varint,
/// invalid UTF-8, ...) is a <see cref="FormatException"/>, never an index error.
/// </summary>
internal ref struct StateReader(ReadOnlySpan<byte> data, string what)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private readonly string _what = what;
    private int _pos;

    public readonly bool AtEnd => _pos == _data.Length;

    public byte Byte()
    {
        if (_pos >= _data.Length) throw Truncated();
        return _data[_pos++];
    }

    public ulong VarU()
    {
        ulong v = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = Byte();
            if (shift == 63 && b > 1) throw Corrupt("a varint overflows 64 bits");
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (b == 0 && shift > 0) throw Corrupt("a varint is not in its shortest form");
                return v;
            }
        }
    }

    public long VarS() => StateBinary.UnZigZag(VarU());

    /// <summary>A varint that must lie in [0, <paramref name="max"/>].</summary>
    public int Count(int max, string field)
    {
        var v = VarU();
        if (v > (ulong)max) throw Corrupt($"{field} is {v}, more than {max}");
        return (int)v;
    }

    public int Int32(string field)
    {
        var v = VarS();
        if (v is < int.MinValue or > int.MaxValue) throw Corrupt($"{field} does not fit 32 bits");
        return (int)v;
    }

    public uint UInt32()
    {
        var s = Take(4);
        return BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public ulong UInt64()
    {
        var s = Take(8);
        return BinaryPrimitives.ReadUInt64LittleEndian(s);
    }

    public float Float32() => BitConverter.UInt32BitsToSingle(UInt32());

    public double Float64() => BitConverter.UInt64BitsToDouble(UInt64());

    public string? NullableString(string field)
    {
        var n = VarU();
        if (n == 0) return null;
        if (n - 1 > (ulong)(_data.Length - _pos)) throw Truncated();
        var bytes = Take((int)(n - 1));
        try
        {
            return StateBinary.Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt($"{field} is not valid UTF-8");
        }
    }

    public string String(string field) => NullableString(field) ?? throw Corrupt($"{field} is missing");

    public readonly void ExpectEnd()
    {
        if (!AtEnd) throw Corrupt($"{_data.Length - _pos} bytes follow the end of the record");
    }

    public readonly FormatException Corrupt(string detail) => new($"Corrupt {_what}: {detail}.");

    private readonly FormatException Truncated() => new($"Corrupt {_what}: the data is truncated.");

    private ReadOnlySpan<byte> Take(int n)
    {
        if (_data.Length - _pos < n) throw Truncated();
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }
}

internal static class StateBinary
{
    /// <summary>Strict UTF-8: invalid input throws instead of being replaced, so nothing changes silently.</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    public static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    /// <summary>The bytes a varint of <paramref name="v"/> takes.</summary>
    public static int VarSize(ulong v)
    {
        var n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    public const int MaxVarint = 10;

    /// <summary>Upper bound of a length-prefixed string's size.</summary>
    public static int MaxStringSize(string? s) => s is null ? 1 : MaxVarint + Utf8.GetMaxByteCount(s.Length);

    /// <summary>
    /// Checks the version byte and the trailing CRC-32 of a sealed record and returns its body (after the version,
    /// before the checksum).
    /// </summary>
    public static ReadOnlySpan<byte> Unseal(ReadOnlySpan<byte> data, byte version, string what) =>
        Unseal(data, version, version, what, out _);

    /// <summary>As <see cref="Unseal(ReadOnlySpan{byte}, byte, string)"/>, for a format read in versions <paramref name="oldest"/> to <paramref name="newest"/>.</summary>
    public static ReadOnlySpan<byte> Unseal(ReadOnlySpan<byte> data, byte oldest, byte newest, string what, out byte version)
    {
        if (data.IsEmpty) throw new FormatException($"Corrupt {what}: the data is empty.");
        version = data[0];
        if (version < oldest || version > newest)
            throw new FormatException(oldest == newest
                ? $"Unsupported {what} format version {version} (this build reads version {newest})."
                : $"Unsupported {what} format version {version} (this build reads versions {oldest} to {newest}).");
        if (data.Length < 5) throw new FormatException($"Corrupt {what}: the data is truncated.");
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        if (Crc32.HashToUInt32(data[..^4]) != expected)
            throw new FormatException($"Corrupt {what}: checksum mismatch (truncated or damaged data).");
        return data[1..^4];
    }
}
