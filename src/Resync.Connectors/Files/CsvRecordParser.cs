using System.Text;
using Resync.Core.Records;

namespace Resync.Connectors.Files;

/// <summary>
/// RFC 4180 CSV: fields separated by the delimiter, optionally quoted with <c>"</c> (a quote inside a quoted
/// field is doubled), quoted fields may span lines. A record that cannot be read fails alone at its first
/// line; when it spanned lines (a quote that was opened by mistake) the lines after the first are read again
/// as records of their own, so one broken quote costs one record, not the rest of the file.
/// </summary>
internal sealed class CsvRecordParser(string path, char delimiter, bool header, IReadOnlyList<string>? columns, string? keyField) : ILineRecordParser
{
    /// <summary>How many lines one quoted field may span before its quote is taken as broken.</summary>
    internal const int MaxLinesPerRecord = 1000;

    private readonly List<string> _fields = [];
    private readonly StringBuilder _field = new();
    private readonly List<FileLine> _continuation = [];
    private string[]? _columns = columns?.ToArray();

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
        _fields.Clear();
        _field.Clear();
        _continuation.Clear();
        var text = first.Text;
        var quoted = false;
        var afterQuote = false;
        var atFieldStart = true;
        while (true)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c != '"')
                        _field.Append(c);
                    else if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        _field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                }
                else if (c == delimiter)
                {
                    _fields.Add(_field.ToString());
                    _field.Clear();
                    atFieldStart = true;
                    afterQuote = false;
                }
                else if (afterQuote)
                {
                    return ($"unexpected '{c}' after a closing quote in field {_fields.Count + 1}", _continuation.Count > 0);
                }
                else if (c == '"')
                {
                    if (!atFieldStart)
                        return ($"a quote inside the unquoted field {_fields.Count + 1} (quote the whole field and double the quote)", _continuation.Count > 0);
                    quoted = true;
                    atFieldStart = false;
                }
                else
                {
                    _field.Append(c);
                    atFieldStart = false;
                }
            }

            if (!quoted)
            {
                _fields.Add(_field.ToString());
                return (null, _continuation.Count > 0);
            }
            if (_continuation.Count >= MaxLinesPerRecord - 1 || await reader.ReadLineAsync(cancellationToken) is not { } next)
                return ($"a quoted field in field {_fields.Count + 1} is never closed", false);
            _continuation.Add(next);
            _field.Append('\n');
            text = next.Text;
        }
    }
}
