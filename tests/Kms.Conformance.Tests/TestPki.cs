using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kms.Conformance.Tests;

/// <summary>
/// A PKI generated once per test run in a temp folder (BCL CertificateRequest, ECDSA P-256): one CA, the server
/// certificate (SAN 127.0.0.1 and localhost, PKCS#12) and client certificates issued on demand (clientAuth),
/// also written as PEM files for clients outside .NET (PyKMIP).
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string Password = "changeit";
    private static readonly Lazy<TestPki> s_shared = new(() => new TestPki());
    private readonly ECDsa _caKey;

    public static TestPki Shared => s_shared.Value;

    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kms-conf-pki-" + Guid.NewGuid().ToString("N")[..8]);
    public X509Certificate2 Ca { get; }
    public string ServerP12 => Path("server.p12");
    public string CaPem => Path("ca.pem");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    private TestPki()
    {
        System.IO.Directory.CreateDirectory(Directory);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=Kms Conformance CA", _caKey, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = req.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        File.WriteAllText(CaPem, Ca.ExportCertificatePem());

        var server = Issue("CN=kms-server", serverAuth: true, san: b =>
        {
            b.AddIpAddress(IPAddress.Loopback);
            b.AddDnsName("localhost");
        });
        File.WriteAllBytes(ServerP12, server.Export(X509ContentType.Pkcs12, Password));
    }

    /// <summary>A client certificate (clientAuth) whose CN is the KMIP user name.</summary>
    public X509Certificate2 Client(string commonName) => Issue("CN=" + commonName, serverAuth: false);

    /// <summary>Writes a client certificate and its key as PEM files; returns (certificate path, key path).</summary>
    public (string Certificate, string Key) ClientPem(string commonName)
    {
        var cert = Client(commonName);
        string certPath = Path(commonName + ".crt.pem"), keyPath = Path(commonName + ".key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private X509Certificate2 Issue(string subject, bool serverAuth, Action<SubjectAlternativeNameBuilder>? san = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        if (san is not null)
        {
            var b = new SubjectAlternativeNameBuilder();
            san(b);
            req.CertificateExtensions.Add(b.Build());
        }
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var cert = req.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddDays(-1), now.AddDays(30), serial);
        // Round trip through PKCS#12 so the private key is usable by SslStream.
        return X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12, Password), Password);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
