using Resync.Core.Errors;

namespace Resync.Core.Recovery;

/// <summary>A notification that something needs attention (a link deactivated, a run parked for a person).</summary>
/// <param name="Kind">What happened, e.g. <c>link-deactivated</c>.</param>
/// <param name="LinkId">The link.</param>
/// <param name="Tenant">The link's tenant.</param>
/// <param name="RunId">The run concerned.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="Error">The error behind it, if any.</param>
/// <param name="At">When.</param>
/// <param name="RequestId">The external request id (X-Request-Id) of the call that started the run, if any.</param>
public sealed record Alert(string Kind, string LinkId, string Tenant, long? RunId, string Message, ResyncError? Error, DateTimeOffset At,
    string? RequestId = null)
{
    /// <summary>Whether it was raised inside an automatic recovery, or ends one (routes hold such alerts, see <see cref="AlertRecovery"/>).</summary>
    public AlertRecovery Recovery { get; init; }

    /// <summary>How a held alert's entry in its run's history starts: a chain nobody has been told of is resolved quietly.</summary>
    public const string HeldPrefix = "held during automatic recovery: ";
}
