using Resync.Connectors;
using Resync.Core.Errors;
using Resync.Core.Sdk;
using Record = Resync.Core.Records.Record;

namespace Resync.LinkFiles.Tests.Steps;

/// <summary>Runs steps on single records, built directly or from a link file's <c>steps:</c> list.</summary>
internal static class StepHarness
{
    public static Record Record(params (string Field, object? Value)[] fields) =>
        new(null, fields.ToDictionary(f => f.Field, f => f.Value, StringComparer.Ordinal));

    /// <summary>Applies the steps in order, as the engine does, stopping at the first that does not continue.</summary>
    public static (StepResult Result, Record Record, StepContext Context) Apply(IEnumerable<IStep> steps, Record record, long runId = 1)
    {
        var context = new StepContext(record.Clone(), runId);
        foreach (var step in steps)
        {
            var result = step.Apply(context);
            if (!result.IsContinue)
                return (result, context.Record, context);
        }
        return (StepResult.Continue, context.Record, context);
    }

    public static (StepResult Result, Record Record, StepContext Context) Apply(IStep step, Record record, long runId = 1) => Apply([step], record, runId);

    /// <summary>The steps of a link file whose <c>steps:</c> list is <paramref name="steps"/> (indented by two spaces).</summary>
    public static IReadOnlyList<IStep> Load(string steps)
    {
        var result = Parse(steps);
        result.Problems.ShouldBeEmpty();
        return result.Link!.Steps;
    }

    /// <summary>Parses a link file with the given <c>steps:</c> list.</summary>
    public static LinkFileResult Parse(string steps) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null).Parse(
            $"name: steps\nsource:\n  type: demo\nsteps:\n{steps}\ntarget:\n  type: jsonl\n  path: out.jsonl\n",
            "link.yaml", Path.GetTempPath());

    public static ErrorClassification ShouldFail(this StepResult result, string code)
    {
        var error = result.Error.ShouldNotBeNull();
        error.Code.ShouldBe(code);
        return error;
    }
}
