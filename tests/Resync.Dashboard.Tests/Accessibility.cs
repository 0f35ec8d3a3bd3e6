using System.Text.Json;

namespace Resync.Dashboard.Tests;

/// <summary>Runs axe-core (vendored from npm, see axe/) in a page and fails on any serious or critical violation.</summary>
internal static class Accessibility
{
    private static readonly Lazy<string> Axe = new(() =>
    {
        using var stream = typeof(Accessibility).Assembly.GetManifestResourceStream("axe.min.js")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static async Task ShouldHaveNoSeriousViolationsAsync(IPage page)
    {
        // Evaluated through the DevTools protocol, which the page's content security policy does not apply to.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
            await page.EvaluateAsync(Axe.Value);
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
            """);
        violations.EnumerateArray().Select(v => v.GetString()).ShouldBeEmpty($"axe-core on {page.Url}");
    }
}
