using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Resync.Testing.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster on 127.0.0.1 for tests: <c>initdb</c> in its own folder under the temp
/// folder, started with <c>pg_ctl</c> on a free port, stopped and deleted when the test process exits.
/// Clusters left behind by a killed test process are stopped and deleted the next time one starts.
/// One cluster serves the whole process (<see cref="SharedAsync"/>); each test class takes a fresh database
/// from it (<see cref="CreateDatabaseAsync"/>). When running as root, the cluster runs as the <c>postgres</c>
/// system user (initdb refuses root).
/// </summary>
public sealed class PostgresServer : ThrowawayServer
{
    /// <summary>The superuser's name.</summary>
    public const string User = "postgres";

    private const string FolderPrefix = "resync-pg-";
    private const string OwnerFile = "owner.pid";
    private static readonly ProcessWide<PostgresServer> Shared = new(() => StartAsync(CancellationToken.None), started => started.Stop());

    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private int _databases;

    private PostgresServer(string folder, string bin, bool asPostgresUser, int port, string password)
        : base(folder)
    {
        _bin = bin;
        _asPostgresUser = asPostgresUser;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    /// <summary>The superuser's password (TCP connections use scram-sha-256).</summary>
    public string Password { get; }

    /// <summary>The process-wide cluster, started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.GetAsync();

    /// <summary>Starts a new cluster of its own (dispose it to stop it). Most tests want <see cref="SharedAsync"/>.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinaries();
        RemoveStaleClusters(bin);
        var asPostgresUser = Environment.UserName == "root";
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        var password = "pw" + Guid.NewGuid().ToString("N");
        var passwordFile = Path.Combine(folder, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        var data = Path.Combine(folder, "data");
        try
        {
            if (asPostgresUser)
                await RunAsync("chown", ["-R", "postgres:postgres", folder], cancellationToken);
            await RunPgAsync(bin, asPostgresUser, "initdb",
                ["-D", data, "-U", User, "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile", passwordFile, "-E", "UTF8", "--no-locale", "--no-sync"],
                cancellationToken);
            File.Delete(passwordFile);

            for (var attempt = 1; ; attempt++)
            {
                var port = LoopbackPort.Free();
                try
                {
                    await RunPgAsync(bin, asPostgresUser, "pg_ctl", StartArguments(folder, port), cancellationToken);
                    StartWatchdog(bin, asPostgresUser, folder);
                    return new PostgresServer(folder, bin, asPostgresUser, port, password);
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // The port was taken between probing and binding: try another one.
                }
            }
        }
        catch
        {
            TryDelete(folder);
            throw;
        }
    }

    /// <summary>
    /// Stops the server and keeps its data, as a database outage does: sessions end and open transactions roll back.
    /// Only on a cluster of one's own (<see cref="StartAsync"/>), never the shared one. <see cref="StartAgainAsync"/> ends the outage.
    /// </summary>
    public Task StopForAWhileAsync(CancellationToken cancellationToken = default) =>
        RunPgAsync(_bin, _asPostgresUser, "pg_ctl", ["-D", Path.Combine(Folder, "data"), "-m", "fast", "-w", "-t", "60", "stop"], cancellationToken);

    /// <summary>Starts a server stopped by <see cref="StopForAWhileAsync"/> again, on the same port, with its data.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        RunPgAsync(_bin, _asPostgresUser, "pg_ctl", StartArguments(Folder, Port), cancellationToken);

    private static string[] StartArguments(string folder, int port) =>
        ["-D", Path.Combine(folder, "data"), "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
         "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=100", "start"];

    /// <summary>A connection string for <paramref name="database"/> over TCP on loopback.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = User,
        Password = Password,
        Database = database,
        Pooling = true,
    }.ToString();

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix.ToLowerInvariant()}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/> (closing its pooled connections first).</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected override void StopOnce() => StopCluster(_bin, _asPostgresUser, Folder);

    private static void StopCluster(string bin, bool asPostgresUser, string folder)
    {
        var data = Path.Combine(folder, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                RunPgAsync(bin, asPostgresUser, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None)
                    .GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        TryDelete(folder);
    }

    // Stops the cluster and deletes its folder once this process is gone.
    private static void StartWatchdog(string bin, bool asPostgresUser, string folder) =>
        ExternalProgram.StartWatchdog("resync-pg-watchdog", """
            pgctl=$1; data=$2; folder=$3
            if [ "$4" = yes ]; then runuser -u postgres -- "$pgctl" -D "$data" -m immediate -w stop; else "$pgctl" -D "$data" -m immediate -w stop; fi
            rm -rf "$folder"
            """, [Path.Combine(bin, "pg_ctl"), Path.Combine(folder, "data"), folder, asPostgresUser ? "yes" : "no"]);

    // Clusters whose owning test process is gone (killed before it could stop them).
    private static void RemoveStaleClusters(string bin)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var ownerFile = Path.Combine(folder, OwnerFile);
            try
            {
                if (File.Exists(ownerFile)
                        ? int.TryParse(File.ReadAllText(ownerFile), CultureInfo.InvariantCulture, out var owner) && IsAlive(owner)
                        : IsRecent(folder))
                    continue;
                StopCluster(bin, Environment.UserName == "root", folder);
            }
            catch (IOException)
            {
                // Another process is cleaning it up at the same time.
            }
        }
    }

    // A folder without its owner file may be one that another test process is just creating.
    private static bool IsRecent(string folder) =>
        Directory.GetLastWriteTimeUtc(folder) > TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-10);

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("RESYNC_PG_BIN") is { Length: > 0 } configured)
            candidates.Add(configured);
        try
        {
            var bindir = RunAsync("pg_config", ["--bindir"], CancellationToken.None).GetAwaiter().GetResult().Trim();
            if (bindir.Length > 0)
                candidates.Add(bindir);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // No pg_config on PATH: look in the usual place.
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(version => int.TryParse(Path.GetFileName(version), CultureInfo.InvariantCulture, out var number) ? number : 0)
                .Select(version => Path.Combine(version, "bin")));
        }
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "The PostgreSQL server binaries (initdb, pg_ctl) were not found (looked in RESYNC_PG_BIN, `pg_config --bindir` and /usr/lib/postgresql/*/bin). " +
                "Install them: `apt-get install -y postgresql` (Debian/Ubuntu), then run the tests again.");
    }

    private static Task<string> RunPgAsync(string bin, bool asPostgresUser, string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(bin, tool), arguments, cancellationToken);

    private static Task<string> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ExternalProgram.RunAsync(ExternalProgram.StartInfo(program, arguments, Path.GetTempPath()), cancellationToken);

    private static void TryDelete(string folder)
    {
        try
        {
            if (File.Exists("/usr/bin/setsid"))
            {
                // A detached process finishes the job even when the test host (and its process tree) is killed right after the tests end.
                using var remove = Process.Start(new ProcessStartInfo("/usr/bin/setsid", ["-f", "rm", "-rf", folder]) { UseShellExecute = false });
                if (remove is not null && remove.WaitForExit(TimeSpan.FromSeconds(10)) && remove.ExitCode == 0)
                    return;
            }
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // Left for the next start's stale-cluster sweep.
        }
    }
}
