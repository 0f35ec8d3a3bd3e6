using static Resync.Testing.StepHarness;

namespace Resync.Core.Tests.Steps;

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
}
