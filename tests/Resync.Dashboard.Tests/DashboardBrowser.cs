using System.Text.RegularExpressions;
using Resync.Server;

namespace Resync.Dashboard.Tests;

/// <summary>
/// One real <c>resync serve</c> (keys for an operator and tenants acme and globex) and one headless Chromium (the
/// machine's, never a downloaded one) shared by the tests of a class; each test opens its own browser context.
/// </summary>
public class DashboardBrowser : IAsyncLifetime
{
    // Web-first assertions wait as long as every other wait of the suite: on a busy machine a page fills late, not never.
    static DashboardBrowser() => Assertions.SetDefaultExpectTimeout((float)Testing.Patience.Limit.TotalMilliseconds);

    /// <summary>Debian's chromium; CI installs it when absent.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly ViewportSize Laptop = new() { Width = 1280, Height = 800 };

    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private IPlaywright? _playwright;

    internal ServerHarness Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerHarness.StartAsync(configure: Configure);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The network is closed: without these, chromium's background connections fail and slow it down.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        await SeedAsync();
    }

    /// <summary>Settings of the server beyond the harness's.</summary>
    protected virtual void Configure(ServerOptions options)
    {
    }

    /// <summary>What the tests of the class find on the server (links, runs), made once.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    /// <summary>A fresh browser context (its own cookies) on the server, at the given width.</summary>
    public async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = Server.Url, ViewportSize = viewport ?? Laptop, Locale = "en-GB", TimezoneId = "Europe/Paris" });
        context.SetDefaultTimeout((float)Testing.Patience.Limit.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    /// <summary>A page signed in with <paramref name="key"/>, showing the links page.</summary>
    public async Task<IPage> SignedInAsync(string key, ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(viewport);
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // A refused sign-in answers the form again with its reason: fail with that at once, not after the wait's limit (a CI
        // run waited five minutes here once, with nothing to say why).
        var signedIn = ArrivedAsync(page, "/links");
        var refused = page.Locator("#signin-error").WaitForAsync();
        if (await Task.WhenAny(signedIn, refused) == refused && !signedIn.IsCompleted)
            throw new InvalidOperationException($"The sign-in was refused: {await page.Locator("#signin-error").InnerTextAsync()}");
        await signedIn;
        await ReadyAsync(page);
        return page;
    }

    /// <summary>A page signed in with <paramref name="key"/>, showing <paramref name="path"/> filled from the API.</summary>
    public async Task<IPage> SignedInAtAsync(string key, string path)
    {
        var page = await SignedInAsync(key);
        await GoAsync(page, path);
        return page;
    }

    /// <summary>
    /// Waits until the page's address has a path matching <paramref name="pathPattern"/> (a regular expression of the path and
    /// query), checked again and again by the browser's driver. Never a navigation event awaited after the click that starts it:
    /// on a busy machine the navigation can commit before such a wait is set up, which then waits for the limit (Playwright's
    /// WaitForURLAsync, and its Commit option is ignored when the address already matches: it waits for the load event).
    /// </summary>
    public static Task ArrivedAsync(IPage page, string pathPattern) =>
        Expect(page).ToHaveURLAsync(new Regex($"^[a-z]+://[^/]+{pathPattern}$"));

    /// <summary>Opens <paramref name="path"/> and waits until the script has filled the page from the API.</summary>
    public static async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await ReadyAsync(page);
    }

    /// <summary>The text of the page's main region (what it shows, without the navigation).</summary>
    public static Task<string> MainTextAsync(IPage page) => page.Locator("main").InnerTextAsync();

    /// <summary>Waits until the page's script has shown what the API answered (or the problem it answered).</summary>
    public static Task ReadyAsync(IPage page) => page.Locator("main[data-ready=true]").WaitForAsync();

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
    }
}
