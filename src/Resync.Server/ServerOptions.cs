using System.ComponentModel.DataAnnotations;
using System.Net;
using Resync.Connectors.Network;
using Resync.Messaging.RabbitMq;

namespace Resync.Server;

/// <summary>How <c>resync serve</c> runs: where its state and links are, what it accepts and where it may connect.</summary>
public sealed class ServerOptions
{
    /// <summary>The addresses Kestrel listens on. The default is <c>http://127.0.0.1:5080</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>
    /// The SQLite state file (runs and the server's own tables) when <see cref="State"/> does not name a database server; the key
    /// ring and data folders default beside it. Required.
    /// </summary>
    [Required]
    public string DatabasePath { get; set; } = "";

    /// <summary>
    /// Where state is kept: a SQLite file path, or a PostgreSQL connection string (<c>postgres://user:password@host/db</c> or
    /// <c>Host=…;Database=…</c>) for state several processes share (<c>--state</c>). The default (null) is the file <see cref="DatabasePath"/>.
    /// </summary>
    public string? State { get; set; }

    /// <summary>The state setting in effect: <see cref="State"/>, else <see cref="DatabasePath"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string StateLocation => string.IsNullOrWhiteSpace(State) ? DatabasePath : State;

    /// <summary>
    /// Cluster mode: the RabbitMQ broker (<c>amqp://user:password@host:5672/vhost</c>, <c>--broker</c>) through which runs hand
    /// their batches to <c>resync worker</c> processes. It needs <see cref="State"/> to name a PostgreSQL database, which every
    /// server and worker shares; servers sharing it then run one scheduler at a time. The default (null) processes every batch
    /// in this process. The password is never printed.
    /// </summary>
    public string? Broker { get; set; }

