using Resync.Core.Errors;

namespace Resync.Storage.Relational;

/// <summary>
/// Refuses a database that a newer Resync has migrated. An older one would write rows without what the newer one's
/// scripts added (a failed record's retry answers, say), which the newer one then reads wrong: a failure it never retries.
/// </summary>
internal static class NewerSchema
{
    /// <summary>The run store's scripts are numbered below this; the server's from it on (they share one migrations table).</summary>
    public const int ServerScriptsFrom = 100;

    /// <summary>Throws when <paramref name="applied"/> holds a version of <paramref name="known"/>'s range above the newest of them.</summary>
    public static void Refuse(IEnumerable<long> applied, IReadOnlyList<(int Version, string Sql)> known, string store)
    {
        var server = known[0].Version >= ServerScriptsFrom;
        var newest = known.Max(script => script.Version);
        var unknown = applied.Where(version => version >= ServerScriptsFrom == server && version > newest).Order().ToList();
        if (unknown.Count == 0)
            return;
        throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.StateSchemaNewer,
            $"{store} was migrated by a newer Resync: it holds {(server ? "server" : "run store")} schema version {string.Join(", ", unknown)}, " +
            $"and this Resync knows versions up to {newest}.",
            "Run the Resync that migrated it (every server, worker and CLI using one state store must be the same version), or " +
            "restore the backup taken before the upgrade. Stop every process on the old version before starting the new one."));
    }
}
