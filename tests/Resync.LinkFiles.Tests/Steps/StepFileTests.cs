using Resync.Core.Errors;
using static Resync.LinkFiles.Tests.Steps.StepFiles;
using static Resync.Testing.StepHarness;

namespace Resync.LinkFiles.Tests.Steps;

/// <summary>Steps as a link file's <c>steps:</c> list declares them: built, named and applied in order, or refused at the step.</summary>
public sealed class StepFileTests
{
    [Fact]
    public void Convert_FromALinkFile_IsNamedAfterItsFieldUnlessNamed_AndConverts()
    {
        var steps = Load("""
              - convert: { field: qty, to: integer }
              - convert: { field: at, to: Date, name: parse-at }
            """);

        var (result, record, _) = Apply(steps, Record(("qty", "3"), ("at", "2026-01-31")));
        var (bad, _, _) = Apply(steps, Record(("qty", "3"), ("at", "soon")));

        steps.Select(s => s.Name).ShouldBe(["convert(qty)", "parse-at"]);
        result.IsContinue.ShouldBeTrue();
        record["qty"].ShouldBe(3L);
        record["at"].ShouldBeOfType<DateTimeOffset>();
        bad.ShouldFail(ErrorCodes.InvalidType).Message.ShouldContain("at 'soon'");
    }

    [Fact]
    public void Convert_ToAnUnknownType_IsALinkFileProblem()
    {
        var result = Parse("  - convert: { field: qty, to: int }");

        result.Problems.ShouldHaveSingleItem().Message.ShouldContain("'int' is not allowed");
    }

    [Fact]
    public void Map_FromALinkFile_BuildsTheRecordFromItsFieldsAndConstants()
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

        result.ShouldBeRefusedForOneProblem().Message.ShouldContain("give 'fields'");
    }

    [Fact]
    public void Dedupe_FromALinkFile_IsNamedAfterItsFieldOrTheKey_AndFailsTheSecondRecord()
    {
        var steps = Load("""
              - dedupe: { field: id }
              - dedupe: { }
            """);

        steps.Select(s => s.Name).ShouldBe(["dedupe(id)", "dedupe(key)"]);
        Apply(steps, Record(("id", "1"))).Result.IsContinue.ShouldBeTrue();
        Apply(steps, Record(("id", "1"))).Result.ShouldFail(ErrorCodes.DuplicateKey);
    }

    [Fact]
    public void EveryStepKind_FromALinkFile_AppliesInOrder()
    {
        var steps = Load("""
              - filter: { field: status, equals: archived, reason: archived }
              - rename: { from: mail, to: email }
              - validate: { field: email, required: true, email: true }
              - truncate: { field: name, maxLength: 3 }
              - set: { field: origin, value: crm }
              - convert: { field: age, to: integer }
              - validate: { field: age, min: 0, max: 150 }
              - map:
                  fields: { email: email, name: name, age: age, origin: origin }
              - dedupe: { field: email }
            """);

        var (result, record, context) = Apply(steps, Record(("mail", "a@x.io"), ("name", "Annabel"), ("age", "41"), ("status", "active"), ("drop", "x")));
        var (ignored, _, _) = Apply(steps, Record(("status", "archived")));
        var (tooOld, _, _) = Apply(steps, Record(("mail", "b@x.io"), ("age", "200")));
        var (duplicate, _, _) = Apply(steps, Record(("mail", "a@x.io"), ("age", "5")));

        result.IsContinue.ShouldBeTrue();
        record.Fields.ShouldBe(new Dictionary<string, object?> { ["email"] = "a@x.io", ["name"] = "Ann", ["age"] = 41L, ["origin"] = "crm" });
        context.Warnings.ShouldHaveSingleItem();
        ignored.IgnoreReason.ShouldBe("archived");
        tooOld.ShouldFail(ErrorCodes.OutOfRange);
        duplicate.ShouldFail(ErrorCodes.DuplicateKey);
    }
}
