using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Resync.Server.Tests.Security;

public sealed class KeyRingTests
{
    private const string Link = """
        name: secret-api
        source: { type: http, url: "https://api.example.com/items", auth: { type: bearer, token: t0ken } }
        target: { type: collect }
        """;

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "RestartAsync disposes the server it restarts; the last one is disposed in finally.")]
    public async Task KeyRing_WithACertificate_HoldsNoClearMasterKey_AndStillDecryptsAfterARestart()
    {
        using var certificates = new TempDirectory("resync-cert");
        var pfx = Path.Combine(certificates.Path, "key-ring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=resync key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-pass"));
        }
        var server = await ServerHarness.StartAsync(configure: options =>
        {
            options.KeyRingCertificatePath = pfx;
            options.KeyRingCertificatePassword = "pfx-pass";
        });
        try
        {
            await server.PutLinkAsync(server.OperatorKey, "secret-api", Link);
            var keys = Directory.EnumerateFiles(Path.Combine(server.Folder, "keys"), "key-*.xml").ToList();
            keys.ShouldNotBeEmpty();
            foreach (var key in keys)
            {
                var xml = await File.ReadAllTextAsync(key);
                xml.ShouldContain("EncryptedData"); // the key material is encrypted to the certificate...
                xml.ShouldNotContain("<masterKey"); // ...and not written in clear
            }
            server.Logs.Lines.ShouldNotContain(line => line.Message.Contains("unencrypted", StringComparison.Ordinal));

            server = await server.RestartAsync();
            using var client = server.Client(server.OperatorKey);
            using var link = await client.GetAsync("/api/v1/links/secret-api");
            link.StatusCode.ShouldBe(HttpStatusCode.OK); // the stored document was decrypted with the protected key ring
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task KeyRing_WithoutACertificate_IsInClear_AndTheServerSaysSo()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.OperatorKey, "secret-api", Link);
        var xml = await File.ReadAllTextAsync(Directory.EnumerateFiles(Path.Combine(server.Folder, "keys"), "key-*.xml").First());
        xml.ShouldContain("<masterKey");
        server.Logs.Lines.ShouldContain(line => line.Message.Contains("unencrypted", StringComparison.Ordinal));
    }
}
