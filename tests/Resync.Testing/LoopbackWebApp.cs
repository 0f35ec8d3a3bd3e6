using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resync.Testing;

/// <summary>What the fake servers of the tests and benchmarks stand on: Kestrel on 127.0.0.1 and a port the system picks, without logging.</summary>
public static class LoopbackWebApp
{
    /// <summary>A slim builder listening on a free loopback port with <paramref name="protocols"/> (Kestrel's default when null).</summary>
    public static WebApplicationBuilder CreateBuilder(HttpProtocols? protocols = null)
    {
        // No configuration reload: a reload watches the working directory, and a benchmark run from a busy folder spent
        // ~5 % of its CPU in that watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols ?? listen.Protocols));
        return builder;
    }

    /// <summary>Starts <paramref name="app"/> and answers the address it listens on, without a trailing slash.</summary>
    public static async Task<string> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }
}
