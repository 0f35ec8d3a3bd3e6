namespace Resync.Core.Sdk;

/// <summary>
/// A step that names every field it may set or remove on <see cref="StepContext.Record"/>; it changes no other field.
/// When every step of a link names its fields and the source's records are the batch's own, the engine keeps only those
/// fields' values from before the steps (to rebuild the "before" snapshot of a record it keeps) instead of copying each
/// record before the steps.
/// </summary>
public interface IFieldWritingStep : IStep
{
    /// <summary>The fields the step may set or remove (empty: it only reads them); null when not known.</summary>
    IReadOnlyList<string>? WrittenFields { get; }
}
