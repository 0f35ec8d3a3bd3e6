using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Resync.Testing.RabbitMq;

/// <summary>
/// A throwaway RabbitMQ broker on 127.0.0.1 for tests: the Debian package's server started without root privileges of its
/// own, with its data, logs and configuration in a folder under the temp folder, a node name of its own and free ports for
/// AMQP, Erlang distribution and epmd (so it never meets the system's broker or another test's). Stopped and deleted on
/// dispose, or by a watchdog once the test process is gone.
/// </summary>
public sealed class RabbitMqBroker : ThrowawayServer
{
    private const string FolderPrefix = "resync-mq-";
    private static readonly ProcessWide<RabbitMqBroker> Shared = new(() => StartAsync(CancellationToken.None), started => started.Stop());

    private readonly string _home;
    private readonly int _epmdPort;
    private readonly int _distPort;
    private Process? _process;

    private RabbitMqBroker(string folder, string home, int amqpPort, int distPort, int epmdPort)
        : base(folder)
    {
        _home = home;
        AmqpPort = amqpPort;
        _distPort = distPort;
        _epmdPort = epmdPort;
        NodeName = "resync" + Path.GetFileName(folder)[FolderPrefix.Length..] + "@localhost";
    }

    public int AmqpPort { get; }

    public string NodeName { get; }

    /// <summary>The broker's address (the default guest user, allowed here because it listens on loopback only).</summary>
    public Uri Uri => new(string.Create(CultureInfo.InvariantCulture, $"amqp://guest:guest@127.0.0.1:{AmqpPort}/"));

    /// <summary>The process-wide broker, started on first use and stopped when the process exits. Tests sharing it use queues of their own.</summary>
    public static Task<RabbitMqBroker> SharedAsync() => Shared.GetAsync();

