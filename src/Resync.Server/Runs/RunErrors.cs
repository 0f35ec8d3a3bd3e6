using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>A run's errors, most important first: the system error, batch errors, then record errors grouped.</summary>
public sealed record RunErrors(ResyncError? SystemError, IReadOnlyList<BatchErrorView> BatchErrors, IReadOnlyList<ErrorGroupView> ErrorGroups);
