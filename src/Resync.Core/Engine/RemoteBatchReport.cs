using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// What a worker tells the run's engine once the store holds a batch's result: its counts (the outcomes stay in the
/// store) and the system error that must stop the run, if any.
/// </summary>
/// <param name="Result">The batch's result as stored, without its record outcomes.</param>
/// <param name="SystemError">Set when the batch's target or steps stop the run.</param>
/// <param name="ParkedError">The error of the first record an error policy parked, if any.</param>
public sealed record RemoteBatchReport(BatchResult Result, ResyncError? SystemError, ResyncError? ParkedError);
