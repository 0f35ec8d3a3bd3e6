using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Http;

/// <summary>
/// Writes records to a JSON API over HTTP: one request per record (POST/PUT/PATCH to a <c>{field}</c> URL
/// template; a refused record becomes that record's error), or one bulk request per batch whose answer holds
/// a result per item, matched by index (partial failures become record errors, not a batch error).
/// Transport failures, refused credentials and rate limits that outlast the retry are thrown: they are not
/// the record's fault, and the engine stops the run for them.
/// </summary>
public sealed class HttpJsonTarget : ITarget
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private static readonly HashSet<string> SuccessWords = new(["ok", "success", "succeeded", "created", "updated", "accepted"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> FailureWords = new(["error", "failed", "failure", "rejected", "invalid"], StringComparer.OrdinalIgnoreCase);
    private readonly HttpTargetOptions _options;
    private readonly HttpCaller _caller;

    public HttpJsonTarget(HttpTargetOptions options)
    {
        options.Validate();
        _options = options;
        _caller = new HttpCaller(options.Call);
    }

    public HttpTargetOptions Options => _options;

    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken) =>
        _options.Bulk ? WriteBulkAsync(batch, cancellationToken) : WriteEachAsync(batch, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _caller.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<TargetWriteResult> WriteEachAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        var issues = new TargetRecordIssue?[batch.Records.Count];
        var answered = new bool[batch.Records.Count]; // written, or refused for the record's own reason
        ErrorClassification? stoppedBy = null;
        // Once one record's call stops the run (the API is unreachable, refuses the credentials, rate limits past the retries),
        // no further record is sent; the calls in flight finish, so that what was written is known and counts as written.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Records.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = stopping.Token },
                async (index, _) =>
                {
                    try
                    {
                        issues[index] = await WriteOneAsync(index, batch, cancellationToken);
                        answered[index] = true;
                    }
                    catch (ResyncException exception) when (StopsTheRun(exception.Classification))
                    {
                        Interlocked.CompareExchange(ref stoppedBy, exception.Classification, null);
                        await stopping.CancelAsync();
                    }
                });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && stoppedBy is not null)
        {
            // The records not sent are listed below with the error that stopped the others.
        }
        if (stoppedBy is null)
            return Collect(issues);
        for (var index = 0; index < issues.Length; index++)
        {
            if (!answered[index])
                issues[index] = new TargetRecordIssue(index, stoppedBy);
        }
        return Collect(issues) with { StoppedBy = stoppedBy };
    }

    private async Task<TargetRecordIssue?> WriteOneAsync(int index, TargetBatch batch, CancellationToken cancellationToken)
    {
        var record = batch.Records[index];
        var url = HttpUrls.Fill(_options.Url, name => JsonRecords.Text(record[name]) ?? (name == "key" ? record.Key : null), out var missing);
        if (url is null)
        {
            return new TargetRecordIssue(index, new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required,
                $"The URL template {_options.Url} needs the field '{missing}', which is empty", "Map a value for the field, or validate it as required.", [missing!]));
        }
        using var body = Serialize(writer => JsonRecords.Write(writer, record));
        var headers = IdempotencyHeader(batch, record.Key is { } key ? [key] : null, body.WrittenMemory.Span);
        try
        {
            await _caller.SendAsync(_options.Method, url, body.WrittenMemory, static _ => true, _options.Clock, cancellationToken, headers);
            return null;
        }
        catch (ResyncException exception) when (!StopsTheRun(exception.Classification))
        {
            return new TargetRecordIssue(index, exception.Classification);
        }
    }

    private async Task<TargetWriteResult> WriteBulkAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        using var body = Serialize(writer =>
        {
            writer.WriteStartArray();
            foreach (var record in batch.Records)
                JsonRecords.Write(writer, record);
            writer.WriteEndArray();
        });
        var keys = batch.Records.All(record => record.Key is not null) ? batch.Records.Select(record => record.Key!).ToList() : null;
        var issues = await _caller.SendAsync(_options.Method, _options.Url, body.WrittenMemory,
            answer => ReadResults(answer, batch.Records.Count), _options.Clock, cancellationToken, IdempotencyHeader(batch, keys, body.WrittenMemory.Span));
        return Collect(issues);
    }

    /// <summary>Maps the bulk answer's per-item results to record issues; a missing or miscounted results array fails the batch.</summary>
    private TargetRecordIssue?[] ReadResults(HttpAnswer answer, int count)
    {
        var what = $"The bulk answer of {_options.Method} {_options.Url}";
        using var document = JsonRecords.Parse(answer, what);
        if (JsonRecords.Navigate(document.RootElement, _options.ResultsPath) is not { ValueKind: JsonValueKind.Array } results)
            throw JsonRecords.Shape(answer, what, $"expected an array of per-item results at '{_options.ResultsPath ?? "(the top)"}'");
        if (results.GetArrayLength() != count)
            throw JsonRecords.Shape(answer, what, $"expected {count} results (one per record sent), found {results.GetArrayLength()}");

        var issues = new TargetRecordIssue?[count];
        var index = 0;
        foreach (var result in results.EnumerateArray())
        {
            issues[index] = ItemIssue(index, result);
            index++;
        }
        return issues;
    }

    private TargetRecordIssue? ItemIssue(int index, JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object)
            return null;
        int? status = null;
        bool? succeeded = null;
        if (result.TryGetProperty(_options.StatusField, out var statusValue))
        {
            switch (statusValue.ValueKind)
            {
                case JsonValueKind.Number when statusValue.TryGetInt32(out var number):
                    status = number;
                    break;
                case JsonValueKind.String when int.TryParse(statusValue.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number):
                    status = number;
                    break;
                case JsonValueKind.String when SuccessWords.Contains(statusValue.GetString()!):
                    succeeded = true;
                    break;
                case JsonValueKind.String when FailureWords.Contains(statusValue.GetString()!):
                    succeeded = false;
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    succeeded = statusValue.ValueKind == JsonValueKind.True;
                    break;
            }
        }
        var hasError = result.TryGetProperty(_options.ErrorField, out var error) && error.ValueKind is not (JsonValueKind.Null or JsonValueKind.False);
        var failed = status is { } code ? code is < 200 or > 299 : succeeded == false || (succeeded is null && hasError);
        if (!failed)
            return null;

        var message = (hasError ? JsonRecords.MessageIn(error, _options.MessageField) : null)
            ?? (result.TryGetProperty(_options.MessageField, out var text) ? JsonRecords.MessageIn(text) : null)
            ?? "the item was refused";
        var classification = status is { } httpStatus
            ? ErrorClassifier.Default.ClassifyHttpStatus(httpStatus, message, null)
            : new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.ItemRejected, message,
                "The API refused this item; its message says which value is wrong.");
        return new TargetRecordIssue(index, classification);
    }

    /// <summary>
    /// The idempotency key of one write (a record, or a bulk batch), sent with each of its attempts. Records with keys: derived
    /// from the link, the first run of the recovery chain, the keys and the body, so the same write gets the same key in its
    /// call's retries, the run's retries of the batch, Retry Failures, resumes and whole retry chains, while a record changed
    /// since (edited, fetched again as changed) gets a new one, as does the same record read again by a later run. Without
    /// keys there is nothing stable to derive it from across runs: a key of its own, kept for the call's retries.
    /// </summary>
    private KeyValuePair<string, string>[]? IdempotencyHeader(TargetBatch batch, IReadOnlyList<string>? keys, ReadOnlySpan<byte> body)
    {
        if (_options.IdempotencyHeader is not { } header)
            return null;
        if (keys is null)
            return [new(header, Guid.NewGuid().ToString("N"))];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData([0]);
        }
        Add(batch.LinkId);
        Add(batch.RootRunId.ToString(CultureInfo.InvariantCulture));
        foreach (var key in keys)
            Add(key);
        hash.AppendData(body);
        return [new(header, Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16)))];
    }

    private static TargetWriteResult Collect(TargetRecordIssue?[] issues)
    {
        List<TargetRecordIssue>? found = null;
        foreach (var issue in issues)
        {
            if (issue is not null)
                (found ??= []).Add(issue);
        }
        return found is null ? TargetWriteResult.AllWritten : new TargetWriteResult(found);
    }

    /// <summary>Unreachable servers, refused credentials and rate limits are not a record's fault: they fail the batch (and the engine stops the run).</summary>
    private static bool StopsTheRun(ErrorClassification classification) =>
        classification.Type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.InvalidAccessToken;

    private static PooledJson Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new PooledJson();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            write(writer);
        return buffer;
    }

    /// <summary>A growing buffer of pooled arrays for request bodies.</summary>
    private sealed class PooledJson : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
        private int _written;

        public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsMemory(_written);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return _buffer.AsSpan(_written);
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Ensure(int sizeHint)
        {
            if (_buffer.Length - _written >= Math.Max(sizeHint, 256))
                return;
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint + 256));
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
