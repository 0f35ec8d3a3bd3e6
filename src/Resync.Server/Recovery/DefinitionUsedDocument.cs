using Resync.Server.Links;

namespace Resync.Server.Recovery;

/// <summary>Which definition of its link a retry or resume runs with (<c>definition=current|original</c>), and what changed since the run it recovers.</summary>
/// <param name="Definition"><c>current</c> (the default) or <c>original</c>.</param>
/// <param name="Version">The hash of the definition used.</param>
/// <param name="RunVersion">The hash of the definition the recovered run ran with (null: it ran before versions were kept).</param>
/// <param name="CurrentVersion">The hash of the link's current definition.</param>
/// <param name="Changes">Field by field, from the run's definition to the current one; credentials hidden.</param>
/// <param name="Summary">The same in words, as the run's history keeps it.</param>
public sealed record DefinitionUsedDocument(string Definition, string Version, string? RunVersion, string CurrentVersion, IReadOnlyList<string> Changes, string Summary)
{
    public static DefinitionUsedDocument From(DefinitionChoice choice) =>
        new(choice.Definition, choice.Version, choice.RunVersion, choice.CurrentVersion, choice.Changes, choice.Summary);
}
