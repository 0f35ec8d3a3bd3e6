using Resync.Core.Sdk;

namespace Resync.Benchmarks;

/// <summary>Three cheap steps of the usual kinds (map a constant, validate required, filter), none of which refuses a record.</summary>
internal static class TrivialSteps
{
    public static IReadOnlyList<IStep> All { get; } = [new ConstantStep(), new RequiredStep(), new FilterStep()];

    private sealed class ConstantStep : IStep
    {
        public string Name => "map";

        public StepResult Apply(StepContext context)
        {
            context.Record.Fields["origin"] = "benchmark";
            return StepResult.Continue;
        }
    }

    private sealed class RequiredStep : IStep
    {
        private static readonly Resync.Core.Errors.ErrorClassification Missing =
            new(Resync.Core.Errors.ErrorType.Data, Resync.Core.Errors.Durability.Durable, "REQUIRED", "email is required", null, ["email"]);

        public string Name => "validate";

        public StepResult Apply(StepContext context) =>
            context.Record["email"] is string { Length: > 0 } ? StepResult.Continue : StepResult.Fail(Missing);
    }

    private sealed class FilterStep : IStep
    {
        public string Name => "filter";

        public StepResult Apply(StepContext context) =>
            context.Record["amount"] is long amount && amount < 0 ? StepResult.Ignore("negative amount") : StepResult.Continue;
    }
}
