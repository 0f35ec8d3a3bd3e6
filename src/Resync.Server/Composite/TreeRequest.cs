namespace Resync.Server.Composite;

/// <summary>A tree call as read from its body: its records flattened parents first (see <see cref="CompositeRequestReader"/>).</summary>
/// <param name="Records">Each record with its referenceId, fields and, for a child, its parent's referenceId and the field that gets the parent's id.</param>
/// <param name="Errors">Every problem found; the call is refused (400) when there is any.</param>
internal sealed record TreeRequest(IReadOnlyList<TreeRecord> Records, IReadOnlyList<CompositeError> Errors);
