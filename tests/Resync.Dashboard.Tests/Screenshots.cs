namespace Resync.Dashboard.Tests;

/// <summary>
/// The screenshots docs/dashboard.md shows, from the pages the tests drive. They go to docs/images only when
/// <c>RESYNC_WRITE_SCREENSHOTS=1</c> asks for it (a plain test run leaves the tree clean); otherwise to a temp folder.
/// </summary>
internal static class Screenshots
{
    public const string Variable = "RESYNC_WRITE_SCREENSHOTS";

    public static Task SaveAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Folder, $"dashboard-{name}.png"), FullPage = true });

    private static string Folder => Environment.GetEnvironmentVariable(Variable) == "1"
        ? RepositoryFiles.PathOf("docs", "images")
        : Path.Combine(Path.GetTempPath(), "resync-dashboard-screenshots");
}
