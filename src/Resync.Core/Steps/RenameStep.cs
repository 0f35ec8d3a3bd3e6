using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Renames a field (a missing field is left missing).</summary>
public sealed class RenameStep(string name, string from, string to) : IFieldWritingStep
{
    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [from, to];

    public StepResult Apply(StepContext context)
    {
        var fields = context.Record.Fields;
        if (fields.Remove(from, out var value))
            fields[to] = value;
        return StepResult.Continue;
    }
}
