namespace Resync.Connectors.Push;

/// <summary>A push holds more records than the server accepts in one request.</summary>
public sealed class PushTooLargeException(int count, int max) : Exception($"The push holds {count} records; at most {max} are accepted in one request.")
{
    public int Count { get; } = count;

    public int Max { get; } = max;
}
