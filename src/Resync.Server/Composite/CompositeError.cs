namespace Resync.Server.Composite;

/// <summary>One error of a composite subrequest, or of a malformed composite request (then without fields).</summary>
/// <param name="ErrorCode">A stable code: <c>STRING_TOO_LONG</c>, <c>NOT_FOUND</c>, <c>BATCH_PROCESSING_HALTED</c>, <c>JSON_PARSER_ERROR</c>…</param>
/// <param name="Message">What went wrong, for people.</param>
/// <param name="Fields">The record fields the error is about (empty when none).</param>
public sealed record CompositeError(string ErrorCode, string Message, IReadOnlyList<string> Fields);
