using Resync.Core.Errors;

namespace Resync.Server.Push;

/// <summary>One record of an asynchronous push, as its status URL shows it.</summary>
/// <param name="Index">The record's place in the push's body (0-based); the run's record <c>firstRecord + index</c>.</param>
/// <param name="Key">Its key, when the run kept the record (failed, ignored, incomplete); null otherwise.</param>
/// <param name="State">Pending until the batch holding it has ended, then its outcome.</param>
/// <param name="Message">For failures, the link's customised message (or the error's own); for ignored records, the reason; for incomplete ones, where they wait.</param>
/// <param name="Error">The error, for failures.</param>
/// <param name="Url">This record's own status URL.</param>
public sealed record PushRecordStatus(int Index, string? Key, PushRecordState State, string? Message, ResyncError? Error, string Url);
