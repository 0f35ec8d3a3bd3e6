using System.Text.Json.Nodes;

namespace Resync.Cli.Output;

/// <summary>
/// How every command reports an error on stderr: <c>error: …</c>, the problems one a line, <c>hint: …</c>; with <c>--json</c>,
/// one line <c>{"error": {"code", "message", "problems", "hint", "exitCode"}}</c>. The exit code says the same either way.
/// </summary>
internal static class ErrorOutput
{
    public static async Task<int> WriteAsync(bool json, int exitCode, string message, string? hint = null, IReadOnlyList<string>? problems = null)
    {
        // Messages may quote a link file's values: connection-string passwords and URL userinfo are never printed.
        message = Resync.Core.Errors.SecretText.Mask(message);
        hint = hint is null ? null : Resync.Core.Errors.SecretText.Mask(hint);
        problems = [.. (problems ?? []).Select(Resync.Core.Errors.SecretText.Mask)];
        if (json)
        {
            var error = new JsonObject
            {
                ["code"] = Code(exitCode),
                ["message"] = message,
                ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)JsonValue.Create(p))]),
                ["hint"] = hint,
                ["exitCode"] = exitCode,
            };
            await Console.Error.WriteLineAsync(new JsonObject { ["error"] = error }.ToJsonString(CliJson.Compact));
            return exitCode;
        }
        await Console.Error.WriteLineAsync($"error: {message}");
        foreach (var problem in problems)
            await Console.Error.WriteLineAsync($"  {problem}");
        if (hint is not null)
            await Console.Error.WriteLineAsync($"hint: {hint}");
        return exitCode;
    }

    /// <summary>The error's kind, stable for scripts: the exit code's name.</summary>
    private static string Code(int exitCode) => exitCode switch
    {
        ExitCodes.Usage => "usage",
        ExitCodes.CompletedWithErrors => "completed-with-errors",
        _ => "failed",
    };
}
