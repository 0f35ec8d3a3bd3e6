using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>A batch that failed as a whole, shown at the top of a run summary.</summary>
public sealed record BatchErrorView(int BatchNumber, string? Cursor, ResyncError Error);
