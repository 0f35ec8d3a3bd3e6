using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Testing;

/// <summary>A step made of a function, with factories for the usual test cases: fail, ignore or warn on matching records.</summary>
public sealed class DelegateStep : IStep
{
    private readonly Func<StepContext, StepResult> _apply;

    public DelegateStep(string name, Func<StepContext, StepResult> apply)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _apply = apply;
    }

    public string Name { get; }

    public StepResult Apply(StepContext context) => _apply(context);

    /// <summary>Fails the records matching <paramref name="when"/> with <paramref name="error"/>.</summary>
    public static DelegateStep FailWhen(string name, Func<Record, bool> when, ErrorClassification error) =>
        new(name, context => when(context.Record) ? StepResult.Fail(error) : StepResult.Continue);

    /// <summary>Ignores the records matching <paramref name="when"/> with <paramref name="reason"/>.</summary>
    public static DelegateStep IgnoreWhen(string name, Func<Record, bool> when, string reason) =>
        new(name, context => when(context.Record) ? StepResult.Ignore(reason) : StepResult.Continue);

    /// <summary>Attaches <paramref name="warning"/> to the records matching <paramref name="when"/>; never changes the outcome.</summary>
    public static DelegateStep WarnWhen(string name, Func<Record, bool> when, RecordWarning warning) =>
        new(name, context =>
        {
            if (when(context.Record))
                context.Warn(warning);
            return StepResult.Continue;
        });

    /// <summary>Sets <paramref name="field"/> of every record to what <paramref name="value"/> gives.</summary>
    public static DelegateStep Set(string name, string field, Func<Record, object?> value) =>
        new(name, context =>
        {
            context.Record.Fields[field] = value(context.Record);
            return StepResult.Continue;
        });
}
