using Resync.Connectors;
using Resync.Connectors.Breakers;
using Resync.Core.Scheduling;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.Core.Recovery;
using Resync.Dashboard;
using Resync.Server.Alerts;
using Resync.Server.Api;
using Resync.Server.Breakers;
using Resync.Server.Cluster;
using Resync.Server.Auth;
using Resync.Server.Keys;
using Resync.Server.Links;
using Resync.Server.Observability;
using Resync.Server.Push;
using Resync.Server.Recovery;
using Resync.Server.Runs;
using Resync.Server.Scheduling;

namespace Resync.Server;

/// <summary>Builds the <c>resync serve</c> application: one process, the state store its settings name, API, push, scheduler.</summary>
public static class ResyncServer
{
    /// <summary>
    /// Builds the server. <paramref name="catalog"/> defaults to the built-in connectors (with the server's SSRF guard);
    /// <paramref name="clock"/> to the system clock.
    /// </summary>
    /// <param name="breakers">
    /// The connections' circuit breakers the catalog's connectors call through (shown by GET /api/v1/breakers and the health
    /// answer); by default new ones from the server's settings, on its clock. A caller's own <paramref name="catalog"/> passes its own.
    /// </param>
    public static async Task<WebApplication> BuildAsync(ServerOptions options, TimeProvider? clock = null, ComponentCatalog? catalog = null,
        ConnectionBreakers? breakers = null, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        if (ServerConfiguration.Validate(options) is { Count: > 0 } problems)
            throw new Microsoft.Extensions.Options.OptionsValidationException(ServerConfiguration.SectionName, typeof(ServerOptions), problems);
        options.RateLimit?.Validate();
        clock ??= TimeProvider.System;
        breakers ??= new ConnectionBreakers(clock, options.BreakerOptions());
        catalog ??= BuiltInConnectors.CreateCatalog(options.NetworkPolicy(), breakers);

        // The host's own appsettings files are read once: reloading them would watch the working directory and every folder
        // under it (inotify on Linux), so that each write to a state or target file there cost the server a wake-up.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Resync.Server", Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The slim builder pins the console formatter to "simple": Logging:Console (FormatterName: json, systemd…) applies over it.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        // The CLI's --json writes the same documents with the same options: one vocabulary.
        builder.Services.ConfigureHttpJsonOptions(json => ResyncJson.Apply(json.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddApiDocument();
        KeyRing.Add(builder.Services, options);

        var (runStore, serverStore) = StateStores.Open(options.StateLocation, clock);
        await serverStore.InitializeAsync(cancellationToken);
        foreach (var cut in await runStore.RecoverInterruptedRunsAsync(clock.GetUtcNow(), cancellationToken))
        {
            // A pull run the last process left cut (killed, or its shutdown cut short by a second signal or the timeout) has its
            // remainder parked for a person; a server resumes it at once instead, before the link's next tick reads from the
            // watermark again (the batches it cut are written again: the documented cost of a cut write).
            foreach (var parked in await runStore.ListIncompleteAsync(new IncompleteFilter(Statuses: [IncompleteStatus.Waiting], RunId: cut), cancellationToken))
                await runStore.UpdateIncompleteAsync(parked.Id, IncompleteStatus.Scheduled, parked.Attempts, clock.GetUtcNow(), null, parked.Note, cancellationToken);
        }

        if (ClusterSettings.IsCluster(options))
            await ClusterServices.AddServerAsync(builder.Services, options, runStore, clock, cancellationToken);
        AddSchedulerLease(builder.Services, options, clock);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(breakers);
        builder.Services.AddSingleton(runStore);
        builder.Services.AddSingleton<IRunStore>(runStore);
        builder.Services.AddSingleton<IRunQueries>(runStore);
        builder.Services.AddSingleton<IRecoveryStore>(runStore);
        builder.Services.AddSingleton<IServerStore>(serverStore);
        builder.Services.AddSingleton<LinkRunGate>();
        builder.Services.AddSingleton(new ApiKeyService(serverStore, clock, options.ApiKeyCacheDuration));
        builder.Services.AddSingleton<IDashboardKeys, DashboardKeys>();
        builder.Services.AddResyncDashboard(new DashboardOptions(options.EmbedFrameAncestors));
        builder.Services.AddResyncAuthentication();
        builder.Services.AddSingleton<EmbedTokens>();
        builder.Services.AddSingleton<KeyRateLimiter>();
        builder.Services.AddSingleton<IdempotencyGate>();
        builder.Services.AddSingleton(new ServerFiles(options));
        builder.Services.AddSingleton<LinkRegistry>();
        builder.Services.AddSingleton(services => Composite.SubrequestRoutes.FromEndpoints(services.GetRequiredService<EndpointDataSource>()));
        Composite.SubrequestClient.AddSubrequestClient(builder.Services);
        // Alert delivery starts first and stops last: alerts raised by runs ending at shutdown are still stored.
        builder.Services.AddSingleton<AlertSecrets>();
        builder.Services.AddSingleton<AlertDeliveryService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AlertDeliveryService>());
        builder.Services.AddSingleton<DeclaredAlertRoutes>();
        builder.Services.AddSingleton<AlertOutbox>();
        builder.Services.AddSingleton<IAlertSink>(services => services.GetRequiredService<AlertOutbox>());
        // Hosted services stop in reverse order: the scheduler first, the runs in flight last.
        builder.Services.AddSingleton<RunLauncher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RunLauncher>());
        builder.Services.AddSingleton<PushProcessor>();
        builder.Services.AddSingleton<Push.PushLinkStates>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PushProcessor>());
        builder.Services.AddHostedService<LinkFolderWatcher>();
        builder.Services.AddSingleton<SchedulerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SchedulerService>());
        configure?.Invoke(builder);
        // After the caller's changes: the sinks read the configuration as it ends up, and survive a ClearProviders there.
        builder.AddResyncObservability();

        var app = builder.Build();
        await app.Services.GetRequiredService<LinkRegistry>().LoadAsync(cancellationToken);

        app.Use(RequestIds.InvokeAsync);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // After the request id and the error handler: refusals carry the id and are problem documents like every other error.
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapResyncObservability();
        app.MapApiDocument();

        var api = app.MapGroup("/api/v1").RequireAuthorization(ResyncAuthentication.ApiPolicy).ProducesProblem(401).ProducesProblem(404);
        api.MapLinks().MapRuns().MapPush().MapRecovery().MapKeys().MapAlerts().MapEmbedTokens().MapBreakers();
        Composite.CompositeEndpoints.MapComposite(api);
        app.MapResyncDashboard();
        return app;
    }

    /// <summary>Servers sharing a database run one scheduler at a time.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
        "The container owns the lease: it disposes what a factory made, which ends the lease's session at shutdown.")]
    private static void AddSchedulerLease(IServiceCollection services, ServerOptions options, TimeProvider clock)
    {
        if (StateStores.OpenSchedulerLease(options.StateLocation, clock, options.SchedulerLeaseInterval) is { } lease)
            services.AddSingleton(_ => lease);
    }
}
