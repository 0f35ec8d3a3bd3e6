namespace Resync.Server.Alerts;

/// <summary>The <c>data</c> of an alert webhook.</summary>
/// <param name="LinkId">The link concerned.</param>
/// <param name="Tenant">Its tenant.</param>
/// <param name="RunId">The run that raised it.</param>
/// <param name="RunUrl">The run's summary in the API.</param>
/// <param name="RequestId">The external request id (X-Request-Id) of the call that started the run.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="Error">The error behind it, if any.</param>
public sealed record AlertPayloadData(string? LinkId, string? Tenant, long? RunId, string? RunUrl, string? RequestId, string Message, AlertErrorSummary? Error)
{
    /// <summary>In a digest (an automatic recovery that failed): the alerts held while it was under way, oldest first; null otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AlertPayload>? Held { get; init; }
}
