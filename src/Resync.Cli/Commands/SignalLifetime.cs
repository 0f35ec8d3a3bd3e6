using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Resync.Cli.Commands;

/// <summary>
/// How <c>resync serve</c> answers SIGTERM and SIGINT (Ctrl+C): the first asks the host to stop, which then takes up to its
/// shutdown timeout to finish the batches under way and park the rest; a second one is not held back, so the process ends
/// at once (the next start recovers what it cut). It replaces the host's console lifetime, which swallows every signal.
/// </summary>
internal sealed class SignalLifetime(IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Console.Error.WriteLine($"resync serve: {context.Signal} again; stopping now, without waiting for the runs.");
            return; // not cancelled: the signal's default action ends the process
        }
        context.Cancel = true;
        Console.Error.WriteLine($"resync serve: {context.Signal}; stopping: no new work, runs finish their current batches and park the rest (again to stop at once).");
        lifetime.StopApplication();
    }
}
