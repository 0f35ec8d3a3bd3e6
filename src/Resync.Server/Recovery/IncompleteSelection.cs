namespace Resync.Server.Recovery;

/// <summary>
/// The incomplete runs a bulk action applies to: the given <see cref="Ids"/>, or with <see cref="All"/> every open one the
/// caller sees (of <see cref="LinkId"/> when given). <see cref="Reason"/> is kept in the run's history when discarding.
/// </summary>
public sealed record IncompleteSelection(IReadOnlyList<long>? Ids, bool All, string? LinkId, string? Reason);
