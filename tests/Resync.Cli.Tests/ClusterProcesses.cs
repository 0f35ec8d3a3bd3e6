using System.Diagnostics;
using Npgsql;

namespace Resync.Cli.Tests;

/// <summary>
/// A cluster of real processes for a drill: <c>resync worker</c>s and one <c>resync serve --broker</c> on a shared PostgreSQL
/// state and a RabbitMQ broker, over a <c>links</c> folder of its own. Kills whatever is still running on dispose.
/// </summary>
internal sealed class ClusterProcesses : IAsyncDisposable
{
    private readonly CliProcess _cli = new();
    private readonly List<Process> _workers = [];
    private readonly string _broker;
    private ServeProcess? _serve;

    /// <param name="state">The state database (an Npgsql connection string).</param>
    /// <param name="broker">The broker's address (its virtual host included).</param>
    public ClusterProcesses(string state, Uri broker)
    {
        var builder = new NpgsqlConnectionStringBuilder(state);
        _cli.State = $"postgres://{builder.Username}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}";
        _broker = broker.ToString();
        Directory.CreateDirectory(LinksFolder);
    }

    /// <summary>The CLI the processes are started from (its folder, its state).</summary>
    public CliProcess Cli => _cli;

    public string LinksFolder => Path.Combine(_cli.Folder, "links");

    /// <summary>The workers started, in order.</summary>
    public IReadOnlyList<Process> Workers => _workers;

    public ServeProcess Serve => _serve ?? throw new InvalidOperationException("The server is started by StartServeAsync.");

    /// <summary>Writes a link file into the links folder every process reads.</summary>
    public Task WriteLinkAsync(string id, string yaml) => File.WriteAllTextAsync(Path.Combine(LinksFolder, id + ".yaml"), yaml);

    /// <summary>Starts a worker and returns its start line once it says it is taking batches.</summary>
    public async Task<JsonNode> StartWorkerAsync()
    {
        var worker = _cli.Start("worker", "--state", _cli.State, "--broker", _broker, "--links", LinksFolder, "--allow-loopback", "--json");
        _workers.Add(worker);
        _ = worker.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var line = await worker.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"resync worker exited with {worker.ExitCode}");
        _ = worker.StandardOutput.ReadToEndAsync();
        return JsonNode.Parse(line)!;
    }

    /// <summary>Starts <c>resync serve --broker</c> and returns once it answers.</summary>
    public async Task<ServeProcess> StartServeAsync() => _serve = await ServeProcess.StartAsync(_cli, "--broker", _broker);

    /// <summary>Starts a run of the link through the API; returns its id.</summary>
    public async Task<long> StartRunAsync(string linkId)
    {
        using var started = await Serve.Client.PostAsync($"/api/v1/links/{linkId}/runs", null);
        var body = await started.Content.ReadAsStringAsync();
        started.IsSuccessStatusCode.ShouldBeTrue(body);
        return JsonNode.Parse(body)!["runId"]!.GetValue<long>();
    }

    public Task<JsonNode> RunAsync(long runId) => Serve.GetAsync($"/api/v1/runs/{runId}");

    /// <summary>Waits until the run has ended (the API answers again after an outage) and returns it.</summary>
    public async Task<JsonNode> EndedRunAsync(long runId)
    {
        JsonNode? run = null;
        await EventuallyAsync(async () =>
        {
            try
            {
                run = await RunAsync(runId);
            }
            catch (HttpRequestException)
            {
                return false; // the server cannot read the state yet
            }
            return run["status"]!.GetValue<string>() != "Running";
        }, $"run {runId} to end");
        return run!;
    }

    /// <summary>Waits for work in other processes; the bound is a safety net against a hang, never what a test measures.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what) => Eventually.TrueAsync(condition, what);

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            if (!worker.HasExited)
                worker.Kill();
            await worker.WaitForExitAsync();
            worker.Dispose();
        }
        if (_serve is not null)
            await _serve.DisposeAsync();
        _cli.Dispose();
    }
}
