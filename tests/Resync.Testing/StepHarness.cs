using Resync.Core.Errors;
using Resync.Core.Sdk;
using Shouldly;
using Record = Resync.Core.Records.Record;

namespace Resync.Testing;

/// <summary>Runs steps on single records, as the engine does.</summary>
public static class StepHarness
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

    public static ErrorClassification ShouldFail(this StepResult result, string code)
    {
        var error = result.Error.ShouldNotBeNull();
        error.Code.ShouldBe(code);
        return error;
    }
}
