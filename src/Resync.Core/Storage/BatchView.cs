using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>One batch of a run with its status and counts.</summary>
public sealed record BatchView(
    long RunId,
    int Number,
    string? Cursor,
    BatchStatus Status,
    int Read,
    int Succeeded,
    int Failed,
    int Ignored,
    ResyncError? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt);
