using System.Collections.Concurrent;
using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>
/// Lets through the first record with a given key in a run; every later one fails with a DuplicateData
/// error <c>DUPLICATE_KEY</c>. Batches run in parallel, so "first" means first processed (in file order
/// only with sequential processing). The keys seen are kept in memory for the run: about 100 bytes per
/// distinct key (a million keys ≈ 100 MB). Records without a key value pass.
/// </summary>
public sealed class DedupeStep(string name, string? field) : IFieldWritingStep
{
    private Seen _seen = new(long.MinValue);

    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [];

    public StepResult Apply(StepContext context)
    {
        var key = field is null ? context.Record.Key : FieldText.Of(context.Record[field]);
        if (string.IsNullOrEmpty(key))
            return StepResult.Continue;
        if (KeysOf(context.RunId).TryAdd(key, 0))
            return StepResult.Continue;
        var what = field ?? "key";
        return StepResult.Fail(new ErrorClassification(ErrorType.DuplicateData, Durability.Durable, ErrorCodes.DuplicateKey,
            $"{what} '{key}' appeared already in this run; only its first record is kept",
            "Remove the duplicate at the source, or drop the dedupe step if later records should update earlier ones.",
            field is null ? null : [field]));
    }

    /// <summary>The keys seen in this run; a new run starts with none (the runs of one link do not overlap).</summary>
    private ConcurrentDictionary<string, byte> KeysOf(long runId)
    {
        var seen = Volatile.Read(ref _seen);
        while (seen.RunId != runId)
        {
            var fresh = new Seen(runId);
            var previous = Interlocked.CompareExchange(ref _seen, fresh, seen);
            seen = ReferenceEquals(previous, seen) ? fresh : previous;
        }
        return seen.Keys;
    }

    private sealed class Seen(long runId)
    {
        public long RunId { get; } = runId;

        public ConcurrentDictionary<string, byte> Keys { get; } = new(StringComparer.Ordinal);
    }
}
