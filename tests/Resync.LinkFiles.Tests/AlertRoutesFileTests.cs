using Resync.Connectors;
using Resync.Core.Recovery;
using Resync.Core.Sdk;

namespace Resync.LinkFiles.Tests;

/// <summary>The <c>alerts:</c> section of a link file: routes for the link's own alerts, each problem at its line.</summary>
public sealed class AlertRoutesFileTests
{
    private static LinkFileResult Parse(string alerts) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null)
            .Parse(ErrorTargetFileTests.Link + "\n" + alerts, "link.yaml", Directory.CreateTempSubdirectory("resync-link-").FullName);

    /// <summary>The line the <c>alerts:</c> key is on (the minimal link has 7 lines).</summary>
    private const int AlertsLine = 8;

    [Fact]
    public void AlertsSection_WithWebhookChatAndEmailRoutes_IsBuiltIntoTheLink()
    {
        var result = Parse("""
            alerts:
              - name: ops pager
                webhook: https://alerts.example.com/resync
                secret: whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=
                kinds: [run-failed, chain-resolved]
              - { name: team chat, chat: "https://hooks.slack.com/services/T0/B0/x", recoveredNote: true }
              - name: on call
                email: [oncall@example.com, ops@example.com]
                holdDuringRecovery: false
            """);

        result.Problems.ShouldBeEmpty();
        var routes = result.Link.ShouldNotBeNull().AlertRoutes;
        routes.Select(r => (r.Name, r.Format, r.Url)).ShouldBe([
            ("ops pager", AlertDestinations.Webhook, "https://alerts.example.com/resync"),
            ("team chat", AlertDestinations.Slack, "https://hooks.slack.com/services/T0/B0/x"),
            ("on call", AlertDestinations.Email, "mailto:oncall@example.com,ops@example.com"),
        ]);
        routes[0].Kinds.ShouldBe([AlertKinds.RunFailed, AlertKinds.ChainResolved]);
        routes[0].Secret.ShouldStartWith("whsec_");
        (routes[1].HoldDuringRecovery, routes[1].RecoveredNote).ShouldBe((true, true));
        (routes[2].HoldDuringRecovery, routes[2].RecoveredNote, routes[2].Kinds.Count).ShouldBe((false, false, 0));
        result.Link.With(tenant: "acme").AlertRoutes.ShouldBe(routes);
    }

    [Fact]
    public void NoAlertsSection_DeclaresNoRoutes() => Parse("").Link.ShouldNotBeNull().AlertRoutes.ShouldBeEmpty();

    [Theory]
    [InlineData("webhook: ftp://alerts.example.com/x", "alerts[0].webhook: must be an absolute http or https URL; found 'ftp://alerts.example.com/x'")]
    [InlineData("webhook: https://user:pw@alerts.example.com/x", "alerts[0].webhook: may not carry credentials")]
    [InlineData("chat: not a url", "alerts[0].chat: must be an absolute http or https URL")]
    [InlineData("email: [ops@example.com, not an address]", "alerts[0].email: 'not an address' is not an e-mail address")]
    [InlineData("email: [\"ops@example.com,boss@example.com\"]", "is not an e-mail address (one address per item")]
    [InlineData("email: [\"Ops <ops@example.com>\"]", "is not an e-mail address")]
    [InlineData("email: []", "alerts[0].email: give 1 to 20 addresses; found 0")]
    [InlineData("webhook: https://a.example.com/x, kinds: [run-faild]", "alerts[0].kinds: 'run-faild' is not an alert kind — did you mean 'run-failed'?")]
    [InlineData("webhook: https://a.example.com/x, chat: https://b.example.com/y", "alerts[0].chat: give one destination per route; found webhook and chat")]
    [InlineData("kinds: [run-failed]", "alerts[0]: give the route one destination: webhook (a URL), chat")]
    [InlineData("chat: https://a.example.com/x, secret: whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", "alerts[0].secret: only a webhook route is signed")]
    [InlineData("webhook: https://a.example.com/x, secret: hunter2", "alerts[0].secret: a signing secret is 'whsec_'")]
    [InlineData("webhook: https://a.example.com/x, tenant: globex", "unknown key 'tenant' in alerts[0]")]
    [InlineData("webhook: https://a.example.com/x, linkId: billing", "unknown key 'linkId' in alerts[0]")]
    public void AlertRoute_ThatIsWrong_IsRefusedAtItsLine_NamingWhat(string keys, string expected)
    {
        var result = Parse($"alerts:\n  - {{ name: ops, {keys} }}");

        var problem = result.ShouldBeRefusedForOneProblem();
        problem.Message.ShouldContain(expected);
        problem.Line.ShouldBe(AlertsLine + 1);
    }

    [Fact]
    public void AlertRoutes_WithTheSameName_AreRefusedAtTheSecond()
    {
        var result = Parse("alerts:\n  - { name: ops, webhook: https://a.example.com/x }\n  - { name: ops, chat: https://b.example.com/y }");

        var problem = result.Problems.ShouldHaveSingleItem();
        (problem.Line, problem.Message).ShouldBe((AlertsLine + 2, "alerts[1].name: another route of this link is named 'ops' already; give each route its own name"));
    }

    [Fact]
    public void AlertsSection_ThatIsNotAList_IsRefused() =>
        Parse("alerts: { name: ops, webhook: https://a.example.com/x }").Problems.ShouldHaveSingleItem().Message.ShouldStartWith("alerts: expected a list of routes");

    [Fact]
    public void AlertsSection_WithMoreThanTwentyRoutes_IsRefused()
    {
        var routes = string.Concat(Enumerable.Range(0, 21).Select(i => $"\n  - {{ name: r{i}, webhook: https://a.example.com/{i} }}"));

        Parse("alerts:" + routes).Problems.ShouldHaveSingleItem().Message.ShouldBe("alerts: a link declares at most 20 routes; found 21");
    }

    [Fact]
    public void AlertRoute_ThatTheTrustRefuses_IsAProblemAtTheDestinationsLine()
    {
        var result = new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null, new NoPrivateAddresses())
            .Parse(ErrorTargetFileTests.Link + "\nalerts:\n  - name: ops\n    webhook: http://10.0.0.5/hook", "link.yaml", ".");

        var problem = result.Problems.ShouldHaveSingleItem();
        (problem.Line, problem.Column).ShouldBe((AlertsLine + 2, 14));
        problem.Message.ShouldBe("alerts[0].webhook: 10.0.0.5 is private");
    }

    /// <summary>A trust whose only rule is about alert destinations (the server's, over its network policy, is tested with the server).</summary>
    private sealed class NoPrivateAddresses : ILinkTrust
    {
        public string ResolvePath(string value, string baseDirectory) => FullTrust.Instance.ResolvePath(value, baseDirectory);

        public void CheckBeforeOpen(string fullPath)
        {
        }

        public string? RefuseType(string section, string type) => null;

        public string? RefuseAlertDestination(Uri destination) => destination.Host.StartsWith("10.", StringComparison.Ordinal) ? $"{destination.Host} is private" : null;
    }
}
