using System.Security.Cryptography;
using System.Text;
using Resync.Core.Storage;
using Resync.Server.Auth;

namespace Resync.Server.Api;

/// <summary>
/// <c>Idempotency-Key</c> for requests that start work (pushes, run starts): within the window, a repeated key with the
/// same request returns the first answer without doing the work again; with another request it answers 422. Requests
/// with the same key wait for each other, so two at once still do the work once. Only successful answers are kept:
/// a refused request did nothing, and may be sent again, corrected, under the same key.
/// </summary>
public sealed class IdempotencyGate(IServerStore store, TimeProvider clock, ServerOptions options)
{
    public const string Header = "Idempotency-Key";
    private readonly KeyedLocks _locks = new();

    /// <summary>Keys whose requests are being answered or waited for now (none once they are all answered).</summary>
    internal int KeysInUse => _locks.Count;

    public async Task<IResult> RunAsync(HttpContext http, ReadOnlyMemory<byte> body, Func<Task<IResult>> work)
    {
        var key = http.Request.Headers[Header].FirstOrDefault();
        if (key is null)
            return await work();
        if (key.Length is 0 or > 255)
            return Problems.BadRequest("invalid-idempotency-key", "An Idempotency-Key has 1 to 255 characters.");
        var scope = http.Caller().IdempotencyScope;
        var hash = RequestHash(http.Request, body.Span);
        using (await _locks.AcquireAsync($"{scope}\n{key}", http.RequestAborted))
        {
            var first = await store.FindIdempotencyAsync(scope, key, clock.GetUtcNow() - options.IdempotencyWindow, http.RequestAborted);
            if (first is not null)
            {
                return first.RequestHash == hash
                    ? new JsonAnswer(first.Status, first.Body, first.Location) { Replayed = true }
                    : Problems.Of(StatusCodes.Status422UnprocessableEntity, "idempotency-key-reused", "Idempotency-Key reused",
                        $"The Idempotency-Key '{key}' was used within the last {options.IdempotencyWindow.TotalHours:0} hours for another request; use a new key.");
            }
            var answer = await work();
            if (answer is JsonAnswer { Status: >= 200 and < 300 } json)
                await store.SaveIdempotencyAsync(new IdempotencyRecord(scope, key, hash, json.Status, json.Location, json.KeptJson ?? json.Json, clock.GetUtcNow()), CancellationToken.None);
            return answer;
        }
    }

    private static string RequestHash(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
