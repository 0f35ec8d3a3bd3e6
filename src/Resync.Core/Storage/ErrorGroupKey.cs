using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>
/// Identifies one error group of a run: record errors with the same type, code, step and fields. The one definition of
/// the group identity: the stores repeat it in SQL (GROUP BY and the group filter of a retry), and the storage compliance
/// suite pins them to <see cref="Matches(ResyncError)"/>.
/// </summary>
public sealed record ErrorGroupKey(ErrorType Type, string Code, string? Step, IReadOnlyList<string> Fields)
{
    /// <summary>The key of a listed group.</summary>
    public static ErrorGroupKey Of(ErrorGroupView group) => new(group.Type, group.Code, group.Step, group.Fields);

    /// <summary>
    /// The group numbered <paramref name="number"/> (from 1) in a run's groups as listed (largest first, as
    /// <c>resync show</c> and the API number them), or null when there is no such group.
    /// </summary>
    public static ErrorGroupView? Numbered(IReadOnlyList<ErrorGroupView> groups, int number) =>
        number >= 1 && number <= groups.Count ? groups[number - 1] : null;

    /// <summary>Whether a record error belongs to this group.</summary>
    public bool Matches(ResyncError error) => Matches(error.Type, error.Code, error.Step, error.Fields);

    /// <summary>Whether a listed group is this group.</summary>
    public bool Matches(ErrorGroupView group) => Matches(group.Type, group.Code, group.Step, group.Fields);

    private bool Matches(ErrorType type, string code, string? step, IReadOnlyList<string> fields) =>
        type == Type && code == Code && step == Step && fields.SequenceEqual(Fields);
}
