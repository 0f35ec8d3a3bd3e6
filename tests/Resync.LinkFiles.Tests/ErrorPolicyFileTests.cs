using Resync.Connectors;
using Resync.Core.Errors;
using Resync.Core.Policies;

namespace Resync.LinkFiles.Tests;

/// <summary><c>settings.errorPolicies</c> in a link file: read into the link's settings, refused with the line and key at fault.</summary>
public sealed class ErrorPolicyFileTests
{
    private const string Link = ErrorTargetFileTests.Link + """

        settings:
          errorPolicies:
        """;

    private static LinkFileResult Parse(string policies) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null)
            .Parse(Link + "\n" + policies, "link.yaml", Directory.CreateTempSubdirectory("resync-link-").FullName);

    [Fact]
    public void Policies_AreReadPerType_OthersKeepTheBuiltInHandling()
    {
        var result = Parse("""
                Data: { then: ignore, reason: legacy rows are not migrated }
                Connection: { attempts: 3, delays: [10s, 1m], then: park }
            """);

        result.Problems.ShouldBeEmpty();
        var policies = result.Link.ShouldNotBeNull().Settings.ErrorPolicies;
        policies.Keys.Order().ShouldBe([ErrorType.Connection, ErrorType.Data]);
        policies[ErrorType.Data].ShouldBe(new ErrorTypePolicy { Then = ErrorAction.Ignore, Reason = "legacy rows are not migrated" });
        policies[ErrorType.Connection].ShouldSatisfyAllConditions(
            policy => policy.Attempts.ShouldBe(3),
            policy => policy.Delays.ShouldBe([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)]),
            policy => policy.Then.ShouldBe(ErrorAction.Park));
    }

    [Fact]
    public void IgnoringConnectionErrors_IsRefusedAtTheKey()
    {
        var problem = Parse("""
                Connection:
                  then: ignore
                  reason: flaky
            """).Problems.ShouldHaveSingleItem();

        (problem.Line, problem.Message).ShouldSatisfyAllConditions(
            p => p.Line.ShouldBe(11),
            p => p.Message.ShouldStartWith("link.settings.errorPolicies.Connection.then: ignoring Connection errors would lose records"));
    }

    [Fact]
    public void UnknownTypeOrAction_IsRefusedWithASuggestion()
    {
        var problems = Parse("""
                Conection: { then: fail }
                Data: { then: skip }
            """).Problems;

        problems.Select(p => p.Message).ShouldSatisfyAllConditions(
            messages => messages.ShouldContain(m => m.Contains("Conection", StringComparison.Ordinal) && m.Contains("did you mean 'Connection'", StringComparison.Ordinal)),
            messages => messages.ShouldContain(m => m.Contains("'skip' is not allowed", StringComparison.Ordinal)));
    }

    [Fact]
    public void Reference_ShowsEachTypesBuiltInHandlingAndThePolicyKeys()
    {
        var reference = LinkReference.Write(BuiltInConnectors.CreateCatalog());

        reference.ShouldContain("`settings.errorPolicies.<type>`");
        reference.ShouldContain(ErrorPolicies.DefaultHandling(ErrorType.Connection));
        reference.ShouldContain("`fail` \\| `park` \\| `ignore` \\| `stop` \\| `deactivate`");
    }
}
