using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Resync.Connectors.Network;

namespace Resync.Server.Alerts;

/// <summary>
/// Sends e-mail alerts (routes whose URL is <c>mailto:</c>) through the server's SMTP server with MailKit. The SMTP host is
/// resolved and checked by the outbound network policy, and only its allowed addresses are connected to, as for webhooks.
/// </summary>
internal sealed class SmtpAlertSender(ServerOptions options, OutboundNetworkPolicy network)
{
    /// <summary>Whether e-mail routes can be sent (an SMTP host is configured).</summary>
    public bool Configured => options.SmtpHost is not null;

    /// <summary>Sends one alert; throws what MailKit or the network policy throws.</summary>
    public async Task SendAsync(string mailto, AlertPayload alert, string messageId, CancellationToken cancellationToken)
    {
        var host = options.SmtpHost ?? throw new InvalidOperationException("No SMTP server is configured (Resync:SmtpHost).");
        using var message = new MimeMessage { Subject = AlertText.Subject(alert), Body = new TextPart("plain") { Text = AlertText.Body(alert) } };
        message.From.Add(MailboxAddress.Parse(options.SmtpFrom!)); // required with SmtpHost by ServerConfiguration
        foreach (var recipient in Recipients(mailto))
            message.To.Add(MailboxAddress.Parse(recipient));
        // The same id on every attempt: a mailbox can drop a second copy of a retried delivery.
        message.MessageId = $"{messageId}@resync";

        var addresses = await network.ResolveAsync(host, cancellationToken);
        // Disposed after the client (which closes it first), also when the connection or the SMTP handshake fails.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        await socket.ConnectAsync(addresses, options.SmtpPort, cancellationToken);
        using var smtp = new SmtpClient { Timeout = (int)options.AlertTimeout.TotalMilliseconds };
        await smtp.ConnectAsync(socket, host, options.SmtpPort, options.SmtpSecurity switch
        {
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        }, cancellationToken);
        if (options.SmtpUserName is { } user)
            await smtp.AuthenticateAsync(user, options.SmtpPassword ?? "", cancellationToken);
        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }

    /// <summary>The addresses of a <c>mailto:</c> URL (comma-separated; no headers).</summary>
    public static IReadOnlyList<string> Recipients(string mailto)
    {
        var addresses = mailto["mailto:".Length..];
        var query = addresses.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
            addresses = addresses[..query];
        return [.. Uri.UnescapeDataString(addresses).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
