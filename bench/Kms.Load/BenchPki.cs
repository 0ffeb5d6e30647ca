using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kms.Load;

/// <summary>
/// A throw-away PKI in a temp folder: one RSA-2048 CA, the server certificate (SAN 127.0.0.1, localhost) and one
/// client certificate (CN=bench, clientAuth), as PEM files for Kms and PyKMIP and as objects for SslStream.
/// RSA rather than ECDSA because pykmip-server's TLS 1.2 suite list has no ECDSA suites.
/// </summary>
public sealed class BenchPki : IDisposable
{
    public BenchPki()
    {
        Directory.CreateDirectory(Folder);
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=Kms Bench CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = caReq.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        File.WriteAllText(CaPem, Ca.ExportCertificatePem());

        var server = Issue(caKey, "CN=kms-bench-server", serverAuth: true, ServerCertPem, ServerKeyPem);
        server.Dispose();
        Client = Issue(caKey, "CN=bench", serverAuth: false, ClientCertPem, ClientKeyPem);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kms-bench-pki-" + Guid.NewGuid().ToString("N")[..8]);
    public X509Certificate2 Ca { get; }
    /// <summary>The client identity (with its private key) used by every load connection.</summary>
    public X509Certificate2 Client { get; }
    public string CaPem => Path.Combine(Folder, "ca.pem");
    public string ServerCertPem => Path.Combine(Folder, "server.crt.pem");
    public string ServerKeyPem => Path.Combine(Folder, "server.key.pem");
    public string ClientCertPem => Path.Combine(Folder, "client.crt.pem");
    public string ClientKeyPem => Path.Combine(Folder, "client.key.pem");

    private X509Certificate2 Issue(RSA caKey, string subject, bool serverAuth, string certPath, string keyPath)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            req.CertificateExtensions.Add(san.Build());
        }
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var cert = req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), now.AddDays(-1), now.AddDays(7), serial);
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        // Through PKCS#12 so that SslStream can use the private key.
        return X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12, "bench"), "bench");
    }

    public void Dispose()
    {
        Client.Dispose();
        Ca.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
