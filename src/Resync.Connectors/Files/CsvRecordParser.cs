using System.Text;
using CsvHelper;
using Resync.Core.Records;

namespace Resync.Connectors.Files;

/// <summary>
/// RFC 4180 CSV, read by CsvHelper: fields separated by the delimiter, optionally quoted with <c>"</c> (a quote inside a
/// quoted field is doubled), quoted fields may span lines. The file is framed in lines here (for byte-offset page cursors
/// and line numbers), and a record's lines are handed to CsvHelper whole. A record that cannot be read fails alone at its first
/// line; when it spanned lines (a quote that was opened by mistake) the lines after the first are read again
/// as records of their own, so one broken quote costs one record, not the rest of the file.
/// </summary>
internal sealed class CsvRecordParser(string path, char delimiter, bool header, IReadOnlyList<string>? columns, string? keyField) : ILineRecordParser
{
    /// <summary>How many lines one quoted field may span before its quote is taken as broken.</summary>
    internal const int MaxLinesPerRecord = 1000;

    private readonly List<string> _fields = [];
    private readonly StringBuilder _text = new();
    private readonly List<FileLine> _continuation = [];
    private string[]? _columns = columns?.ToArray();
    private CsvMalformedRecord? _malformed;
    private CsvReaderOptions? _options;

    private CsvReaderOptions Options(char separator) => CsvReaderOptions.Default with
    {
        Separator = separator,
        HasHeader = false,
        AllowLineBreaksInQuotes = true,
        TrimWhitespace = false,
        // One record at a time: a small buffer that grows for a long record, not 64 KiB per record.
        BufferSize = 1024,
        OnMalformedRecord = record => _malformed ??= record,
    };

    /// <summary>The column names (known after the header, or after the first record without one).</summary>
    public IReadOnlyList<string>? Columns => _columns;

    public async ValueTask ReadPreambleAsync(LineReader reader, CancellationToken cancellationToken)
    {
        if (!header)
            return;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Text.Length == 0)
                continue;
            var (problem, _) = await ParseAsync(line, reader, cancellationToken);
            if (problem is not null)
                throw FileErrors.BadHeader(path, $"line {line.Number}: {problem}");
            var names = _fields.ToArray();
            var duplicate = names.GroupBy(name => name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
            if (duplicate is not null)
                throw FileErrors.BadHeader(path, $"the column '{duplicate.Key}' appears twice");
            if (names.Any(string.IsNullOrWhiteSpace))
                throw FileErrors.BadHeader(path, "a column has no name");
            _columns ??= names;
            break;
        }
        if (keyField is not null && _columns is not null && !_columns.Contains(keyField, StringComparer.Ordinal))
            throw FileErrors.BadHeader(path, $"there is no column '{keyField}' (the keyField); columns: {string.Join(", ", _columns)}");
    }

    public async ValueTask<Record?> NextAsync(LineReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Text.Length == 0)
                continue;
            if (!line.IsValidUtf8)
                return Record.Unreadable(FileErrors.MalformedLine(line.Number, "the line is not valid UTF-8"), FileErrors.Raw(line));

            var (problem, spanned) = await ParseAsync(line, reader, cancellationToken);
            _columns ??= [.. Enumerable.Range(1, _fields.Count).Select(i => $"column{i}")];
            if (problem is null && _fields.Count != _columns.Length)
                problem = $"expected {_columns.Length} fields, found {_fields.Count}";
            if (problem is not null)
            {
                // Read the lines after the first again on their own: the quote that joined them was most likely the mistake.
                for (var i = _continuation.Count - 1; i >= 0; i--)
                    reader.PushBack(_continuation[i]);
                return Record.Unreadable(FileErrors.MalformedLine(line.Number, spanned ? $"{problem} (a quoted field runs over several lines)" : problem), FileErrors.Raw(line));
            }

            var fields = new Dictionary<string, object?>(_columns.Length, StringComparer.Ordinal);
            for (var i = 0; i < _columns.Length; i++)
                fields[_columns[i]] = _fields[i];
            var key = keyField is not null && fields.TryGetValue(keyField, out var value) && value is string { Length: > 0 } text ? text : null;
            return new Record(key, fields);
        }
        return null;
    }

    /// <summary>Splits one record into <see cref="_fields"/>, reading more lines while a quoted field is open. Returns the problem, if any.</summary>
    private async ValueTask<(string? Problem, bool Spanned)> ParseAsync(FileLine first, LineReader reader, CancellationToken cancellationToken)
    {
        _continuation.Clear();
        _text.Clear().Append(first.Text);
        while (true)
        {
            var (problem, unterminated) = Split();
            if (!unterminated)
                return (problem, _continuation.Count > 0);
            if (_continuation.Count >= MaxLinesPerRecord - 1 || await reader.ReadLineAsync(cancellationToken) is not { } next)
                return (problem, false);
            _continuation.Add(next);
            _text.Append('\n').Append(next.Text);
        }
    }

    /// <summary>Reads <see cref="_text"/> as one record with CsvHelper; says what is wrong with its quoting, if anything.</summary>
    private (string? Problem, bool Unterminated) Split()
    {
        _fields.Clear();
        _malformed = null;
        var bytes = Encoding.UTF8.GetBytes(_text.ToString());
        using (var csv = CsvReader.Create(bytes, _options ??= Options(delimiter)))
        {
            if (csv.Read())
            {
                for (var i = 0; i < csv.FieldCount; i++)
                    _fields.Add(csv.GetString(i) ?? "");
            }
        }
        if (_malformed is not { } malformed)
            return (null, false);
        var field = FieldAt(bytes, (int)Math.Min(malformed.ByteOffset, bytes.Length));
        return malformed.Reason switch
        {
            CsvMalformedReason.UnterminatedQuote => ($"a quoted field in field {field} is never closed", true),
            CsvMalformedReason.StrayQuote => ($"a quote inside the unquoted field {field} (quote the whole field and double the quote)", false),
            CsvMalformedReason.TextAfterClosingQuote => ($"unexpected '{CharAt(bytes, (int)malformed.ByteOffset)}' after a closing quote in field {field}", false),
            var other => ($"{other} in field {field}", false),
        };
    }

    private static string CharAt(byte[] bytes, int offset)
    {
        Rune.DecodeFromUtf8(bytes.AsSpan(offset), out var rune, out _);
        return rune.ToString();
    }

    /// <summary>The 1-based number of the field a byte offset of the record is in: separators outside quotes before it, plus one.</summary>
    private int FieldAt(byte[] bytes, int offset)
    {
        var quoted = false;
        var field = 1;
        foreach (var b in bytes.AsSpan(0, offset))
        {
            if (b == '"')
                quoted = !quoted;
            else if (b == delimiter && !quoted)
                field++;
        }
        return field;
    }
}
