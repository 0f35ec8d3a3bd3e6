namespace Resync.Server;

/// <summary>How the connection to the SMTP server of e-mail alerts is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Upgraded with STARTTLS; refused if the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,

    /// <summary>In clear: only for a relay on a trusted network.</summary>
    None,
}
