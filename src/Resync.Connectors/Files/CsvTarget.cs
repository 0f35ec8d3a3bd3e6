using System.Globalization;
using CsvHelper;
using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Appends records to a CSV file (UTF-8), one flushed write per batch. The columns are <c>fields</c> when
/// given (other fields are left out); otherwise the existing file's header, or the first record's fields.
/// The header is written once, when the file is empty. Without <c>fields</c>, a record with a field that
/// is not a column fails alone (<c>UNEXPECTED_SHAPE</c>) rather than losing the value.
/// </summary>
public sealed class CsvTarget : ITarget
{
    private readonly AppendFile _file;
    private readonly char _delimiter;
    private readonly CsvWriterOptions _options;
    private readonly bool _header;
    private readonly bool _fieldsGiven;
    private readonly Lazy<Task<string[]?>> _existingHeader;
    private string[]? _columns;
    private HashSet<string>? _columnSet;

    /// <param name="path">The file (created with its folder when missing).</param>
    /// <param name="fields">The columns, in order; null: the existing header or the first record's fields.</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="header">Write a header line when the file is empty.</param>
    public CsvTarget(string path, IReadOnlyList<string>? fields = null, char delimiter = ',', bool header = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (delimiter is '"' or '\r' or '\n' || !char.IsAscii(delimiter))
            throw new ArgumentException("the delimiter is one ASCII character, not a quote or a line break", nameof(delimiter));
        _file = new AppendFile(path);
        _delimiter = delimiter;
        _options = CsvWriterOptions.Default with { Separator = delimiter, NewLine = "\n" };
        _header = header;
        _fieldsGiven = fields is { Count: > 0 };
        if (_fieldsGiven)
            SetColumns([.. fields!]);
        // Read once, before this target has written anything: every write waits for it before taking its turn.
        _existingHeader = new(() => _fieldsGiven || !_header ? Task.FromResult<string[]?>(null) : ExistingHeaderAsync(CancellationToken.None));
    }

    /// <summary>Called with the file's path right before it is opened (a server checks it again there).</summary>
    public Action<string>? BeforeOpen { get => _file.BeforeOpen; init => _file.BeforeOpen = value; }

    public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        var existing = await _existingHeader.Value.WaitAsync(cancellationToken);
        return await _file.AppendAsync((empty, text) =>
        {
            if (_columns is null && existing is not null)
                SetColumns(existing);
            var issues = new List<TargetRecordIssue>();
            using var csv = CsvWriter.Create(new StringWriter(text, CultureInfo.InvariantCulture), _options);
            for (var index = 0; index < batch.Records.Count; index++)
            {
                var fields = batch.Records[index].Fields;
                if (_columns is null)
                    SetColumns([.. fields.Keys]);
                if (!_fieldsGiven && fields.Keys.Where(name => !_columnSet!.Contains(name)).ToList() is { Count: > 0 } unknown)
                {
                    issues.Add(new TargetRecordIssue(index, new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.UnexpectedShape,
                        $"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a column" : "are not columns")} of the file (columns: {string.Join(", ", _columns!)})",
                        "List the columns in the target's 'fields' (fields not listed are left out), or drop the field with a map step.", unknown)));
                    continue;
                }
                if (empty && _header)
                {
                    csv.WriteRecord(_columns!);
                    empty = false;
                }
                csv.WriteRecord(_columns!.Select(name => FileValueText.Of(fields.TryGetValue(name, out var value) ? value : null)).ToArray());
            }
            return new TargetWriteResult(issues);
        }, cancellationToken);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    private void SetColumns(string[] columns)
    {
        _columns = columns;
        _columnSet = new HashSet<string>(columns, StringComparer.Ordinal);
    }

    /// <summary>The columns of a file that already has lines, read from its header.</summary>
    private async Task<string[]?> ExistingHeaderAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_file.Path) || new FileInfo(_file.Path).Length == 0)
            return null;
        var parser = new CsvRecordParser(_file.Path, _delimiter, header: true, columns: null, keyField: null);
        _file.BeforeOpen?.Invoke(_file.Path);
        await using var reader = await LineReader.OpenAsync(_file.Path, 0, 1, cancellationToken);
        await parser.ReadPreambleAsync(reader, cancellationToken);
        return parser.Columns?.ToArray();
    }
}
