using Resync.Core.Sdk;
using Resync.Core.Steps;

namespace Resync.Benchmarks;

/// <summary>Cheap steps of the usual kinds, none of which refuses a record.</summary>
internal static class TrivialSteps
{
    public static IReadOnlyList<IStep> All { get; } = [new ConstantStep(), new RequiredStep(), new FilterStep()];

    /// <summary>Ten of the built-in steps a link file names, none of which refuses a record of the generating source or warns on it.</summary>
    public static IReadOnlyList<IStep> Ten { get; } =
    [
        new SetStep("set origin", "origin", "benchmark"),
        new ValidateStep("validate email", "email", new ValidationRules { Required = true, Email = true }),
        new ValidateStep("validate name", "name", new ValidationRules { Required = true, MaxLength = 200 }),
        new ValidateStep("validate amount", "amount", new ValidationRules { Min = 0 }),
        new ConvertStep("convert amount", "amount", ConversionType.Number),
        new TruncateStep("truncate name", "name", 80),
        // Longer than any address: a truncation warns on its record, and a warned record is stored like a failed one.
        new TruncateStep("truncate address", "address", 400),
        new RenameStep("rename phone", "phone", "telephone"),
        new Resync.Core.Steps.FilterStep("skip blocked", "email", ["blocked@example.org"], whenEmpty: false, "blocked address"),
        new ValidateStep("validate telephone", "telephone", new ValidationRules { Required = true }),
    ];

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
