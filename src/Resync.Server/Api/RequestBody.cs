using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>Reads a request body up to the server's limit, answering 413 (problem document) above it.</summary>
internal static class RequestBody
{
    public static async Task<(ReadOnlyMemory<byte> Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long max)
    {
        if (request.ContentLength > max)
            return (default, Problems.TooLarge(max));
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, max) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, request.HttpContext.RequestAborted);
            if (read == 0)
                break;
            buffer.Advance(read);
            if (buffer.WrittenCount > max)
                return (default, Problems.TooLarge(max));
        }
        return (buffer.WrittenMemory, null);
    }

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
}
