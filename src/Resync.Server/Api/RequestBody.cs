using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>
/// Reads a request body up to the server's limit, answering 413 (problem document) above it, with or without a
/// Content-Length, and 400 when it is not text every later step can read (see <see cref="BodyText"/>): every body the
/// API takes comes through here.
/// </summary>
internal static class RequestBody
{
    public static async Task<(ReadOnlyMemory<byte> Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long max)
    {
        if (request.ContentLength > max)
            return (default, Problems.TooLarge(max));
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, max) + 1);
        try
        {
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
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body has no Content-Length: the server's own limit is what stops it.
            return (default, Problems.TooLarge(max));
        }
        catch (BadHttpRequestException exception)
        {
            return (default, Problems.BadRequest("unreadable-body", $"The request body could not be read: {exception.Message}"));
        }
        return (buffer.WrittenMemory, BodyText.Check(buffer.WrittenSpan, IsJson(request)));
    }

    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
}
