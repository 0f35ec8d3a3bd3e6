using System.Text.Json.Nodes;

namespace Resync.Server.Composite;

/// <summary>One record of a tree call.</summary>
/// <param name="ReferenceId">Its referenceId (from its <c>attributes</c>).</param>
/// <param name="Fields">Its fields, without <c>attributes</c> and child records.</param>
/// <param name="ParentReference">Its parent's referenceId, for a child record.</param>
/// <param name="ParentField">The field of this record that gets its parent's id, for a child record.</param>
internal sealed record TreeRecord(string ReferenceId, JsonObject Fields, string? ParentReference, string? ParentField);
