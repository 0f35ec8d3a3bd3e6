using Resync.Testing;
using Resync.Testing.Postgres;

namespace Resync.Storage.Postgres.Tests;

/// <summary>The scheduler lease of servers sharing one database: one holder at a time, handed over when the holder's session ends.</summary>
public sealed class PostgresSchedulerLeaseTests() : PostgresDatabaseLifetime("lease"), IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public async Task Lease_HeldByOne_TheOtherWaits_AndTakesItOverWithinTwoIntervalsOnceTheHolderDies_NeverBothAtOnce()
    {
        using var safetyNet = new CancellationTokenSource(Patience.Limit);
        await using var first = new PostgresSchedulerLease(Database.ConnectionString, _clock, Interval);
        await using var second = new PostgresSchedulerLease(Database.ConnectionString, _clock, Interval);
        var firstAcquired = first.AcquireAsync(safetyNet.Token);
        await WaitForTimersAsync(1);
        _clock.Advance(Interval); // a new holder waits one interval before it schedules
        var firstHeld = await firstAcquired.WaitAsync(safetyNet.Token);
        var secondHeld = second.AcquireAsync(safetyNet.Token);

        for (var interval = 0; interval < 3; interval++)
        {
            // The holder's check and the other's next try are both waiting for the clock.
            await WaitForTimersAsync(2);
            _clock.Advance(Interval);
        }
        await WaitForTimersAsync(2);
        secondHeld.IsCompleted.ShouldBeFalse("the lease has one holder");
        firstHeld.IsCancellationRequested.ShouldBeFalse();

        // The holder's session ends (its process killed, or cut off from the database), without a word to the other.
        await TerminateHolderAsync();
        _clock.Advance(Interval);

        // One interval on: the old holder's check failed (it stops), and the other took the lock but does not schedule yet.
        await WaitUntilAsync(() => firstHeld.IsCancellationRequested, "the first holder's check to fail");
        await WaitForTimersAsync(1);
        secondHeld.IsCompleted.ShouldBeFalse("the new holder waits for the old one's check");
        _clock.Advance(Interval);

        var taken = await secondHeld.WaitAsync(safetyNet.Token);
        taken.IsCancellationRequested.ShouldBeFalse();
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The first lease is disposed midway: that is the server stopping the test is about.")]
    public async Task Lease_ReleasedByItsHolder_IsTakenAtTheOthersNextTry()
    {
        using var safetyNet = new CancellationTokenSource(Patience.Limit);
        var first = new PostgresSchedulerLease(Database.ConnectionString, _clock, Interval);
        await using var second = new PostgresSchedulerLease(Database.ConnectionString, _clock, Interval);
        var firstAcquired = first.AcquireAsync(safetyNet.Token);
        await WaitForTimersAsync(1);
        _clock.Advance(Interval);
        var firstHeld = await firstAcquired.WaitAsync(safetyNet.Token);
        var secondHeld = second.AcquireAsync(safetyNet.Token);
        await WaitForTimersAsync(2);

        await first.DisposeAsync(); // a server stopping
        firstHeld.IsCancellationRequested.ShouldBeTrue();
        await WaitForTimersAsync(1);
        _clock.Advance(Interval); // its next try takes the lock
        await WaitForTimersAsync(1);
        _clock.Advance(Interval); // and it schedules one interval later

        (await secondHeld.WaitAsync(safetyNet.Token)).IsCancellationRequested.ShouldBeFalse();
    }

    [Fact]
    public async Task Lease_InAnotherSchema_IsAnotherClustersLease()
    {
        using var safetyNet = new CancellationTokenSource(Patience.Limit);
        var otherSchema = await Database.CreateSchemaAsync("other");
        await using var first = new PostgresSchedulerLease(Database.ConnectionString, _clock, Interval);
        await using var other = new PostgresSchedulerLease(otherSchema, _clock, Interval);

        var firstAcquired = first.AcquireAsync(safetyNet.Token);
        var otherAcquired = other.AcquireAsync(safetyNet.Token);
        await WaitForTimersAsync(2); // both took their lock and wait out their first interval
        _clock.Advance(Interval);

        (await firstAcquired.WaitAsync(safetyNet.Token)).IsCancellationRequested.ShouldBeFalse();
        (await otherAcquired.WaitAsync(safetyNet.Token)).IsCancellationRequested.ShouldBeFalse();
    }

    private async Task TerminateHolderAsync()
    {
        var ended = await Database.QueryAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        ended.ShouldHaveSingleItem()[0].ShouldBe(true);
    }

    private Task WaitForTimersAsync(int count) => WaitUntilAsync(() => _clock.PendingTimers == count, $"{count} timers waiting for the clock");

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + (long)Patience.Limit.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(10);
        }
    }
}
