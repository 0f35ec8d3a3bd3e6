using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Resync.Cli.Tests;

/// <summary>
/// A real <c>resync serve</c> process on a free loopback port, over the <see cref="CliProcess"/> folder's state file and a
/// <c>links</c> folder, with an operator key; stopped by real signals (SIGTERM, SIGINT) or killed (SIGKILL).
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    private ServeProcess(CliProcess cli, Process process, string url, HttpClient client)
    {
        Cli = cli;
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
        Url = url;
        Client = client;
    }

    public CliProcess Cli { get; }

    public string Url { get; }

    /// <summary>A client on the server's API with the operator key.</summary>
    public HttpClient Client { get; }

    public int Id => _process.Id;

    /// <summary>Starts the server (creating the operator key on first use) and returns once it answers /health.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "Returned to the caller, who disposes it; disposed here when it never answers.")]
    public static async Task<ServeProcess> StartAsync(CliProcess cli, params string[] extra)
    {
        var keyFile = Path.Combine(cli.Folder, "operator.key");
        if (!File.Exists(keyFile))
        {
            var (exit, output, error) = await cli.RunAsync("keys", "create", "--operator", "--name", "tests", "--db", cli.State.Length > 0 ? cli.State : cli.StateFile);
            exit.ShouldBe(0, error);
            await File.WriteAllTextAsync(keyFile, output.Trim());
        }
        var url = $"http://127.0.0.1:{LoopbackPort.Free()}";
        Directory.CreateDirectory(Path.Combine(cli.Folder, "links"));
        var process = cli.Start(["serve", "--urls", url, "--db", cli.State.Length > 0 ? cli.State : cli.StateFile, "--links", Path.Combine(cli.Folder, "links"), "--allow-loopback", .. extra]);
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await File.ReadAllTextAsync(keyFile));
        var serve = new ServeProcess(cli, process, url, client);
        try
        {
            // Safety net only: the server answers within seconds.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"resync serve exited with {process.ExitCode}: {await serve._error}");
                try
                {
                    using var health = await client.GetAsync("/health", timeout.Token);
                    if (health.IsSuccessStatusCode)
                        return serve;
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(50, timeout.Token);
            }
        }
        catch
        {
            // A server that never became healthy is stopped, not left running past the test.
            await serve.DisposeAsync();
            throw;
        }
    }

    /// <summary>Pushes records to a link; returns the status and the answer.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> PushAsync(string linkId, JsonArray records, string mode, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(records.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync($"/api/v1/links/{linkId}/push?mode={mode}", content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        var text = await Client.GetStringAsync(path);
        return JsonNode.Parse(text)!;
    }

    /// <summary>Sends a signal by name (TERM, INT, KILL) to the server process.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit; returns its exit code and what it wrote (its log on stdout, then stderr).</summary>
    public async Task<(int ExitCode, string Output)> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, await _output + await _error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        await _output;
        Client.Dispose();
        _process.Dispose();
    }
}
