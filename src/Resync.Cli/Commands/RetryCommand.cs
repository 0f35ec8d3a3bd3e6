using Resync.Core.Recovery;
using Resync.Core.Storage;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync retry &lt;run-id&gt; [--group N] [--force] [--definition current|original]</c>: Retry Failures of a run, or of one of its error groups.</summary>
internal static class RetryCommand
{
    public static async Task<int> RunAsync(string? db, long runId, int? groupNumber, bool json, bool force, bool original, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var run = await store.GetRunAsync(runId, cancellationToken)
            ?? throw new CliException(ExitCodes.Usage, $"There is no run {runId} in {store.Location}.", "List runs with: resync runs");
        var group = groupNumber is { } number ? await GroupAsync(store, runId, number, cancellationToken) : null;
        var (link, definition) = await LinkLoader.ForRecoveryAsync(store, run, original, cancellationToken);
        await using var target = link.Target;
        var runner = new LinkRunner(store, store, store, TimeProvider.System);

        RecoveryPlan plan;
        try
        {
            plan = await runner.PlanRetryAsync(runId, group, cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            throw new CliException(ExitCodes.Usage, exception.Message);
        }
        if (!force && plan.WaitsAsIncomplete is { } parked)
            throw new CliException(ExitCodes.Usage, parked);
        if (plan.NothingToRetry is { } why)
            throw new CliException(ExitCodes.Usage, why);
        if (!force && plan.AlreadyResolved is { } resolved)
            throw new CliException(ExitCodes.Usage, resolved, $"See the chain: resync show {plan.ResolvedByRunId}");
        if (!json)
        {
            AnsiConsole.MarkupLine($"Retrying run {runId}: {plan.FailedBatches.Count} failed batch(es) fetched again, {plan.Records} failed record(s) from snapshots" +
                (group is null ? "." : $" in error group {Markup.Escape(group.Code)} at {Markup.Escape(group.Step ?? "-")}."));
            if (plan.Limitation is { } limitation)
                AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(limitation)}[/]");
            RunReport.WriteDefinition(definition);
        }
        return await RunReport.FollowAsync(store, link, json,
            progress => runner.RetryFailuresAsync(link, runId, group, progress, force, cancellationToken),
            async result =>
            {
                await RunReport.KeepDefinitionAsync(store, result.RunId, definition);
                return await RootNoteAsync(store, run);
            });
    }

    private static async Task<ErrorGroupKey> GroupAsync(IRunQueries store, long runId, int number, CancellationToken cancellationToken)
    {
        var groups = await store.ListErrorGroupsAsync(runId, cancellationToken);
        return ErrorGroupKey.Numbered(groups, number) is { } group
            ? ErrorGroupKey.Of(group)
            : throw new CliException(ExitCodes.Usage, $"Run {runId} has {groups.Count} error group(s); --group takes 1 to {groups.Count} (as numbered by `resync show {runId}`).");
    }

    private static async Task<IReadOnlyList<string>> RootNoteAsync(IRunQueries store, RunView parent)
    {
        var rootId = parent.RootRunId ?? parent.Id;
        var root = await store.GetRunAsync(rootId, CancellationToken.None);
        return root is null ? [] : [$"Root run {rootId} is now {Output.RunSummaryView.StatusText(root.Status)}{(root.Status == Core.Runs.RunStatus.Succeeded ? " (its history keeps the original failure)." : ".")}"];
    }
}
