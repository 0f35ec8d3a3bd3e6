using Microsoft.AspNetCore.DataProtection;

namespace Resync.Server.Alerts;

/// <summary>Route signing secrets at rest: encrypted with Data Protection (the key ring beside the state file), like link credentials.</summary>
public sealed class AlertSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Resync.AlertRouteSecrets.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
