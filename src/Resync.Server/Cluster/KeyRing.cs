using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Resync.Server.Cluster;

/// <summary>
/// The Data Protection key ring that encrypts credentials of links created through the API: one set-up for servers and workers,
/// which must share the folder (and certificate) to read each other's links.
/// </summary>
internal static class KeyRing
{
    public static void Add(IServiceCollection services, ServerOptions options)
    {
        var folder = options.KeyRingFolder ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath)) ?? ".", "keys");
        var protection = services.AddDataProtection().SetApplicationName("Resync").PersistKeysToFileSystem(new DirectoryInfo(folder));
        // Linux has no key store: without a certificate the key ring is kept in clear (Data Protection warns at every start).
        if (options.KeyRingCertificatePath is { } certificate)
            protection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(certificate, options.KeyRingCertificatePassword));
    }
}
