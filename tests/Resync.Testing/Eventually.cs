namespace Resync.Testing;

/// <summary>Waits for work on another thread or process to reach a state, polling; <see cref="Patience.Limit"/> is the safety net against a hang.</summary>
public static class Eventually
{
    /// <summary>
    /// Returns once <paramref name="condition"/> holds; throws a <see cref="TimeoutException"/> naming <paramref name="what"/> past
    /// <paramref name="limit"/> (<see cref="Patience.Limit"/> unless a long drill needs more).
    /// </summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = Environment.TickCount64 + (long)(limit ?? Patience.Limit).TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }

    /// <inheritdoc cref="TrueAsync(Func{Task{bool}}, string)"/>
    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);
}
