using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Resync.Benchmarks;

/// <summary>
/// Samples the runtime's allocation ticks (one event about every 100 KB allocated, naming the type of the object that
/// crossed the mark) while it is listening, to see which types the bytes go to: stable under load, unlike wall time.
/// </summary>
internal sealed class AllocationTypes : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _listening;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_listening || eventData.EventName is not "GCAllocationTick_V4" and not "GCAllocationTick_V3" || eventData.Payload is null)
            return;
        var name = eventData.PayloadNames!.IndexOf("TypeName") is var at and >= 0 ? eventData.Payload[at] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var size and >= 0 ? Convert.ToInt64(eventData.Payload[size], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(name, amount, (_, total) => total + amount);
    }

    /// <summary>Starts counting afresh.</summary>
    public void Start()
    {
        _bytes.Clear();
        _listening = true;
    }

    /// <summary>Stops counting and prints the types that took the most bytes, per record.</summary>
    public void Print(string what, long records, int top = 25)
    {
        _listening = false;
        var total = _bytes.Values.Sum();
        Console.WriteLine($"  allocations by type, {what} (sampled; {total / (double)records:N0} B/rec in all):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(pair => pair.Value).Take(top))
            Console.WriteLine($"    {bytes / (double)records,8:N1} B/rec  {type}");
    }
}
