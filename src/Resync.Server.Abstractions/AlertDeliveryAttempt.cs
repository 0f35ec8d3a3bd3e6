namespace Resync.Server;

/// <summary>One attempt to deliver an alert to its route's webhook.</summary>
/// <param name="Number">1 for the first attempt.</param>
/// <param name="At">When it was made.</param>
/// <param name="Succeeded">Whether the destination answered 2xx.</param>
/// <param name="StatusCode">The HTTP status answered; null when no answer came (connection failed, timed out).</param>
/// <param name="Error">What went wrong; null on success.</param>
/// <param name="Hint">A hint toward the fix; null on success.</param>
public sealed record AlertDeliveryAttempt(int Number, DateTimeOffset At, bool Succeeded, int? StatusCode, string? Error, string? Hint);