    /// <summary>
    /// Cluster mode: how often the active scheduler checks its lease and a standby server tries to take it, so the longest a
    /// cluster goes without a scheduler once the active server dies. The default is 15 seconds.
    /// </summary>
    public TimeSpan SchedulerLeaseInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Cluster mode: how many batches a <c>resync worker</c> holds and processes at once (the broker's prefetch, 1 to 1000).
    /// The default, 2, keeps a worker busy while its next batch is delivered; 1 holds a worker to one core, so that workers on
    /// one machine divide its cores between them.
    /// </summary>
    public int WorkerPrefetch { get; set; } = RabbitMqSettings.DefaultPrefetch;

    /// <summary>A folder of <c>*.link.yaml</c> / <c>*.yaml</c> link files, loaded at start and watched. The default is none.</summary>
    public string? LinksFolder { get; set; }

    /// <summary>Where Data Protection keeps its key ring. The default is a <c>keys</c> folder beside the state file.</summary>
    public string? KeyRingFolder { get; set; }

    /// <summary>
    /// The folder that holds each tenant's data folder (<c>tenants/&lt;tenant&gt;</c>): file paths of links from the API resolve
    /// inside their tenant's folder and cannot leave it. The default is a <c>data</c> folder beside the state file.
    /// </summary>
    public string? DataFolder { get; set; }

    /// <summary>
    /// Folders links from the API may reach besides their tenant's data folder (by absolute path). The state file and the key
    /// ring stay out of reach even inside them. The default is none.
    /// </summary>
    public IReadOnlyList<string> AllowedFileRoots { get; set; } = [];

    /// <summary>The source types links from the API may use. The default (null) is every type the server knows: files are confined and connections guarded.</summary>
    public IReadOnlyList<string>? TenantSourceTypes { get; set; }

    /// <summary>The target types links from the API may use. The default (null) is every type the server knows.</summary>
    public IReadOnlyList<string>? TenantTargetTypes { get; set; }

    /// <summary>The step kinds links from the API may use. The default (null) is every kind the server knows.</summary>
    public IReadOnlyList<string>? TenantStepTypes { get; set; }

    /// <summary>
    /// A certificate (PFX file) that encrypts the Data Protection key ring at rest; without it the keys are stored in clear and
    /// the server warns at every start. The default is none.
    /// </summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The password of <see cref="KeyRingCertificatePath"/> (or none).</summary>
    public string? KeyRingCertificatePassword { get; set; }

    /// <summary>The largest request body accepted, in bytes (413 above). The default is 4 MiB.</summary>
    [Range(1024, 1L << 31)]
    public long MaxBodyBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>The most records accepted in one push (400 above). The default is 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxRecordsPerPush { get; set; } = 10_000;

    /// <summary>How long a repeated Idempotency-Key returns the first answer. The default is 24 hours.</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether links (HTTP, PostgreSQL), alert webhooks and push callbacks may connect to loopback addresses and to this
    /// machine's own interface addresses. The default is false.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Whether they may connect to private, shared and link-local networks. The default is false.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Extra ranges (CIDR) they may connect to whatever the other rules say, e.g. <c>10.20.0.0/16</c> for one internal subnet
    /// (<c>--allow-network</c>). The default is none.
    /// </summary>
    public IReadOnlyList<string> AllowedNetworks { get; set; } = [];

    /// <summary>
    /// How long the payload of an asynchronous push is kept once its run has accounted for every record (then it is deleted:
    /// the records live on in the run's history as far as its logging level keeps them). The default is zero: at once.
    /// </summary>
    public TimeSpan PushPayloadRetention { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long a synchronous push waits, once its run has ended, for the automated replays of its failed records (when its
    /// link has them on) before it answers; past it, the answer says the replay is under way and where to follow it. The
    /// default is 30 seconds; zero answers as soon as the run has ended.
    /// </summary>
    public TimeSpan SyncPushReplayWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most pushes of one link that share a run. Pushes that arrive while the link's previous push run is being opened
    /// wait and then share the next run (synchronous and asynchronous ones apart; a push with a callback runs alone): many
    /// clients share the run's fixed cost instead of each paying it. 1 gives every push its own run. The default is 64.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxPushesPerRun { get; set; } = 64;

    /// <summary>
    /// How long a valid API key is remembered before the key store is read again for it (zero: read on every request). A key
    /// revoked through this server (its API) is refused at once; one revoked by another process on the same state (the CLI's
    /// <c>resync keys revoke</c> beside a running server, another server on a shared PostgreSQL store) within this time.
    /// The default is one second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a link's first push waits for others to share its run (or until <see cref="MaxPushesPerRun"/> have come).
    /// The default is zero: a push waits only while the previous run is being opened, so one client alone is never held back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan PushRunWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The origins whose pages may frame the embeddable view (its <c>frame-ancestors</c>), e.g. <c>https://app.partner.example</c>.
    /// The default is none: the view can be opened, not framed.
    /// </summary>
    public IReadOnlyList<string> EmbedFrameAncestors { get; set; } = [];

    /// <summary>How often the live run progress stream (server-sent events) sends counts. The default is 500 ms.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long shutdown waits for runs in flight to finish their current batches. The default is 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The delays between attempts to deliver an alert to a webhook that failed (non-2xx or no answer); after the last the
    /// delivery is given up as Failed. The default is 10 s, 1 min, 5 min, 30 min, 2 h, 6 h (seven attempts in all).
    /// </summary>
    public IReadOnlyList<TimeSpan> AlertRetryDelays { get; set; } =
        [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6)];

    /// <summary>How long one alert delivery waits for the webhook's answer. The default is 10 seconds.</summary>
    public TimeSpan AlertTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The SMTP server e-mail alert routes (<c>mailto:</c>) are sent through; none: e-mail routes are refused. Connected to through the outbound network policy.</summary>
    public string? SmtpHost { get; set; }

    /// <summary>The SMTP server's port. The default is 587 (submission).</summary>
    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    /// <summary>How the SMTP connection is secured: <c>StartTls</c> (the default; refused if the server does not offer it), <c>SslOnConnect</c> (port 465) or <c>None</c> (a relay on a trusted network only).</summary>
    public SmtpSecurity SmtpSecurity { get; set; } = SmtpSecurity.StartTls;

    /// <summary>The SMTP account, if the server asks for one.</summary>
    public string? SmtpUserName { get; set; }

    /// <summary>The SMTP account's password (give it through the environment, RESYNC__SMTPPASSWORD, not a file). Never shown or logged.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // serve --json prints the settings
    public string? SmtpPassword { get; set; }

    /// <summary>The sender of alert e-mails, e.g. <c>resync@example.com</c>. Required with <see cref="SmtpHost"/>.</summary>
    public string? SmtpFrom { get; set; }

    /// <summary>The share of failed calls (connection errors) within the sampling window that opens a connection's circuit breaker. The default is 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = Resync.Connectors.Breakers.ConnectionBreakerOptions.DefaultFailureRatio;

    /// <summary>Calls to a connection within the sampling window before its failure share counts (at least 2). The default is 5.</summary>
    public int BreakerMinimumCalls { get; set; } = Resync.Connectors.Breakers.ConnectionBreakerOptions.DefaultMinimumCalls;

    /// <summary>The window a breaker's failure share is taken over (at least 500 ms). The default is 30 seconds.</summary>
    public TimeSpan BreakerSamplingWindow { get; set; } = Resync.Connectors.Breakers.ConnectionBreakerOptions.DefaultSamplingWindow;

    /// <summary>How long calls to a connection fail fast once its breaker opened, before one probe call decides (at least 500 ms). The default is 30 seconds.</summary>
    public TimeSpan BreakerCoolDown { get; set; } = Resync.Connectors.Breakers.ConnectionBreakerOptions.DefaultCoolDown;

    /// <summary>The circuit breakers' settings, as the connectors take them (validated with the other settings).</summary>
    public Resync.Connectors.Breakers.ConnectionBreakerOptions BreakerOptions() => new()
    {
        FailureRatio = BreakerFailureRatio,
        MinimumCalls = BreakerMinimumCalls,
        SamplingWindow = BreakerSamplingWindow,
        CoolDown = BreakerCoolDown,
    };

    /// <summary>How many requests each API key may make (429 with Retry-After above); null: no limit. The default is <see cref="ApiRateLimit.Default"/>.</summary>
    public ApiRateLimit? RateLimit { get; set; } = ApiRateLimit.Default;

    /// <summary>The policy every outbound connection of the server goes through (links, webhooks, callbacks): built here only.</summary>
    public OutboundNetworkPolicy NetworkPolicy() => new()
    {
        AllowLoopback = AllowLoopback,
        AllowPrivateNetworks = AllowPrivateNetworks,
        AllowedNetworks = [.. AllowedNetworks.Select(cidr => IPNetwork.Parse(cidr))],
    };
}
