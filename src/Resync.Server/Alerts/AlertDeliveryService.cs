using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Resync.Core.Errors;
using Resync.Core.Observability;
using Resync.Core.Policies;
using Resync.Core.Scheduling;
using Resync.Core.Storage;

namespace Resync.Server.Alerts;

/// <summary>
/// Sends the alert outbox: each pending delivery is POSTed to its route's webhook (or, for a push callback, to the push's
/// callback URL), signed (Standard Webhooks), through the server's outbound network policy. At least once: a non-2xx answer or no answer is tried again after each delay of
/// <see cref="ServerOptions.AlertRetryDelays"/> (same webhook-id), then given up as Failed. Every attempt is recorded
/// with the route's health, so a failing destination shows. All timing is on the server's <see cref="TimeProvider"/>.
/// </summary>
public sealed class AlertDeliveryService : BackgroundService
{
    private const int BatchSize = 32;

    private readonly IServerStore _store;
    private readonly AlertSecrets _secrets;
    private readonly TimeProvider _clock;
    private readonly ILogger<AlertDeliveryService> _logger;
    private readonly BackoffSchedule _retries;
    private readonly HttpClient _http;
    private readonly SmtpAlertSender _smtp;
    private readonly WakeableWait _wake = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _attempted = new();

    public AlertDeliveryService(IServerStore store, AlertSecrets secrets, TimeProvider clock, ServerOptions options, ILogger<AlertDeliveryService> logger)
    {
        _store = store;
        _secrets = secrets;
        _clock = clock;
        _logger = logger;
        _retries = new BackoffSchedule(options.AlertRetryDelays);
        _http = new HttpClient(options.NetworkPolicy().CreateHandler()) { Timeout = options.AlertTimeout };
        _smtp = new SmtpAlertSender(options, options.NetworkPolicy());
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Resync-Alerts/1");
    }

    /// <summary>Looks at the outbox now (an alert was stored).</summary>
    public void Wake() => _wake.Wake();

