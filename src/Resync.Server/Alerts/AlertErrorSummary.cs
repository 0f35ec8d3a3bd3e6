namespace Resync.Server.Alerts;

/// <summary>The error behind an alert, in short: enough to triage without opening the run.</summary>
public sealed record AlertErrorSummary(string Code, string Type, string Message, string? Hint);
