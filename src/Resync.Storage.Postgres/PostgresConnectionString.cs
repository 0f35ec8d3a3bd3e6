using Npgsql;

namespace Resync.Storage.Postgres;

/// <summary>
/// The state setting as PostgreSQL reads it: a URI (<c>postgres://user:password@host:5432/db?sslmode=require</c>, as most tools
/// print it) or Npgsql's <c>Host=…;Database=…</c> form.
/// </summary>
public static class PostgresConnectionString
{
    private static readonly string[] Schemes = ["postgres://", "postgresql://"];

    /// <summary>Whether <paramref name="state"/> names a PostgreSQL database rather than a file.</summary>
    public static bool IsPostgres(string state)
    {
        var text = state.TrimStart();
        if (Schemes.Any(scheme => text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)))
            return true;
        // A key-value connection string names its host; a file path holds no "Host=" part.
        return text.Split(';').Any(part => part.Split('=', 2) is [var key, _]
            && key.Trim() is var name && (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Server", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Npgsql's form of <paramref name="state"/>.</summary>
    /// <exception cref="ArgumentException">It is not a valid connection string; the message says which part and why.</exception>
    public static string Normalize(string state) => Parse(state).ConnectionString;

    /// <summary>Where the database is, for people and logs: host, port, database and user, never the password.</summary>
    public static string Describe(string state)
    {
        var builder = Parse(state);
        return $"postgres://{builder.Username}{(builder.Username is null ? "" : "@")}{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static NpgsqlConnectionStringBuilder Parse(string state)
    {
        var text = state.Trim();
        if (!Schemes.Any(scheme => text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException exception)
            {
                throw new ArgumentException($"The PostgreSQL connection string in the state setting is invalid: {exception.Message}", exception);
            }
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException("The PostgreSQL address in the state setting is not a valid URI: expected postgres://user:password@host:5432/database.");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0)
            builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
                builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database)
            builder.Database = Uri.UnescapeDataString(database);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)) : (Uri.UnescapeDataString(pair), "");
            try
            {
                builder[key.Replace('_', ' ')] = value;
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
            {
                throw new ArgumentException($"The PostgreSQL address in the state setting has an option Npgsql does not know or accept: '{key}={value}' ({exception.Message}).",
                    exception);
            }
        }
        return builder;
    }
}
