using System.ComponentModel;
using System.Reflection;
using System.Text;

namespace Resync.Core.Tests.Errors;

/// <summary>docs/errors.md lists Resync's own codes from <see cref="ErrorCodes"/>, as docs/links.md lists the link keys from the schemas.</summary>
public sealed class ErrorCodesTests
{
    private const string BeginMarker = "<!-- error-codes:begin (generated from ErrorCodes; do not edit by hand) -->";
    private const string EndMarker = "<!-- error-codes:end -->";

    [Fact]
    public void DocsErrorCodesTable_MatchesErrorCodes()
    {
        var path = RepositoryFiles.PathOf("docs", "errors.md");
        var document = File.ReadAllText(path);
        var begin = document.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = document.IndexOf(EndMarker, StringComparison.Ordinal);
        (begin >= 0 && end > begin).ShouldBeTrue("docs/errors.md has the error-codes markers");

        var expected = document[..(begin + BeginMarker.Length)] + "\n\n" + Table() + "\n" + document[end..];
        // Regenerate with RESYNC_UPDATE_DOCS=1 dotnet test tests/Resync.Core.Tests --filter DocsErrorCodesTable
        if (Environment.GetEnvironmentVariable("RESYNC_UPDATE_DOCS") == "1")
            File.WriteAllText(path, expected);

        document.ShouldBe(expected, "docs/errors.md is out of date: regenerate its table with RESYNC_UPDATE_DOCS=1 (see this test).");
    }

    [Fact]
    public void EveryErrorCode_HasADescriptionAndADistinctValue()
    {
        var codes = Codes();

        codes.Where(c => string.IsNullOrWhiteSpace(c.Description)).Select(c => c.Name).ShouldBeEmpty("every code says what it means, for docs/errors.md");
        codes.GroupBy(c => c.Value).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty();
    }

    private static string Table()
    {
        var text = new StringBuilder().AppendLine("| code | what it means |").AppendLine("|---|---|");
        foreach (var code in Codes().OrderBy(c => c.Value, StringComparer.Ordinal))
            text.AppendLine($"| `{code.Value}` | {code.Description} |");
        return text.ToString();
    }

    private static List<(string Name, string Value, string? Description)> Codes() =>
        typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!, f.GetCustomAttribute<DescriptionAttribute>()?.Description))
            .ToList();
}
