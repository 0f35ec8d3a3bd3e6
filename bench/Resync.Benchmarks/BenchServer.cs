using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Resync.Server;
using Resync.Server.Auth;

namespace Resync.Benchmarks;

/// <summary>What the benchmarks of a real <c>resync serve</c> share: a temp folder for its files, and its address with an operator key.</summary>
internal static class BenchServer
{
    /// <summary>Runs <paramref name="run"/> with a new folder, deleted after it (its SQLite files closed first).</summary>
    public static async Task InTempFolderAsync(Func<string, Task> run)
    {
        var folder = Path.Combine(Path.GetTempPath(), "resync-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await run(folder);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Starts the server; answers its address (without a trailing slash) and a new operator key.</summary>
    public static async Task<(string Url, string Key)> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var key = (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync(ApiKeyScope.Operator, null, "bench", CancellationToken.None)).Key;
        return (url, key);
    }
}
