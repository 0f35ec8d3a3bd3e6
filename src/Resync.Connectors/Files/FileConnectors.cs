using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>Registers the CSV and JSON Lines sources and targets (<c>csv</c>, <c>jsonl</c>) with a link-file catalog.</summary>
public static class FileConnectors
{
    private static readonly KeySpec SourcePath = new("path", ValueKind.Text, "The file to read (relative to the link file's folder), UTF-8.") { Required = true, FilePath = true };
    private static readonly KeySpec TargetPath = new("path", ValueKind.Text, "The file to append to (relative to the link file's folder); created with its folder when missing.") { Required = true, FilePath = true };
    private static readonly KeySpec KeyField = new("keyField", ValueKind.Text, "The field that holds each record's key (its id in run summaries, retries and dedupe).");
    private static readonly KeySpec Delimiter = new("delimiter", ValueKind.Text, "The field separator: one ASCII character (not a quote), or 'tab'.") { Default = "," };
    private static readonly KeySpec Fields = new("fields", ValueKind.TextList, "The fields to write, in this order (fields not listed are left out).");

    public static ComponentCatalog AddFileConnectors(this ComponentCatalog catalog) => catalog
        .AddSource("csv", "A CSV file, read in pages of the batch size without loading it; a malformed row fails alone with its line number.",
            new ConfigSchema(SourcePath, KeyField, Delimiter,
                new KeySpec("header", ValueKind.Boolean, "The first line names the columns.") { Default = "true" },
                new KeySpec("columns", ValueKind.TextList, "The column names, in order (replaces the header's names; without a header the default is column1, column2, …).")),
            (config, _) =>
            {
                var header = config.Boolean("header", true);
                var columns = config.TextList("columns");
                var keyField = config.Text("keyField");
                if (!header && columns is null && keyField is not null && !keyField.StartsWith("column", StringComparison.Ordinal))
                    config.Problem("keyField", $"without a header the columns are named column1, column2, …: name them with 'columns' to use '{keyField}'");
                if (columns is not null && keyField is not null && !columns.Contains(keyField, StringComparer.Ordinal))
                    config.Problem("keyField", $"'{keyField}' is not one of the columns: {string.Join(", ", columns)}");
                return new CsvSource(config.ResolvePath(config.Text("path", "")), keyField, ReadDelimiter(config), header, columns) { BeforeOpen = config.Trust.CheckBeforeOpen };
            })
        .AddSource("jsonl", "A JSON Lines file (one object per line), read in pages of the batch size without loading it; a malformed line fails alone with its line number.",
            new ConfigSchema(SourcePath, KeyField),
            (config, _) => new JsonLinesSource(config.ResolvePath(config.Text("path", "")), config.Text("keyField")) { BeforeOpen = config.Trust.CheckBeforeOpen })
        .AddTarget("csv", "Appends records to a CSV file, flushed per batch; the header is written once.",
            new ConfigSchema(TargetPath, Fields, Delimiter,
                new KeySpec("header", ValueKind.Boolean, "Write a header line when the file is empty.") { Default = "true" }),
            (config, _) => new CsvTarget(config.ResolvePath(config.Text("path", "")), config.TextList("fields"), ReadDelimiter(config), config.Boolean("header", true))
            {
                BeforeOpen = config.Trust.CheckBeforeOpen,
            })
        .AddTarget("jsonl", "Appends records to a JSON Lines file, one object per line, flushed per batch.",
            new ConfigSchema(TargetPath, Fields),
            (config, _) => new JsonLinesTarget(config.ResolvePath(config.Text("path", "")), config.TextList("fields")) { BeforeOpen = config.Trust.CheckBeforeOpen });

    private static char ReadDelimiter(ConfigSection config)
    {
        var text = config.Text("delimiter", ",");
        if (text.Equals("tab", StringComparison.OrdinalIgnoreCase) || text == "\\t")
            return '\t';
        if (text.Length != 1 || text[0] is '"' or '\r' or '\n' || !char.IsAscii(text[0]))
        {
            config.Problem("delimiter", $"expected one ASCII character (not a quote or a line break) or 'tab', found '{text}'");
            return ',';
        }
        return text[0];
    }
}