    /// <summary>Starts a broker of its own (dispose it to stop it); a test that stops the broker mid-run needs one.</summary>
    public static async Task<RabbitMqBroker> StartAsync(CancellationToken cancellationToken)
    {
        var server = FindServer();
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..10]);
        var home = Path.Combine(folder, "home");
        Directory.CreateDirectory(home);
        var broker = new RabbitMqBroker(folder, home, LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
        await File.WriteAllTextAsync(Path.Combine(folder, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            listeners.tcp.1 = 127.0.0.1:{broker.AmqpPort}
            loopback_users = none
            log.console = false
            log.file.level = warning
            """), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "enabled_plugins"), "[].", cancellationToken);
        StartWatchdog(folder, broker._epmdPort);
        try
        {
            await broker.StartProcessAsync(server, cancellationToken);
            return broker;
        }
        catch
        {
            broker.Stop();
            throw;
        }
    }

    /// <summary>Stops the broker and keeps its data, as a broker restart does; <see cref="StartAgainAsync"/> starts it again with its queues.</summary>
    public async Task StopForAWhileAsync(CancellationToken cancellationToken = default)
    {
        await RunCtlAsync(["stop"], cancellationToken);
        if (_process is { } process)
            await process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Starts a broker stopped by <see cref="StopForAWhileAsync"/> again, on the same ports, with its data.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => StartProcessAsync(FindServer(), cancellationToken);

    /// <summary>
    /// Creates a virtual host of its own (the guest user may use it) and returns its address: processes of tests sharing one broker
    /// that all use the default queue names keep apart this way.
    /// </summary>
    public async Task<Uri> CreateVirtualHostAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        await RunCtlAsync(["-q", "add_vhost", name], cancellationToken);
        await RunCtlAsync(["-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], cancellationToken);
        return new Uri(Uri, name);
    }

    /// <summary>
    /// Freezes the broker's process (SIGSTOP): its connections stay open and every call waits unanswered, as with a broker too
    /// busy to answer; <see cref="ResumeAsync"/> lets it go on.
    /// </summary>
    public Task PauseAsync(CancellationToken cancellationToken = default) => SignalAsync("-STOP", cancellationToken);

    /// <summary>Lets a broker frozen by <see cref="PauseAsync"/> go on.</summary>
    public Task ResumeAsync(CancellationToken cancellationToken = default) => SignalAsync("-CONT", cancellationToken);

    private async Task SignalAsync(string signal, CancellationToken cancellationToken)
    {
        var pid = (await File.ReadAllTextAsync(Path.Combine(Folder, "broker.pid"), cancellationToken)).Trim();
        await ExternalProgram.RunAsync(ExternalProgram.StartInfo("kill", [signal, pid]), cancellationToken);
    }

    /// <summary>
    /// Kills the channels of a client's connection on the broker's side, leaving the connection up, as the broker does when a
    /// channel fails (a quorum queue consumed before its replica runs); returns how many it killed. Finds them by the local port.
    /// </summary>
    public async Task<int> KillChannelsAsync(int clientPort, CancellationToken cancellationToken = default)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{clientPort} ->");
        var killed = await RunCtlAsync(["-q", "eval", $$"""
            length([exit(P, kill) || P <- rabbit_channel:list(),
                binary:match(proplists:get_value(name, rabbit_channel:info(P, [name])), <<"{{prefix}}">>) =/= nomatch]).
            """], cancellationToken);
        return int.Parse(killed.Trim(), CultureInfo.InvariantCulture);
    }

    protected override void StopOnce()
    {
        try
        {
            if (_process is { HasExited: false } process)
                process.Kill(entireProcessTree: true);
            using var epmd = Process.Start(Start("epmd", ["-kill"]));
            epmd?.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Left for the watchdog.
        }
    }

    private async Task StartProcessAsync(string server, CancellationToken cancellationToken)
    {
        _process?.Dispose();
        _process = Process.Start(Start(server, [])) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // Ready once it accepts an AMQP connection; a broker that never comes up fails the test after the safety net.
        var factory = new ConnectionFactory { Uri = Uri, AutomaticRecoveryEnabled = false };
        using var safetyNet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        safetyNet.CancelAfter(Patience.Limit); // a broker restarted on a machine running several suites at once took more than 3 minutes
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with {_process.ExitCode}; see the logs in {Path.Combine(Folder, "log")}");
            try
            {
                await using var connection = await factory.CreateConnectionAsync(safetyNet.Token);
                return;
            }
            catch (BrokerUnreachableException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), safetyNet.Token);
            }
        }
    }

    private Task<string> RunCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var ctl = Path.Combine(Path.GetDirectoryName(FindServer())!, "rabbitmqctl");
        return ExternalProgram.RunAsync(Start(ctl, ["-n", NodeName, .. arguments]), cancellationToken);
    }

    private ProcessStartInfo Start(string program, IReadOnlyList<string> arguments)
    {
        var start = ExternalProgram.StartInfo(program, arguments, Folder);
        var environment = start.Environment;
        environment["HOME"] = _home; // the Erlang cookie lives here
        environment["RABBITMQ_HOME"] = Path.GetDirectoryName(Path.GetDirectoryName(FindServer()))!;
        environment["RABBITMQ_NODENAME"] = NodeName;
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(CultureInfo.InvariantCulture);
        environment["RABBITMQ_DIST_PORT"] = _distPort.ToString(CultureInfo.InvariantCulture);
        environment["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture);
        environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(Folder, "mnesia");
        environment["RABBITMQ_LOG_BASE"] = Path.Combine(Folder, "log");
        environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(Folder, "rabbitmq.conf");
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Folder, "enabled_plugins");
        environment["RABBITMQ_PID_FILE"] = Path.Combine(Folder, "broker.pid");
        environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(Folder, "rabbitmq-env.conf");
        environment["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(Folder, "advanced.config");
        return start;
    }

    // Stops the broker (and its epmd) and deletes its folder once this process is gone.
    private static void StartWatchdog(string folder, int epmdPort) =>
        ExternalProgram.StartWatchdog("resync-mq-watchdog", """
            folder=$1; epmdport=$2
            [ -f "$folder/broker.pid" ] && kill -9 "$(cat "$folder/broker.pid")" 2>/dev/null
            ERL_EPMD_PORT=$epmdport epmd -kill >/dev/null 2>&1
            rm -rf "$folder"
            """, [folder, epmdPort.ToString(CultureInfo.InvariantCulture)]);

    private static string FindServer()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("RESYNC_RABBITMQ_SBIN") is { Length: > 0 } configured)
            candidates.Add(configured);
        // The package's own sbin (not the /usr/sbin wrapper, which switches to the rabbitmq user and its system-wide folders).
        if (Directory.Exists("/usr/lib/rabbitmq/lib"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/rabbitmq/lib", "rabbitmq_server-*").Order(StringComparer.Ordinal).Reverse()
                .Select(home => Path.Combine(home, "sbin")));
        return candidates.Select(dir => Path.Combine(dir, "rabbitmq-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "The RabbitMQ server was not found (looked in RESYNC_RABBITMQ_SBIN and /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin). " +
                "Install it: `apt-get install -y rabbitmq-server` (Debian/Ubuntu), then run the tests again.");
    }
}
