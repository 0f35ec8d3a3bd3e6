using System.Data.Common;
using System.Globalization;
using System.Net;
using Npgsql;
using Resync.Connectors.Network;

namespace Resync.Connectors.Postgres;

/// <summary>
/// PostgreSQL connections through the server's <see cref="OutboundNetworkPolicy"/>: Npgsql has no hook on the socket it
/// opens, so the host names of the connection string are resolved here, each address checked, and Npgsql is given the
/// checked addresses as literals (it then resolves nothing). The original host name stays the TLS target (SNI and
/// certificate check) when the string names one host. Resolution is repeated at most every 30 seconds, so a database that
/// moves is followed and a name that starts resolving to a refused address (DNS rebinding) is refused from then on.
/// Unix-socket hosts (a path), a missing host (which would fall back to the server's PGHOST) and keys that read a file of
/// the server's (Passfile, SSL Certificate, SSL Key, Root Certificate) are refused when built.
/// </summary>
internal sealed class GuardedPostgresDataSource : DbDataSource
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private readonly string _connectionString;
    private readonly OutboundNetworkPolicy _network;
    private readonly IReadOnlyList<(string Host, int Port)> _hosts;
    private readonly SemaphoreSlim _resolving = new(1, 1);
    private readonly List<NpgsqlDataSource> _built = [];
    private NpgsqlDataSource? _current;
    private long _resolvedAt;

    /// <exception cref="ArgumentException">The connection string is not valid, or names a host that is not a network host.</exception>
    public GuardedPostgresDataSource(string connectionString, OutboundNetworkPolicy network)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Keys that make Npgsql read a file of the server's: a link may not name the server's files (see docs/security.md).
        foreach (var (key, value) in new[] { ("Passfile", builder.Passfile), ("SSL Certificate", builder.SslCertificate), ("SSL Key", builder.SslKey),
            ("Root Certificate", builder.RootCertificate) })
        {
            if (!string.IsNullOrEmpty(value))
                throw new ArgumentException($"'{key}' makes the server read one of its own files, which a link on this server may not do; give the password in the connection string and let the server verify the certificate against its trusted roots");
        }
        _connectionString = connectionString;
        _network = network;
        _hosts = Hosts(builder.Host, builder.Port);
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() =>
        throw new NotSupportedException("A guarded PostgreSQL source opens its connections with OpenConnectionAsync (the host is resolved and checked first).");

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken)
    {
        var source = await CurrentAsync(cancellationToken);
        return await source.OpenConnectionAsync(cancellationToken);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        foreach (var source in _built)
            await source.DisposeAsync();
        _resolving.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var source in _built)
                source.Dispose();
            _resolving.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The host entries of a connection string's <c>Host</c> (<c>a,b:5433,[::1]:5432</c>), each with its port.</summary>
    internal static IReadOnlyList<(string Host, int Port)> Hosts(string? hostList, int defaultPort)
    {
        if (string.IsNullOrWhiteSpace(hostList))
            throw new ArgumentException("the connection string names no Host: give the database server's name or address (Host=db.example.com)");
        var hosts = new List<(string, int)>();
        foreach (var raw in hostList.Split(',', StringSplitOptions.TrimEntries))
        {
            var (host, port) = SplitPort(raw, defaultPort);
            if (host.Length == 0 || host[0] is '/' or '@' || host.Contains('/') || host.Contains('\\'))
                throw new ArgumentException($"Host '{raw}' is not a network host (a Unix socket path is a local connection, which this server does not open for links)");
            hosts.Add((host, port));
        }
        return hosts;
    }

    private static (string Host, int Port) SplitPort(string entry, int defaultPort)
    {
        // As Npgsql reads it: the last ':' separates a port unless it belongs to a bare IPv6 literal.
        var colon = entry.LastIndexOf(':');
        if (colon < 0)
            return (entry, defaultPort);
        var head = entry[..colon];
        if (head.Contains(':') && !head.EndsWith(']'))
            return (entry, defaultPort);
        if (!int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"Host '{entry}' has no valid port after ':'");
        return (head.Trim('[', ']'), port);
    }

    private async ValueTask<NpgsqlDataSource> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && Environment.TickCount64 - Volatile.Read(ref _resolvedAt) < Refresh.TotalMilliseconds)
            return fresh;
        await _resolving.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } other && Environment.TickCount64 - _resolvedAt < Refresh.TotalMilliseconds)
                return other;
            // Every entry must be allowed: a list with one refused host is refused whole (Npgsql would try them in turn).
            var vetted = new List<string>();
            foreach (var (host, port) in _hosts)
            {
                foreach (var address in await _network.ResolveAsync(host, cancellationToken))
                    vetted.Add(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}");
            }
            var hostList = string.Join(',', vetted);
            if (_current is null || new NpgsqlConnectionStringBuilder(_current.ConnectionString).Host != hostList)
                _current = Build(hostList);
            Volatile.Write(ref _resolvedAt, Environment.TickCount64);
            return _current;
        }
        finally
        {
            _resolving.Release();
        }
    }

    private NpgsqlDataSource Build(string vettedHosts)
    {
        var builder = new NpgsqlDataSourceBuilder(_connectionString);
        builder.ConnectionStringBuilder.Host = vettedHosts;
        var names = _hosts.Select(entry => entry.Host).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (names.Count == 1 && !IPAddress.TryParse(names[0], out _))
            builder.UseSslClientAuthenticationOptionsCallback(ssl => ssl.TargetHost = names[0]);
        var source = builder.Build();
        _built.Add(source);
        return source;
    }
}
