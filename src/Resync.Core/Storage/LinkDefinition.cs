namespace Resync.Core.Storage;

/// <summary>
/// The link file a link was loaded from, kept so that later commands (retry, resume) rebuild the same link.
/// Secrets are not in it: link files refer to them (<c>${env:NAME}</c>).
/// </summary>
/// <param name="Text">The link file's text.</param>
/// <param name="Path">Where it was read from (for messages).</param>
/// <param name="BaseDirectory">The folder relative paths resolve against.</param>
public sealed record LinkDefinition(string Text, string Path, string BaseDirectory);
