using Microsoft.Playwright;
using Resync.Testing;

namespace Resync.Dashboard.Tests;

/// <summary>Writes the screenshots docs/dashboard.md shows, from the pages the tests drive.</summary>
internal static class Screenshots
{
    public static Task SaveAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = RepositoryFiles.PathOf("docs", "images", $"dashboard-{name}.png"), FullPage = true });
}
