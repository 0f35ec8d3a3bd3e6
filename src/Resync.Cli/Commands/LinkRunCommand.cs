using Resync.Cli.Output;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Cli.Commands;

/// <summary><c>resync run &lt;link-file&gt;</c> and <c>resync demo</c>: run a link once with a live display, then print its summary.</summary>
internal static class LinkRunCommand
{
    public static Task<int> RunFileAsync(string file, string? db, bool json, CancellationToken cancellationToken)
    {
        var (link, definition) = LinkLoader.FromFile(file);
        return RunAsync(link, definition, db, json, cancellationToken);
    }

    public static async Task<int> RunDemoAsync(string? db, bool json, CancellationToken cancellationToken)
    {
        // The demo's target file sits beside the state file, so a demo leaves nothing else behind.
        var (link, definition) = await LinkLoader.DemoAsync(StateFile.Folder(db), cancellationToken);
        return await RunAsync(link, definition, db, json, cancellationToken);
    }

    private static async Task<int> RunAsync(Link link, LinkDefinition definition, string? db, bool json, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        await using var target = link.Target;
        // Kept so that `resync retry` and `resync incomplete retry` rebuild the same link later.
        await store.SaveLinkDefinitionAsync(link.Id, link.Tenant, definition, cancellationToken);
        var health = (await store.GetLinkAsync(link.Id, cancellationToken))?.Health;
        if (health is { State: LinkState.Deactivated })
            await Console.Error.WriteLineAsync($"note: link '{link.Id}' is deactivated ({health.StateReason}); running it by hand anyway.");

        // The same log sinks and OTLP export as resync serve, from the same settings: a one-off run reaches the collector too.
        await using var telemetry = await Server.Observability.ProcessTelemetry.StartAsync(Server.Observability.ProcessTelemetry.Configuration(), cancellationToken, link);
        var runner = new LinkRunner(store, store, store, TimeProvider.System, events: telemetry?.Events);
        LinkRunOutcome? outcome = null;
        return await RunReport.FollowAsync(store, link, json,
            async progress => (outcome = await runner.RunAsync(link, new RunRequest(RunKind.Manual, "cli"), progress, cancellationToken)).Run,
            _ => Task.FromResult<IReadOnlyList<string>>([.. Notes(outcome!)]));
    }

    private static IEnumerable<string> Notes(LinkRunOutcome outcome)
    {
        foreach (var replay in outcome.Replays)
            yield return $"Automated replay: run {replay.RunId} {RunSummaryView.StatusText(replay.Status)} ({replay.Counts.Failed} still failing).";
        if (outcome.IncompleteRunId is { } incomplete)
            yield return $"The run stopped partway: its remainder is incomplete run {incomplete} (resync incomplete show {incomplete}).";
        if (outcome.Health.State == LinkState.Deactivated)
            yield return $"The link is deactivated: {outcome.Health.StateReason}";
        else if (outcome.Health.NextAttemptAt is { } next)
            yield return $"Next attempt on the backoff schedule (attempt {outcome.Health.BackoffAttempts + 1}): {next:yyyy-MM-dd HH:mm:ss} UTC (by `resync serve`).";
    }
}