    /// <summary>Completes when the delivery's next attempt has been recorded (or at once if it has one already).</summary>
    public async Task WaitForAttemptAsync(long deliveryId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var attempted = _attempted.GetOrAdd(deliveryId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (await _store.GetAlertDeliveryAsync(deliveryId, cancellationToken) is { Attempts.Count: > 0 })
            return;
        // A real-time bound on a network call under way, not a schedule: the fake clock of tests must not hold it.
        await attempted.Task.WaitAsync(timeout, cancellationToken);
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset? next;
            try
            {
                var due = await _store.ListDueAlertDeliveriesAsync(_clock.GetUtcNow(), BatchSize, stoppingToken);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken },
                    async (delivery, token) => await AttemptAsync(delivery, token));
                next = due.Count == BatchSize ? _clock.GetUtcNow() : await _store.NextAlertDeliveryDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                ResyncEvents.AlertOutboxFailed(_logger, exception);
                next = _clock.GetUtcNow() + TimeSpan.FromSeconds(10);
            }
            await _wake.WaitAsync(next, _clock, stoppingToken);
        }
    }

    private async Task AttemptAsync(AlertDeliveryRecord delivery, CancellationToken stoppingToken)
    {
        var target = delivery.CallbackUrl is { } callback
            ? new Destination(0, "push callback", callback, delivery.ProtectedCallbackSecret ?? "", AlertRouteDelivery.Webhook)
            : await _store.GetAlertRouteAsync(delivery.RouteId, stoppingToken) is { } found
                ? new Destination(found.Id, found.Name, found.Url, found.ProtectedSecret, found.Delivery.Format)
                : null;
        if (target is null)
            return; // deleted meanwhile, with its deliveries
        var number = delivery.Attempts.Count + 1;
        var at = _clock.GetUtcNow();
        var (statusCode, error, hint) = target.Format == AlertRouteDelivery.Email
            ? await MailAsync(target, delivery, stoppingToken)
            : await SendAsync(target, delivery, at, stoppingToken);
        var succeeded = error is null;
        DateTimeOffset? nextAttempt = succeeded ? null : at + _retries.DelayAfter(number);
        await _store.RecordAlertAttemptAsync(delivery.Id, new AlertDeliveryAttempt(number, at, succeeded, statusCode, error, hint), nextAttempt, CancellationToken.None);
        ResyncMetrics.AlertDeliveries.Add(1, new System.Diagnostics.TagList
        {
            { "kind", delivery.Kind }, { "status", succeeded ? "delivered" : nextAttempt is null ? "given_up" : "failed" },
        });
        if (succeeded)
            ResyncEvents.AlertDelivered(_logger, delivery.Id, delivery.Kind, target.RouteId, target.Name, number, statusCode);
        else
        {
            if (nextAttempt is { } when)
                ResyncEvents.AlertDeliveryFailed(_logger, delivery.Id, delivery.Kind, target.RouteId, target.Name, number, error!, hint, when);
            else
                ResyncEvents.AlertDeliveryGivenUp(_logger, delivery.Id, delivery.Kind, target.RouteId, target.Name, number, error!, hint);
        }
        if (_attempted.TryRemove(delivery.Id, out var waiter))
            waiter.TrySetResult();
    }

    /// <summary>One e-mail through the SMTP server; an error with a hint unless it was accepted.</summary>
    private async Task<(int? StatusCode, string? Error, string? Hint)> MailAsync(Destination target, AlertDeliveryRecord delivery, CancellationToken stoppingToken)
    {
        if (!_smtp.Configured)
            return (null, "No SMTP server is configured for e-mail alerts.", "Set Resync:SmtpHost and Resync:SmtpFrom (see docs/configuration.md); it is tried again later.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // A real-time bound on a network exchange, like the webhook's HttpClient timeout.
        timeout.CancelAfter(_http.Timeout);
        try
        {
            await _smtp.SendAsync(target.Url, System.Text.Json.JsonSerializer.Deserialize<AlertPayload>(delivery.Payload, System.Text.Json.JsonSerializerOptions.Web)!,
                delivery.MessageId, timeout.Token);
            return (null, null, null);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return (null, $"The SMTP server did not answer within {_http.Timeout.TotalSeconds:0.#} s.", "Check that the SMTP server is up; it is tried again later.");
        }
        catch (OutboundAddressRefusedException refused)
        {
            var classified = ErrorClassifier.Default.Classify(refused);
            return (null, classified.Message, classified.Hint);
        }
        catch (MailKit.Net.Smtp.SmtpCommandException exception)
        {
            return ((int)exception.StatusCode, $"The SMTP server refused the alert: {(int)exception.StatusCode} {exception.Message}",
                "Check the route's address and the server's SMTP account and sender (Resync:SmtpFrom); it is tried again later.");
        }
        catch (Exception exception) when (exception is SocketException or IOException or MailKit.ProtocolException or MailKit.Security.AuthenticationException
            or MailKit.Security.SslHandshakeException or NotSupportedException)
        {
            return (null, $"Could not send the alert through the SMTP server: {exception.Message}",
                "Check Resync:SmtpHost, SmtpPort and SmtpSecurity and that the SMTP server is reachable from the server; it is tried again later.");
        }
    }

    /// <summary>One POST; the status code answered (if any), and an error with a hint unless it was 2xx.</summary>
    private async Task<(int? StatusCode, string? Error, string? Hint)> SendAsync(Destination target, AlertDeliveryRecord delivery, DateTimeOffset at,
        CancellationToken stoppingToken)
    {
        var timestamp = at.ToUnixTimeSeconds();
        // A chat route gets the alert as a Slack-compatible message; the headers are the same (such receivers ignore them).
        var body = target.Format == AlertRouteDelivery.Slack
            ? ChatMessage.Render(System.Text.Json.JsonSerializer.Deserialize<AlertPayload>(delivery.Payload, System.Text.Json.JsonSerializerOptions.Web)!)
            : delivery.Payload;
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", delivery.MessageId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(_secrets.Unprotect(target.ProtectedSecret), delivery.MessageId, timestamp, delivery.Payload));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? (code, null, null)
                : (code, $"The webhook answered HTTP {code} {response.ReasonPhrase}.", StatusHint(response.StatusCode));
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return (null, $"The webhook did not answer within {_http.Timeout.TotalSeconds:0.#} s.",
                "Make the receiver answer 2xx at once and do its work afterwards; it is tried again later.");
        }
        catch (HttpRequestException exception) when (exception.InnerException is OutboundAddressRefusedException)
        {
            var refused = ErrorClassifier.Default.Classify(exception);
            return (null, refused.Message, refused.Hint);
        }
        catch (HttpRequestException exception)
        {
            var socket = exception.InnerException as SocketException;
            return (null, $"Could not connect to the webhook: {exception.Message}", socket?.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData => "The host name does not resolve: check the route's URL.",
                SocketError.ConnectionRefused => "Nothing listens at that address and port: check the URL and that the receiver is running.",
                _ => "Check the route's URL and that the receiver is reachable from the server; it is tried again later.",
            });
        }
    }

    /// <summary>The hint for a webhook's answer, by the answer's classification (one mapping of HTTP statuses: <see cref="ErrorClassifier"/>).</summary>
    private static string StatusHint(HttpStatusCode status) => ErrorClassifier.Default.ClassifyHttpStatus((int)status, null, null) switch
    {
        { Type: ErrorType.InvalidAccessToken } => "The receiver refused the request: check that it expects these alerts and verifies the signature with this route's secret.",
        { Durability: Durability.Ephemeral } => "The receiver failed or is unavailable for now; see its logs. The delivery is tried again later.",
        { Type: ErrorType.Runtime } => "The receiver does not serve this request: check the route's URL (path and method POST) and see its logs.",
        _ => "The receiver did not accept the alert; see its logs. The delivery is tried again later.",
    };

    /// <summary>Where a delivery goes: a route, or a push's callback (route 0).</summary>
    private sealed record Destination(long RouteId, string Name, string Url, string ProtectedSecret, string Format);
}
