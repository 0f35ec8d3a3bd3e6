namespace Resync.Core.Sdk;

/// <summary>
/// One transformation, validation or filter that every record of a link passes. Steps are pure and
/// synchronous: they never do I/O, so they are cheap and safe to run in parallel.
/// </summary>
public interface IStep
{
    /// <summary>The step's name as shown in errors and ignore reasons.</summary>
    string Name { get; }

    /// <summary>Applies the step to one record. Failures are returned, never thrown.</summary>
    StepResult Apply(StepContext context);
}
