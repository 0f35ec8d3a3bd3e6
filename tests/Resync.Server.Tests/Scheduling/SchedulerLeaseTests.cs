using Microsoft.Extensions.DependencyInjection;
using Resync.Server.Scheduling;
using Resync.Testing.Postgres;

namespace Resync.Server.Tests.Scheduling;

/// <summary>
/// Servers sharing one PostgreSQL database run one scheduler at a time; when its server dies another takes over (the lease's
/// timing, to the interval, is pinned by PostgresSchedulerLeaseTests).
/// </summary>
public sealed class SchedulerLeaseTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new();
    private PostgresDatabase? _database;
    private ServerHarness? _first;
    private ServerHarness? _second;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("Made in InitializeAsync.");

    private ServerHarness First => _first ?? throw new InvalidOperationException("Started in InitializeAsync.");

    private ServerHarness Second => _second ?? throw new InvalidOperationException("Started in InitializeAsync.");

    private SchedulerService FirstScheduler => First.Services.GetRequiredService<SchedulerService>();

    private SchedulerService SecondScheduler => Second.Services.GetRequiredService<SchedulerService>();

    /// <summary>Two servers on one database; the first holds the lease and schedules before the second starts.</summary>
    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync("servers");
        _first = await ServerHarness.StartAsync(_clock, options => options.State = Database.ConnectionString);
        await AdvanceUntilAsync(() => FirstScheduler.IsActive, "the first server's scheduler to take the lease");
        _second = await ServerHarness.StartAsync(_clock, options => options.State = Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_second is not null)
            await _second.DisposeAsync();
        if (_first is not null)
            await _first.DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
    }

    [Fact]
    public async Task TwoServers_OnOneDatabase_RunOneScheduler_AndTheOtherTakesOverWhenItsServerDies()
    {
        for (var tries = 0; tries < 3; tries++)
            _clock.Advance(First.Options.SchedulerLeaseInterval);
        SecondScheduler.IsActive.ShouldBeFalse("the first server holds the lease");
        FirstScheduler.IsActive.ShouldBeTrue();

        // The first server dies: it does nothing more (its host stops, so its scheduler never asks for the lease again), and the
        // database ends its session, as it does when its process is killed. (A holder that is still alive when its session ends
        // asks for the lease again at once and may win it back: see the next test.)
        await First.StopAsync();
        FirstScheduler.IsActive.ShouldBeFalse();
        await TerminateLeaseHolderAsync();
        await AdvanceUntilAsync(() => SecondScheduler.IsActive, "the second server's scheduler to take over");

        Second.Logs.Lines.ShouldContain(line => line.Message.Contains("holds the scheduler lease", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoServers_WhenTheHoldersSessionEnds_ItStopsScheduling_AndOneSchedulerRuns()
    {
        // The holder's session ends while its process lives on (a network cut): it stops scheduling at its next check, and then
        // both servers ask for the lease; whichever gets it schedules, never both.
        await TerminateLeaseHolderAsync();

        await AdvanceUntilAsync(() => First.Logs.Lines.Any(line => line.Message.Contains("lost the scheduler lease", StringComparison.Ordinal))
                                      && FirstScheduler.IsActive != SecondScheduler.IsActive,
            "the first server to stand by, and one scheduler to run");
    }

    /// <summary>Moves the servers' clock one lease interval at a time until <paramref name="condition"/> holds.</summary>
    private Task AdvanceUntilAsync(Func<bool> condition, string what) =>
        ServerHarness.EventuallyAsync(() =>
        {
            _clock.Advance(First.Options.SchedulerLeaseInterval);
            return Task.FromResult(condition());
        }, what);

    private async Task TerminateLeaseHolderAsync()
    {
        var ended = await Database.QueryAsync(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        ended.ShouldHaveSingleItem()[0].ShouldBe(true);
    }
}
