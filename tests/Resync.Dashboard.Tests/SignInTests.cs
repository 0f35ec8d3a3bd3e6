using Resync.Core.Storage;
using Resync.Server;
using Resync.Server.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Resync.Dashboard.Tests;

public sealed class SignInTests(DashboardBrowser browser) : IClassFixture<DashboardBrowser>
{
    [Fact]
    public async Task SignIn_WithTenantKey_OpensTheLinksPageAndNamesTheTenant()
    {
        var page = await browser.SignedInAsync(browser.Server.AcmeKey);

        (await page.Locator(".who").InnerTextAsync()).ShouldContain("tenant acme");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Links");
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnlyAndSameSiteStrict_AndHoldsNoKey()
    {
        var page = await browser.SignedInAsync(browser.Server.AcmeKey);

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == DashboardSession.CookieName);
        cookie.HttpOnly.ShouldBeTrue();
        cookie.SameSite.ShouldBe(SameSiteAttribute.Strict);
        cookie.Value.ShouldNotContain(browser.Server.AcmeKey);
        cookie.Value.ShouldNotContain(browser.Server.AcmeKey[..12], Case.Sensitive, "the cookie is data-protected: not even the prefix shows");
    }

    [Fact]
    public async Task SignIn_WithUnknownKey_ShowsWhyAndOpensNoSession()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync("rsk_00000000_" + new string('A', 43));
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), response => response.Url.EndsWith("/signin", StringComparison.Ordinal));

        answer.Status.ShouldBe(401);
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("not valid");
        (await page.Context.CookiesAsync()).ShouldNotContain(c => c.Name == DashboardSession.CookieName);
    }

    [Fact]
    public async Task SignInForm_PostedWithoutItsAntiforgeryToken_IsRefused()
    {
        // What another site's form would send: the key (say, phished) but not this server's anti-forgery token.
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(browser.Server.Url) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = browser.Server.AcmeKey, ["returnUrl"] = "/links" });
        using var answer = await client.PostAsync("/signin", form);

        answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await answer.Content.ReadAsStringAsync()).ShouldContain("came from another site");
        answer.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith(DashboardSession.CookieName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_WithoutSession_RedirectsToSignIn_AndBackAfterSigningIn()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/runs?status=Failed");
        page.Url.ShouldEndWith("/signin?returnUrl=%2Fruns%3Fstatus%3DFailed");

        await page.GetByLabel("API key").FillAsync(browser.Server.AcmeKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await DashboardBrowser.ArrivedAsync(page, @"/runs\?status=Failed");
    }

    [Theory]
    [InlineData("//example.com/phish")]
    [InlineData("/\\example.com")]
    [InlineData("https://example.com/")]
    public async Task SignIn_WithReturnUrlToAnotherSite_StaysOnThisServer(string returnUrl)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/signin?returnUrl=" + Uri.EscapeDataString(returnUrl));
        await page.GetByLabel("API key").FillAsync(browser.Server.AcmeKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await DashboardBrowser.ArrivedAsync(page, "/links");
        new Uri(page.Url).Authority.ShouldBe(new Uri(browser.Server.Url).Authority);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_ForPagesAndTheApi()
    {
        var page = await browser.SignedInAsync(browser.Server.AcmeKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await DashboardBrowser.ArrivedAsync(page, "/signin");

        (await page.APIRequest.GetAsync("/api/v1/links")).Status.ShouldBe(401);
        await page.GotoAsync("/links");
        page.Url.ShouldContain("/signin");
    }

    [Fact]
    public async Task ApiAction_OfASession_WithoutTheAntiforgeryToken_IsRefused()
    {
        var page = await browser.SignedInAsync(browser.Server.AcmeKey);
        var token = await page.Locator("meta[name=csrf-token]").GetAttributeAsync("content");

        var forged = await page.APIRequest.PostAsync("/api/v1/links/none/deactivate");
        forged.Status.ShouldBe(400);
        (await forged.TextAsync()).ShouldContain("invalid-antiforgery-token");
        var genuine = await page.APIRequest.PostAsync("/api/v1/links/none/deactivate", new() { Headers = new Dictionary<string, string> { ["X-CSRF-Token"] = token! } });
        genuine.Status.ShouldBe(404, "with the token the action goes through to the API, which knows no link 'none'");
    }

    [Fact]
    public async Task RevokedKey_EndsItsSessions()
    {
        var keys = browser.Server.Services.GetRequiredService<ApiKeyService>();
        var (record, key) = await keys.CreateAsync(ApiKeyScope.Tenant, "acme", "to revoke", default);
        var page = await browser.SignedInAsync(key);

        await keys.RevokeAsync(record.Prefix, default);

        (await page.APIRequest.GetAsync("/api/v1/links")).Status.ShouldBe(401);
        await page.GotoAsync("/links");
        page.Url.ShouldContain("/signin");
    }
}
