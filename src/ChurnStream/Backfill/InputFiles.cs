using System.IO.Compression;

namespace ChurnStream.Host.Backfill;

/// <summary>Opens an input file for sequential reading (<c>.gz</c> is decompressed on the fly).</summary>
internal static class InputFiles
{
    public static (Stream Stream, FileStream File) Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return (s, file);
    }

    public static string FormatOf(string path, string? forced)
    {
        if (forced is not null) return forced;
        var p = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return p.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "csv" : "jsonl";
    }
}

/// <summary>
/// Reads a stream line by line as bytes, without decoding or keeping more than one line: JSON Lines go to the
/// parser as UTF-8 spans. A line longer than <see cref="MaxLineBytes"/> is reported (and skipped), not buffered.
/// </summary>
internal sealed class ByteLineReader(Stream stream)
{
    public const int MaxLineBytes = 1 << 20;

    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// The next line without its line break (and without a trailing CR); false at the end. <paramref name="tooLong"/>
    /// is set (and <paramref name="line"/> empty) for a line over the limit, which is consumed entirely.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out bool tooLong)
    {
        tooLong = false;
        var scanFrom = _start;
        while (true)
        {
            var nl = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var lineEnd = scanFrom + nl;
                line = Trim(_buffer.AsSpan(_start, lineEnd - _start));
                _start = lineEnd + 1;
                LineNumber++;
                return true;
            }
            if (_eof)
            {
                if (_start == _end) { line = default; return false; }
                line = Trim(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                LineNumber++;
                return true;
            }
            scanFrom = _end;
            if (_end - _start >= MaxLineBytes)
            {
                SkipRestOfLine();
                LineNumber++;
                tooLong = true;
                line = default;
                return true;
            }
            // Make room: move the partial line to the front, grow when the line fills the buffer.
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                scanFrom -= _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes + (1 << 16)));
            var n = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0) _eof = true;
            else _end += n;
        }
    }

    private void SkipRestOfLine()
    {
        _start = _end = 0;
        while (true)
        {
            var n = stream.Read(_buffer, 0, _buffer.Length);
            if (n == 0) { _eof = true; return; }
            var nl = _buffer.AsSpan(0, n).IndexOf((byte)'\n');
            if (nl >= 0) { _start = nl + 1; _end = n; return; }
        }
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        return line;
    }
}

/// <summary>
/// A streaming RFC 4180 reader: fields separated by one delimiter character, optionally in double quotes (a quote
/// doubled inside), records ending at a line break outside quotes. Keeps one record in memory.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader, char delimiter)
{
    public const int MaxRecordChars = 1 << 20;

    private readonly char[] _buffer = new char[1 << 16];
    private readonly System.Text.StringBuilder _field = new();
    private int _pos, _len;
    private long _line = 1;

    /// <summary>The fields of the record last read.</summary>
    public List<string> Fields { get; } = [];

    /// <summary>The line the record last read starts on (1-based).</summary>
    public long RecordLine { get; private set; }

    /// <summary>Why the record last read is malformed, or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>The next record that is not an empty line; false at the end.</summary>
    public bool Read()
    {
        while (true)
        {
            if (!ReadRecord(out var empty)) return false;
            if (!empty) return true;
        }
    }

    private int Peek()
    {
        if (_pos == _len)
        {
            _len = reader.Read(_buffer, 0, _buffer.Length);
            _pos = 0;
            if (_len == 0) return -1;
        }
        return _buffer[_pos];
    }

    private bool ReadRecord(out bool empty)
    {
        Fields.Clear();
        Problem = null;
        RecordLine = _line;
        empty = false;
        if (Peek() < 0) return false;
        var chars = 0;
        var quoted = false;
        var fieldStarted = false;
        _field.Clear();
        while (true)
        {
            var c = Peek();
            if (c < 0)
            {
                if (quoted) Problem ??= "a quoted field is not closed before the end of the file";
                EndField();
                return true;
            }
            _pos++;
            if (++chars > MaxRecordChars && Problem is null)
            {
                Problem = $"the record is longer than {MaxRecordChars} characters (an unclosed quote?)";
            }
            if (quoted)
            {
                if (c == '"')
                {
                    if (Peek() == '"') { _pos++; Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') _line++;
                    Append((char)c);
                }
                continue;
            }
            if (c == '\n')
            {
                _line++;
                if (!fieldStarted && Fields.Count == 0 && _field.Length == 0) { empty = true; return true; }
                EndField();
                return true;
            }
            if (c == '\r') continue;
            if (c == delimiter) { EndField(); fieldStarted = true; continue; }
            if (c == '"' && _field.Length == 0) { quoted = true; fieldStarted = true; continue; }
            fieldStarted = true;
            Append((char)c);
        }
    }

    private void Append(char c)
    {
        if (_field.Length < MaxRecordChars) _field.Append(c);
    }

    private void EndField()
    {
        Fields.Add(_field.ToString());
        _field.Clear();
    }
}
