using Resync.Storage.Sqlite;

namespace Resync.Connectors.Tests.Http;

/// <summary>Runs links through the real engine with the real SQLite run store on a temp file.</summary>
internal sealed class EngineRun : IAsyncDisposable
{
    private readonly TempDirectory _folder;

    private EngineRun(TempDirectory folder, SqliteRunStore store, ManualTimeProvider clock)
    {
        _folder = folder;
        Store = store;
        Clock = clock;
        Runner = new LinkRunner(store, store, store, clock);
    }

    public SqliteRunStore Store { get; }

    public ManualTimeProvider Clock { get; }

    /// <summary>Runs, retries and resumes links on this store and clock.</summary>
    public LinkRunner Runner { get; }

    /// <summary>Fast call retries: 3 attempts, 10 ms base delay (on a clock that advances on delays: no real waiting).</summary>
    public static LinkSettings Settings(int batchSize = 3) => new() { BatchSize = batchSize, Parallelism = 2, CallRetryAttempts = 3, CallRetryDelay = TimeSpan.FromMilliseconds(10) };

    public static async Task<EngineRun> StartAsync()
    {
        var clock = ManualTimeProvider.AdvancingOnDelays();
        var folder = new TempDirectory("resync-http-store");
        var store = new SqliteRunStore(folder.Combine("state.db"), clock);
        await store.InitializeAsync(CancellationToken.None);
        return new EngineRun(folder, store, clock);
    }

    public async Task<(RunResult Result, IReadOnlyList<BatchView> Batches)> RunAsync(ISource source, ITarget target, LinkSettings? settings = null, string linkId = "http-test")
    {
        var link = new Link(linkId, source, [], target, settings ?? Settings());
        var result = await new RunEngine(Store, Clock).RunAsync(link, new RunRequest());
        var batches = await Store.ListBatchesAsync(result.RunId, 0, 1000, CancellationToken.None);
        return (result, batches);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _folder.Dispose();
    }
}
