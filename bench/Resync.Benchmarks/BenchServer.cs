using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Resync.Server;
using Resync.Server.Auth;
using Resync.Testing;

namespace Resync.Benchmarks;

/// <summary>What the benchmarks of a real <c>resync serve</c> share: a temp folder for its files, and its address with an operator key.</summary>
internal static class BenchServer
{
    /// <summary>Runs <paramref name="run"/> with a new folder, deleted after it (its SQLite files closed first).</summary>
    public static async Task InTempFolderAsync(Func<string, Task> run)
    {
        using var folder = new TempDirectory("resync-bench");
        try
        {
            await run(folder.Path);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Starts the server; answers its address (without a trailing slash) and a new operator key.</summary>
    public static async Task<(string Url, string Key)> StartAsync(WebApplication app)
    {
        var url = await LoopbackWebApp.StartAsync(app);
        var key = (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync(ApiKeyScope.Operator, null, "bench", CancellationToken.None)).Key;
        return (url, key);
    }
}
