using Resync.Core.Steps;
using static Resync.LinkFiles.Tests.Steps.StepHarness;

namespace Resync.LinkFiles.Tests.Steps;

public sealed class MapStepTests
{
    [Fact]
    public void Map_BuildsTheRecordFromPairsAndConstants_AndDropsTheRest()
    {
        var step = new MapStep("map", [new("id", "customer_id"), new("email", "mail"), new("copy", "mail")], [new("source", (object?)"crm")]);

        var (result, record, _) = Apply(step, Record(("customer_id", 7L), ("mail", "a@x.io"), ("secret", "x")));

        result.IsContinue.ShouldBeTrue();
        record.Fields.ShouldBe(new Dictionary<string, object?> { ["id"] = 7L, ["email"] = "a@x.io", ["copy"] = "a@x.io", ["source"] = "crm" });
        record.Fields.Keys.ShouldBe(["id", "email", "copy", "source"]);
    }

    [Fact]
    public void Map_SwapsFields_AndLeavesOutFieldsTheRecordDoesNotHave()
    {
        var step = new MapStep("map", [new("a", "b"), new("b", "a"), new("c", "missing")]);

        var (_, record, _) = Apply(step, Record(("a", 1L), ("b", 2L)));

        record.Fields.ShouldBe(new Dictionary<string, object?> { ["a"] = 2L, ["b"] = 1L });
    }

    [Fact]
    public void Map_FromALinkFile()
    {
        var steps = Load("""
              - map:
                  fields: { id: customer_id, email: mail }
                  constants: { source: crm }
            """);

        var (_, record, _) = Apply(steps, Record(("customer_id", "c-1"), ("mail", "a@x.io"), ("other", 1L)));

        steps.Single().Name.ShouldBe("map");
        record.Fields.ShouldBe(new Dictionary<string, object?> { ["id"] = "c-1", ["email"] = "a@x.io", ["source"] = "crm" });
    }

    [Fact]
    public void Map_WithNothingToMap_IsALinkFileProblem()
    {
        var result = Parse("  - map: { }");

        result.Link.ShouldBeNull();
        result.Problems.ShouldHaveSingleItem().Message.ShouldContain("give 'fields'");
    }
}
