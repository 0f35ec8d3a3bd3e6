using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Observability;
using Resync.Core.Policies;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Runs a link: reads pages from its source, hands each page as a batch to the dispatcher (in parallel,
/// bounded), and records every batch's outcome in the store as it finishes. A system error stops reading;
/// batches already under way finish, so that every record read is accounted for. The run's events (see
/// <see cref="ResyncEvents"/>) go to <paramref name="events"/> once the store holds what they report.
/// </summary>
public sealed class RunEngine(IRunStore store, TimeProvider clock, IBatchDispatcherFactory? dispatchers = null, ILogger? events = null)
{
    private readonly IBatchDispatcherFactory _dispatchers = dispatchers ?? InProcessBatchDispatcher.Factory;
    private readonly ILogger _events = events ?? NullLogger.Instance;

    /// <summary>Runs the link once. Cancelling stops reading; batches under way finish and the run ends Interrupted.</summary>
    public async Task<RunResult> RunAsync(Link link, RunRequest request, RunProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var settingsProblems = link.Settings.Validate();
        if (settingsProblems.Count > 0)
            throw new ArgumentException($"Link '{link.Id}' has invalid settings: {string.Join("; ", settingsProblems)}", nameof(link));

        progress ??= new RunProgress();
        var startedAt = clock.GetTimestamp();
        var firstBatch = FirstBatchInHand(link);
        var (runId, watermark) = await CreateRunAsync(link, request, firstBatch, cancellationToken);
        progress.RunId = runId;
        using var span = ResyncTracing.Source.StartActivity("resync.run");
        span?.SetTag("resync.run.id", runId).SetTag("resync.link", link.Id).SetTag("resync.tenant", link.Tenant).SetTag("resync.run.kind", request.Kind.ToString())
            .SetTag("resync.request_id", request.RequestId);
        ResyncEvents.RunStarted(_events, runId, link.Id, link.Tenant, request.Trigger, request.Kind.ToString(), request.ParentRunId, request.RequestId);

        var classifier = link.Classifier.WithOverrides(link.Settings.ErrorTypeOverrides);
        var run = new RunState(runId, link, classifier, store, clock, progress, new RunEvents(_events, runId, link, request.RequestId), span?.Context ?? default,
            new DeadLetters(link, classifier, runId, request.RootRunId ?? runId, clock))
        {
            NotedWithRun = firstBatch,
            EndsWithOnlyBatch = firstBatch is not null && link.Source is IFirstPageInHandSource inHand && inHand.FirstPageIsAll(link.Settings.BatchSize),
        };
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.StopReading = reading.Cancel;

        // Cluster mode hands batches to workers elsewhere; a sequential link keeps its batches in this process, where order is kept.
        var dispatcher = _dispatchers is IRemoteBatchDispatcherFactory remote && !link.Settings.SequentialProcessing
            ? remote.Create(run.Remote = new RemoteRun(runId, link.Id, link.Tenant, request.RootRunId ?? runId), link.Settings.Parallelism, run.ReportedAsync)
            : _dispatchers.Create(InProcessWorkers(link.Settings), run.ProcessAsync);
        // Sequential processing keeps its exact order: no page is taken while one before it is still coming.
        var context = new SourceContext(link.Id, runId, watermark, link.Settings.BatchSize, clock) { TakesPendingPages = !link.Settings.SequentialProcessing };
        var read = await ReadPagesAsync(link, classifier, run, dispatcher, context, reading);

        // Every page still coming arrives (and is dispatched), or is kept for the resume once reading has stopped.
        await run.WaitForPendingPagesAsync();
        var highestWatermark = run.HighestWatermark;
        await dispatcher.CompleteAsync();
        await dispatcher.DisposeAsync();
        if ((run.SystemError is not null || cancellationToken.IsCancellationRequested) && link.Source is IHeldRecordsSource held)
        {
            var (batchNumber, lastCursor) = await run.KeepUnreadAsync(held, read.LastCursor, context, read.TakenBatches);
            read = read with { BatchNumber = batchNumber, LastCursor = lastCursor };
        }
        await run.WaitUntilStoredAsync();
        return await FinishAsync(link, request, runId, run, progress.Snapshot(), read, highestWatermark, startedAt, span, cancellationToken);
    }

    /// <summary>
    /// Batch 1 of a source whose first page is in hand (a push), to note started in the run's own commit; null otherwise, and
    /// when the run would not take that page (a key field no record has: it is stored as a failed page instead).
    /// </summary>
    private static FirstBatch? FirstBatchInHand(Link link) =>
        link.Source is IFirstPageInHandSource inHand && inHand.FirstPage(link.Settings.BatchSize) is { Failure: null, Arrival: null } page
        && page.Records.Count > 0 && KeyFieldMissing(link, page) is null
            ? new FirstBatch(page.Cursor, page.Records.Count, page.Watermark)
            : null;

    /// <summary>The key field of the link's source when no record of its first page has it (the run does not take that page), else null.</summary>
    private static string? KeyFieldMissing(Link link, SourcePage firstPage) =>
        link.Source is IKeyFieldSource keyed && firstPage.Records.Count > 0 && firstPage.Records.All(record => record.Key is null) ? keyed.KeyField : null;

    private async Task<(long RunId, string? Watermark)> CreateRunAsync(Link link, RunRequest request, FirstBatch? firstBatch, CancellationToken cancellationToken)
    {
        var watermark = await store.GetWatermarkAsync(link.Id, cancellationToken);
        var runId = await store.CreateRunAsync(
            new NewRun(link.Id, link.Tenant, request.Kind, request.Trigger, request.ParentRunId, request.RequestId, RunOwner.Current, clock.GetUtcNow())
            {
                CarriesAllFailures = request.CarriesAllFailures,
                LinkVersion = link.Version,
                FirstBatch = firstBatch,
            },
            cancellationToken);
        return (runId, watermark);
    }

    private static RunStatus Settle(RunState run, RunCounts counts, CancellationToken cancellationToken) =>
        run.SystemError is not null ? RunStatus.Failed
            : cancellationToken.IsCancellationRequested ? RunStatus.Interrupted
            : counts.Failed > 0 || counts.BatchesFailed > 0 || counts.Incomplete > 0 ? RunStatus.CompletedWithErrors
            : RunStatus.Succeeded;

    /// <summary>The counts with one more batch's result, as <see cref="RunProgress"/> adds it once stored.</summary>
    private static RunCounts WithBatch(RunCounts counts, BatchResult result) => new(counts.Read + result.Read, counts.Succeeded + result.Succeeded,
        counts.Failed + result.Failed, counts.Ignored + result.Ignored, counts.Incomplete + result.Incomplete, counts.Warnings + result.Warnings,
        counts.BatchesTotal + 1, counts.BatchesFailed + (result.Status == BatchStatus.Failed ? 1 : 0));

    /// <summary>How far reading got: the pages seen, the cursor of the last one taken, and whether the source was read to its end.</summary>
    /// <param name="TakenBatches">The batches up to <paramref name="LastCursor"/>: a page read when the run stopped may not have been taken.</param>
    private readonly record struct ReadPosition(int BatchNumber, string? LastCursor, int TakenBatches, bool ReadToEnd);

    /// <summary>Reads the source's pages and hands each to the dispatcher, until its end, a system error, or the caller stops the run.</summary>
    private async Task<ReadPosition> ReadPagesAsync(Link link, ErrorClassifier classifier, RunState run, IBatchDispatcher dispatcher, SourceContext context,
        CancellationTokenSource reading)
    {
        var batchNumber = 0;
        string? lastCursor = null;
        var takenBatches = 0;
        try
        {
            await foreach (var page in TimedAsync(link, classifier, link.Source.ReadAsync(context, reading.Token), reading.Token).WithCancellation(reading.Token))
            {
                // A source need not observe the token: once the run is stopped, no page it still yields is taken.
                reading.Token.ThrowIfCancellationRequested();
                batchNumber++;
                var here = page;
                if (page.Arrival is { } arrival)
                {
                    if (context.TakesPendingPages)
                    {
                        // Its number is its place in the source's order; the pages after it are taken while it is still coming.
                        await run.HoldAsync(dispatcher, batchNumber, page.Cursor, arrival, reading.Token);
                        (lastCursor, takenBatches) = (page.Cursor, batchNumber);
                        continue;
                    }
                    here = await RunState.ArrivedAsync(page.Cursor, arrival, reading.Token);
                }
                // Only a page the dispatcher took counts as read: a resume continues after it.
                if (await run.TakeAsync(dispatcher, here, batchNumber, reading.Token))
                    (lastCursor, takenBatches) = (here.Cursor, batchNumber);
            }
            return new ReadPosition(batchNumber, lastCursor, takenBatches, ReadToEnd: true);
        }
        catch (OperationCanceledException) when (reading.IsCancellationRequested)
        {
            // Stopped by a system error or by the caller: batches already dispatched still finish below.
        }
        catch (Exception exception)
        {
            // The source could not go on (it threw instead of yielding a failed page): nothing more can be read.
            run.SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "source"));
        }
        return new ReadPosition(batchNumber, lastCursor, takenBatches, ReadToEnd: false);
    }

    /// <summary>Settles the run's status from its counts, records it (and the watermark it reached) in the store, and reports it.</summary>
    private async Task<RunResult> FinishAsync(Link link, RunRequest request, long runId, RunState run, RunCounts storedCounts, ReadPosition read,
        string? highestWatermark, long startedAt, Activity? span, CancellationToken cancellationToken)
    {
        var counts = storedCounts;
        var onlyBatch = run.TakeOnlyBatch();
        if (onlyBatch is not null)
            counts = WithBatch(counts, onlyBatch);
        var status = Settle(run, counts, cancellationToken);
        // The watermark moves only when a run that read the source afresh succeeded with no error at all (last successful
        // sync). Retries, replays and resumes redo a parent's failures: their success resolves the parent instead.
        var newWatermark = status == RunStatus.Succeeded && request.IsRoot ? highestWatermark : null;
        if (onlyBatch is null)
            await store.RunFinishedAsync(runId, status, run.SystemError, newWatermark, clock.GetUtcNow(), CancellationToken.None);
        else if (!await run.EndWithOnlyBatchAsync(onlyBatch, status, newWatermark))
        {
            // Neither was kept, and the run was ended Failed with the store's error: its counts are those stored.
            counts = storedCounts;
            status = Settle(run, counts, cancellationToken);
        }
        RunEvents.Finished(_events, runId, link, request, status, counts, run.SystemError, clock.GetElapsedTime(startedAt));
        if (span is not null)
        {
            span.SetTag("resync.run.status", status.ToString()).SetTag("resync.records.read", counts.Read).SetTag("resync.records.failed", counts.Failed)
                .SetTag("resync.batches.failed", counts.BatchesFailed);
            if (status == RunStatus.Failed)
                span.SetStatus(ActivityStatusCode.Error, run.SystemError?.Code);
        }
        return new RunResult(runId, status, counts, run.SystemError)
        {
            HighestWatermark = highestWatermark,
            LastCursor = read.LastCursor,
            ReadToEnd = read.ReadToEnd,
            StoppedPartway = (run.SystemError is not null || status == RunStatus.Interrupted) && (counts.Read > 0 || read.BatchNumber > 1),
            ParkedError = run.ParkedError,
            ErrorTargetFailures = run.DeadLetters.Failures,
            ErrorTargetFailure = run.DeadLetters.FirstFailure,
            DeactivatesLink = run.SystemError is { } stop && run.Policies.Deactivates(stop),
        };
    }

    /// <summary>The source's pages, each read timed for the metrics (a failed page, or a read that throws, with its error type).</summary>
    private async IAsyncEnumerable<SourcePage> TimedAsync(Link link, ErrorClassifier classifier, IAsyncEnumerable<SourcePage> pages,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = pages.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var started = clock.GetTimestamp();
            bool read;
            try
            {
                read = await reader.MoveNextAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                RunEvents.ConnectorCalled(link, "source", clock.GetElapsedTime(started), classifier.Classify(exception).Type);
                throw;
            }
            if (!read)
                yield break;
            var page = reader.Current;
            RunEvents.ConnectorCalled(link, "source", clock.GetElapsedTime(started), page.Failure is { } failure ? classifier.Classify(failure).Type : null);
            yield return page;
        }
    }

    /// <summary>How many workers run a link's batches in this process: one when its processing is sequential.</summary>
    private static int InProcessWorkers(LinkSettings settings) => settings.SequentialProcessing ? 1 : settings.Parallelism;

    /// <summary>The shared state of one run while its batches are processed in parallel.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
        "Its SemaphoreSlims hold an unmanaged handle only once their AvailableWaitHandle is read, which this type never does.")]
    private sealed class RunState(long runId, Link link, ErrorClassifier classifier, IRunStore store, TimeProvider clock, RunProgress progress, RunEvents events,
        ActivityContext runSpan, DeadLetters deadLetters)
    {
        public DeadLetters DeadLetters => deadLetters;

        /// <summary>
        /// How many finished batches may be waiting for the store to confirm their results while workers go on. Bounded so
        /// that memory stays flat when the store is slower than the engine.
        /// </summary>
        private readonly int _maxUnconfirmed = MaxUnconfirmed(link.Settings);
        private readonly SemaphoreSlim _unconfirmed = new(MaxUnconfirmed(link.Settings));
        private readonly ConcurrentDictionary<int, TaskCompletionSource<Task>> _starts = new();
        // How many queued batches the workers take next: one each (see ANextStartIsHeld).
        private readonly int _nextTaken = InProcessWorkers(link.Settings);
        private readonly BatchProcessor _processor = new(link, classifier, clock, deadLetters.RootRunId);
        private readonly SemaphoreSlim _dispatching = new(1);
        private readonly List<Task> _pending = [];
        private readonly Lock _watermarkLock = new();
        private string? _highestWatermark;
        private ResyncError? _systemError;
        private ResyncError? _parkedError;

        /// <summary>The highest change marker of the pages taken (the watermark the run reached), if the source tracks one.</summary>
        public string? HighestWatermark
        {
            get
            {
                lock (_watermarkLock)
                    return _highestWatermark;
            }
        }

        public ErrorPolicies Policies => _processor.Policies;

        /// <summary>The error of the first record an error policy parked while the run went on (null: none was).</summary>
        public ResyncError? ParkedError => Volatile.Read(ref _parkedError);

        public Action StopReading { get; set; } = () => { };

        public ResyncError? SystemError => Volatile.Read(ref _systemError);

        private bool _skipQueued;

        public void SetSystemError(ResyncError error, bool skipQueued = false)
        {
            if (skipQueued)
                Volatile.Write(ref _skipQueued, true);
            // The first system error is the one that stopped the run; later ones are consequences.
            if (Interlocked.CompareExchange(ref _systemError, error, null) is null)
                StopReading();
        }

        public async Task ProcessAsync(BatchWork work)
        {
            // The run's span is the parent whatever thread the dispatcher runs the batch on.
            using var span = BatchSpan(work.Number, work.Records.Count);
            try
            {
                // Batches under way are not cancelled: they finish so that their records are accounted for.
                // The steps run while the store commits the start; the target is written only once the start is durable,
                // so a crash during the write still finds the batch Processing and counts its records as incomplete.
                var started = _starts.TryRemove(work.Number, out var start)
                    ? NotedStartAsync(start.Task)
                    : StartAsync(work);
                if (Volatile.Read(ref _skipQueued))
                {
                    // The target stopped the run (or, with sequential processing, a record failed): a batch that had not started
                    // is not processed. Its records are incomplete and go to the remainder, so nothing more reaches a failing
                    // target and order is kept. (When the source stops, the pages it already gave are processed as usual.)
                    await started;
                    await KeepUnprocessedAsync(work);
                    return;
                }
                var (result, systemError) = await _processor.ProcessAsync(runId, work, started, CancellationToken.None);
                if (result.Outcomes.FirstOrDefault(outcome => outcome is { Kind: Records.OutcomeKind.Incomplete, Error: not null }) is { } parked)
                    Interlocked.CompareExchange(ref _parkedError, parked.Error, null);
                EndSpan(span, result);
                await deadLetters.WriteAsync(result);
                if (systemError is not null)
                    SetSystemError(systemError, skipQueued: true);
                else if (link.Settings.SequentialProcessing && result.Failed > 0)
                    SetSystemError(SequentialStop(result), skipQueued: true);

                if (EndsWithOnlyBatch && work.Number == 1)
                {
                    // The run's only batch: its result is stored with the run's end, in one commit (EndWithOnlyBatchAsync).
                    Volatile.Write(ref _onlyBatch, result);
                    return;
                }
                // The worker goes on with the next batch while the store commits this result (group commit); the run
                // ends only after every result is confirmed (WaitUntilStoredAsync). Until then the batch stays Processing in the store.
                await RoomForAResultAsync();
                _ = StoreResultAsync(result);
            }
            catch (Exception exception)
            {
                // Only the store can get here (steps and targets are contained): without it nothing can be recorded.
                SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store"));
            }
        }

        /// <summary>
        /// Takes a page that is here: a failed one is stored as a failed batch, any other is dispatched as batch
        /// <paramref name="number"/>. False when the page is not taken (the first page shows a key field no record has).
        /// </summary>
        public async Task<bool> TakeAsync(IBatchDispatcher dispatcher, SourcePage page, int number, CancellationToken cancellationToken)
        {
            if (page.Failure is { } failure)
            {
                await PageFailedAsync(number, page.Cursor, failure);
                return true;
            }
            if (number == 1 && KeyFieldMissing(link, page) is { } keyField)
            {
                // Not taken: a wrong key field is the link's fault, not the records'; the run stops before writing any.
                await PageFailedAsync(number, page.Cursor, new ResyncException(ErrorClassifier.KeyFieldMissing(link.Id, keyField, page.Records.Count)));
                return false;
            }
            if (page.Watermark is { } pageMark)
            {
                lock (_watermarkLock)
                {
                    if (string.CompareOrdinal(pageMark, _highestWatermark) > 0)
                        _highestWatermark = pageMark;
                }
            }
            // A recovery run's batch fetched again from its parent may have been written by the parent before its outcome was lost.
            var mayBeWritten = link.Source is RecoverySource recovery && recovery.FetchedAgain(page.Cursor);
            await DispatchAsync(dispatcher, new BatchWork(number, page.Cursor, page.Records)
                { Watermark = page.Watermark, RecordsAreFresh = page.RecordsAreFresh, MayBeWritten = mayBeWritten }, cancellationToken);
            return true;
        }

        /// <summary>
        /// Keeps the place of a page that is still coming (a source retrying it): batch <paramref name="number"/> is noted as
        /// started, with no records yet, before any later page is taken (whose target write waits for its own start, noted
        /// after this one), so that a stop or a crash while it is still coming finds it unfinished and keeps it for the resume,
        /// fetched again by its cursor, while the later pages that committed are not written again. When it arrives it is
        /// taken as batch <paramref name="number"/>.
        /// </summary>
        public async Task HoldAsync(IBatchDispatcher dispatcher, int number, string cursor, Task<SourcePage> arrival, CancellationToken reading)
        {
            await StartAsync(new BatchWork(number, cursor, []));
            _pending.Add(ArriveAsync(dispatcher, number, cursor, arrival, reading));
        }

        /// <summary>Waits until every page held by <see cref="HoldAsync"/> has arrived and been taken, or been kept for the resume.</summary>
        public Task WaitForPendingPagesAsync() => Task.WhenAll(_pending);

        /// <summary>The page once it has arrived; a source that threw instead of giving a failed page gives one here. Throws when reading stops first.</summary>
        public static async Task<SourcePage> ArrivedAsync(string cursor, Task<SourcePage> arrival, CancellationToken reading)
        {
            try
            {
                var page = await arrival.WaitAsync(reading);
                return page.Arrival is null ? page
                    : SourcePage.Failed(cursor, new InvalidOperationException($"The source gave the page {cursor} as still coming twice; a page that arrives must be here."));
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !reading.IsCancellationRequested)
            {
                return SourcePage.Failed(cursor, exception);
            }
        }

        private async Task ArriveAsync(IBatchDispatcher dispatcher, int number, string cursor, Task<SourcePage> arrival, CancellationToken reading)
        {
            try
            {
                try
                {
                    await TakeAsync(dispatcher, await ArrivedAsync(cursor, arrival, reading), number, reading);
                }
                catch (OperationCanceledException) when (reading.IsCancellationRequested)
                {
                    // Reading stopped before it arrived (or before the dispatcher took it): it is kept as cut, with no records,
                    // so that the resume fetches it again by its cursor.
                    await KeepUnprocessedAsync(new BatchWork(number, cursor, []));
                }
            }
            catch (Exception exception)
            {
                // Only the store can get here: without it nothing can be recorded.
                SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store"));
            }
        }

        /// <summary>
        /// Hands a page to the dispatcher and, once it has accepted it, asks the store to note the batch's start. The start
        /// thus commits while the batch waits for a worker (one group commit for several batches), instead of each worker
        /// waiting for its own; a page the dispatcher did not accept (reading stopped) is not noted, as before.
        /// </summary>
        public async ValueTask DispatchAsync(IBatchDispatcher dispatcher, BatchWork work, CancellationToken cancellationToken)
        {
            if (Remote is not null)
            {
                // Noted only once the broker confirmed the batch: a batch is never recorded as dispatched without being published.
                // (Its worker notes it too before writing the target, in case this process dies in between.)
                await dispatcher.DispatchAsync(work, cancellationToken);
                try
                {
                    await StartAsync(work);
                }
                catch (Exception exception)
                {
                    SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store"));
                }
                return;
            }
            var start = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
            _starts[work.Number] = start;
            try
            {
                // The read loop and the pages that arrive late dispatch one at a time (the dispatcher has a single writer).
                await _dispatching.WaitAsync(cancellationToken);
                try
                {
                    await dispatcher.DispatchAsync(work, cancellationToken);
                }
                finally
                {
                    _dispatching.Release();
                }
            }
            catch
            {
                _starts.TryRemove(work.Number, out _);
                start.TrySetCanceled(CancellationToken.None);
                throw;
            }
            start.SetResult(StartAsync(work, held: true));
        }

        /// <summary>
        /// The start of a dispatched batch, which the store may hold for a later commit (<see cref="IRunStore.BatchStartedHeldAsync"/>):
        /// asked for as soon as a worker takes the batch, so that it commits while the steps run, with the starts of the batches
        /// queued after it and the results waiting; a worker that takes one of those finds its start durable already.
        /// </summary>
        private async Task NotedStartAsync(Task<Task> noted)
        {
            var write = await noted;
            if (!write.IsCompleted)
                store.CommitHeldWrites();
            await write;
            // The starts of the batches queued behind this one were held while it committed: committed now, while the store is
            // idle, the worker that takes the next one finds its start durable instead of asking for it and waiting.
            if (ANextStartIsHeld())
                store.CommitHeldWritesWhenIdle();
        }

        /// <summary>
        /// Whether one of the batches the workers take next (the first <em>parallelism</em> handed to the dispatcher and not taken
        /// yet) has its start still held by the store. The starts of batches further back in the queue wait to share a later
        /// commit: asking for every queued start committed about once per batch, asking for the next ones about once per two.
        /// </summary>
        private bool ANextStartIsHeld()
        {
            var firstHeld = int.MaxValue;
            foreach (var (number, start) in _starts)
            {
                if (number < firstHeld && start.Task is { IsCompletedSuccessfully: true, Result.IsCompleted: false })
                    firstHeld = number;
            }
            if (firstHeld == int.MaxValue)
                return false;
            var ahead = 0;
            foreach (var (number, _) in _starts)
            {
                if (number < firstHeld)
                    ahead++;
            }
            return ahead < _nextTaken;
        }

        /// <summary>Waits for room among the results not yet confirmed, asking the store to commit those it holds when there is none.</summary>
        private async Task RoomForAResultAsync()
        {
            if (_unconfirmed.Wait(0))
                return;
            store.CommitHeldWrites();
            await _unconfirmed.WaitAsync();
        }

        /// <summary>The run as workers of other processes see it (cluster mode), or null when its batches run in this process.</summary>
        public RemoteRun? Remote { get; set; }

        /// <summary>Takes a worker's report of a batch it processed and stored (cluster mode): counts it and stops the run as the batch says.</summary>
        public Task ReportedAsync(RemoteBatchReport report)
        {
            var result = report.Result;
            if (report.ParkedError is not null)
                Interlocked.CompareExchange(ref _parkedError, report.ParkedError, null);
            Counted(result);
            if (report.SystemError is not null)
                SetSystemError(report.SystemError, skipQueued: true);
            return Task.CompletedTask;
        }

        /// <summary>
        /// Keeps the pages of a held source (a push) that the run did not read as batches of incomplete records; returns the
        /// last batch number and cursor (nothing is left unread after it). A page the dispatcher had not taken when reading
        /// stopped is read again here, after the last one it took.
        /// </summary>
        public async Task<(int BatchNumber, string? LastCursor)> KeepUnreadAsync(IHeldRecordsSource held, string? lastCursor, SourceContext context, int batchNumber)
        {
            var unread = lastCursor is null ? ((ISource)held).ReadAsync(context, CancellationToken.None) : held.ReadAfterAsync(lastCursor, context, CancellationToken.None);
            try
            {
                await foreach (var page in unread)
                {
                    var work = new BatchWork(++batchNumber, page.Cursor, page.Records);
                    await StartAsync(work);
                    await KeepUnprocessedAsync(work);
                    lastCursor = page.Cursor;
                }
            }
            catch (Exception exception)
            {
                // Records held in memory cannot fail to be read; if the store fails, the run's first system error stays the one reported.
                SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store"));
            }
            return (batchNumber, lastCursor);
        }

        /// <summary>Stores a batch the run did not process as Interrupted, its records incomplete with their values.</summary>
        private async Task KeepUnprocessedAsync(BatchWork work)
        {
            await RoomForAResultAsync();
            _ = StoreResultAsync(BatchResult.Interrupted(runId, work.Number, work.Cursor, work.Records.Count, Unprocessed(work), clock.GetUtcNow()));
        }

        /// <summary>The records of a batch the run never processed, with their values, unless the link keeps no snapshots.</summary>
        private List<Records.RecordOutcome> Unprocessed(BatchWork work)
        {
            if (link.Settings.LoggingLevel == LoggingLevel.None)
                return [];
            var outcomes = new List<Records.RecordOutcome>(work.Records.Count);
            for (var position = 0; position < work.Records.Count; position++)
            {
                var record = work.Records[position];
                outcomes.Add(Records.RecordOutcome.Incomplete(position, record.Key, new Records.Snapshot(record.Fields, null)));
            }
            return outcomes;
        }

        /// <summary>With sequential processing, order matters: the first data error stops the run, and the rest waits as incomplete.</summary>
        private ResyncError SequentialStop(BatchResult result)
        {
            var first = result.Outcomes.FirstOrDefault(o => o.Kind == Records.OutcomeKind.Failed);
            var cause = first?.Error;
            return new ResyncError(ErrorScope.System, cause?.Type ?? ErrorType.Data, Durability.Durable, ErrorCodes.SequentialStop,
                $"Sequential processing stopped at the first failed record (batch {result.BatchNumber}, record {first?.Key ?? first?.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): {cause?.Message}",
                cause?.Step, cause?.Fields ?? [], "Fix the record (resync incomplete edit) or its cause, then retry the incomplete run; later records wait so that order is kept.",
                clock.GetUtcNow(), 1);
        }

        /// <summary>Waits until the store has confirmed every batch result handed to it.</summary>
        public async Task WaitUntilStoredAsync()
        {
            store.CommitHeldWrites();
            for (var i = 0; i < _maxUnconfirmed; i++)
                await _unconfirmed.WaitAsync();
            _unconfirmed.Release(_maxUnconfirmed);
        }

        /// <summary>The run's batch 1 if the store noted it started with the run (<see cref="NewRun.FirstBatch"/>), else null.</summary>
        public FirstBatch? NotedWithRun { get; init; }

        /// <summary>
        /// True when batch 1, noted with the run, is all its source has (<see cref="IFirstPageInHandSource.FirstPageIsAll"/>): its
        /// result is then held and stored with the run's end (<see cref="EndWithOnlyBatchAsync"/>), one commit fewer for a push.
        /// </summary>
        public bool EndsWithOnlyBatch { get; init; }

        private BatchResult? _onlyBatch;

        /// <summary>The result of the run's only batch, held for its end (see <see cref="EndsWithOnlyBatch"/>), or null.</summary>
        public BatchResult? TakeOnlyBatch() => Interlocked.Exchange(ref _onlyBatch, null);

        /// <summary>
        /// Stores the run's only batch's result and the run's end in one write, and counts the batch. When the store kept
        /// neither, ends the run Failed with the store's error (as when a batch's result cannot be stored: its batch is left
        /// Processing, its records incomplete until recovery) and returns false, that error the run's system error.
        /// </summary>
        public async Task<bool> EndWithOnlyBatchAsync(BatchResult result, RunStatus status, string? newWatermark)
        {
            try
            {
                await store.RunFinishedWithLastBatchAsync(result, status, SystemError, newWatermark, clock.GetUtcNow(), CancellationToken.None);
            }
            catch (Exception exception) when (exception is not InvalidTransitionException)
            {
                var error = classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store");
                try
                {
                    await store.RunFinishedAsync(runId, RunStatus.Failed, SystemError ?? error, null, clock.GetUtcNow(), CancellationToken.None);
                }
                catch (InvalidTransitionException)
                {
                    // The run has ended already: the write was kept after all and only its answer was lost (a connection cut
                    // during COMMIT). The run ended as it was written; failing it now would answer a push as lost that was not.
                    Counted(result);
                    return true;
                }
                SetSystemError(error);
                return false;
            }
            Counted(result);
            return true;
        }

        private async Task StartAsync(BatchWork work, bool held = false)
        {
            // Noted with the run already: the same page, read again, needs no second commit before its target write.
            if (work.Number == 1 && NotedWithRun is { } first && first.Cursor == work.Cursor && first.RecordCount == work.Records.Count)
                return;
            if (held)
                await store.BatchStartedHeldAsync(runId, work.Number, work.Cursor, work.Records.Count, work.Watermark, clock.GetUtcNow(), CancellationToken.None);
            else
                await store.BatchStartedAsync(runId, work.Number, work.Cursor, work.Records.Count, work.Watermark, clock.GetUtcNow(), CancellationToken.None);
        }

        private static int MaxUnconfirmed(LinkSettings settings) => 16 * InProcessWorkers(settings);

        /// <summary>Hands the result to the store (queued in order, synchronously) and counts it once confirmed; never throws.</summary>
        private async Task StoreResultAsync(BatchResult result)
        {
            try
            {
                var stored = store.BatchFinishedHeldAsync(result, CancellationToken.None);
                // No room left for another result: whoever waits for room (RoomForAResultAsync) needs this one committed, not held,
                // though it may have asked before this one was queued (many pages still coming, stopped together).
                if (_unconfirmed.CurrentCount == 0)
                    store.CommitHeldWrites();
                await stored;
                Counted(result);
            }
            catch (Exception exception)
            {
                SetSystemError(classifier.Classify(exception).ToError(ErrorScope.System, clock.GetUtcNow(), "store"));
            }
            finally
            {
                _unconfirmed.Release();
            }
        }

        /// <summary>Counts a batch whose result the store holds: live counts follow what the store holds.</summary>
        private void Counted(BatchResult result)
        {
            progress.AddBatch(result.Read, result.Succeeded, result.Failed, result.Ignored, result.Warnings, result.Status == BatchStatus.Failed, result.Incomplete);
            events.BatchStored(result);
        }

        private Activity? BatchSpan(int number, int records) =>
            ResyncTracing.Source.StartActivity("resync.batch", ActivityKind.Internal, runSpan)?.SetTag("resync.run.id", runId).SetTag("resync.batch.number", number)
                .SetTag("resync.records.read", records);

        private static void EndSpan(Activity? span, BatchResult result)
        {
            if (span is null)
                return;
            span.SetTag("resync.batch.status", result.Status.ToString()).SetTag("resync.records.failed", result.Failed);
            if (result.Status == BatchStatus.Failed)
                span.SetStatus(ActivityStatusCode.Error, result.Error?.Code);
        }

        public async Task PageFailedAsync(int batchNumber, string cursor, Exception failure)
        {
            using var span = BatchSpan(batchNumber, 0);
            var classification = classifier.Classify(failure);
            // Built in: offline or refusing credentials at the first fetch means the run cannot start; refused credentials stop it anywhere.
            var stopsTheRun = Policies.ForSourcePage(classification, firstFetch: batchNumber == 1) is ErrorAction.Stop or ErrorAction.Deactivate;
            var error = classification.ToError(stopsTheRun ? ErrorScope.System : ErrorScope.Batch, clock.GetUtcNow(), "source");
            var result = BatchResult.PageFailed(runId, batchNumber, cursor, error, clock.GetUtcNow());
            EndSpan(span, result);
            await store.BatchFinishedAsync(result, CancellationToken.None);
            progress.AddBatch(0, 0, 0, 0, 0, batchFailed: true);
            events.BatchStored(result);
            if (stopsTheRun)
                SetSystemError(error);
        }
    }
}
