using Resync.Storage.Sqlite;

namespace Resync.Core.Tests.Recovery;

/// <summary>A link runner on a real SQLite state file with a manual clock; reopening gives a "restarted process" on the same file.</summary>
internal sealed class RecoveryHarness : IAsyncDisposable
{
    public const string LinkId = "contacts";

    /// <summary>A durable data error at the target: a record the target refuses until it is fixed.</summary>
    public static readonly ErrorClassification PhoneTooLong =
        new(ErrorType.Data, Durability.Durable, "23514", "phone is too long (constraint phone_max_40)", "Fix the record.", ["phone"]);
    private readonly TempDirectory _directory;
    private readonly bool _ownsDirectory;

    private RecoveryHarness(TempDirectory directory, ManualTimeProvider clock, bool ownsDirectory)
    {
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Clock = clock;
        Store = new SqliteRunStore(directory.Combine("state.db"), clock);
        Runner = new LinkRunner(Store, Store, Store, clock, Alerts);
    }

    public ManualTimeProvider Clock { get; }

    public SqliteRunStore Store { get; }

    public LinkRunner Runner { get; }

    public CollectingAlerts Alerts { get; } = new();

    public static async Task<RecoveryHarness> StartAsync(ManualTimeProvider? clock = null)
    {
        var harness = new RecoveryHarness(new TempDirectory("resync-recovery"), clock ?? new ManualTimeProvider(), ownsDirectory: true);
        await harness.Store.InitializeAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>The same state file opened by a new store and runner, as after a process restart.</summary>
    public async Task<RecoveryHarness> RestartAsync()
    {
        await Store.DisposeAsync();
        var restarted = new RecoveryHarness(_directory, Clock, ownsDirectory: false);
        await restarted.Store.InitializeAsync(CancellationToken.None);
        return restarted;
    }

    public static Link Link(ISource source, ITarget target, LinkSettings? settings = null, params IStep[] steps) =>
        new(LinkId, source, steps, target, settings ?? new LinkSettings { Parallelism = 2, BatchSize = 50 });

    public async Task<LinkRunOutcome> RunAsync(Link link, CancellationToken cancellationToken = default) =>
        await Runner.RunAsync(link, new RunRequest(RunKind.Manual, "test"), cancellationToken: cancellationToken);

    /// <summary>The incomplete run that <paramref name="outcome"/> parked.</summary>
    public async Task<IncompleteRunView> ParkedAsync(LinkRunOutcome outcome) =>
        (await Store.GetIncompleteAsync(outcome.IncompleteRunId.ShouldNotBeNull(), CancellationToken.None)).ShouldNotBeNull();

    /// <summary>
    /// Checks that <paramref name="resume"/> recovered its whole chain: it succeeded, the target holds each of the first
    /// <paramref name="records"/> records once, and root run <paramref name="rootRunId"/> counts as succeeded.
    /// </summary>
    public async Task ShouldHaveRecoveredAsync(RunResult resume, CollectingTarget target, int records, string because, long rootRunId)
    {
        resume.Status.ShouldBe(RunStatus.Succeeded);
        target.ShouldHoldEachOfTheFirst(records, because);
        (await RunViewAsync(rootRunId)).Status.ShouldBe(RunStatus.Succeeded);
    }

    public async Task<RunView> RunViewAsync(long runId) => (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();

    public async Task<IReadOnlyList<RunEvent>> HistoryAsync(long runId) => await Store.ListRunEventsAsync(runId, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (_ownsDirectory)
            _directory.Dispose();
    }

    /// <summary>Alerts raised, in order.</summary>
    internal sealed class CollectingAlerts : IAlertSink
    {
        private readonly List<Alert> _alerts = [];

        public IReadOnlyList<Alert> Raised
        {
            get
            {
                lock (_alerts)
                    return [.. _alerts];
            }
        }

        public Task RaiseAsync(Alert alert, CancellationToken cancellationToken)
        {
            lock (_alerts)
                _alerts.Add(alert);
            return Task.CompletedTask;
        }
    }
}
