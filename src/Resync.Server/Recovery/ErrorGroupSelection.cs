using Resync.Core.Errors;

namespace Resync.Server.Recovery;

/// <summary>
/// Which error group of a run to retry: its number in <c>GET /runs/{id}/error-groups</c> (1-based, as <c>resync show</c>
/// numbers them), or its key as listed there (type, code, step, fields).
/// </summary>
public sealed record ErrorGroupSelection(int? Group, ErrorType? Type, string? Code, string? Step, IReadOnlyList<string>? Fields);
