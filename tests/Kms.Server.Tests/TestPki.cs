using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kms.Server.Tests;

/// <summary>
/// A PKI generated once per test run in a temp folder (BCL CertificateRequest, ECDSA P-256):
/// CA1 (server and clients), CA2 (another CA), CA3 (unused third CA for bundles), the server certificate
/// (SAN 127.0.0.1 and localhost), fixed client certificates, and CA1 client certificates issued on demand (also as PEM
/// files for clients outside .NET, e.g. PyKMIP). Shared by Kms.Server.Tests and Kms.Conformance.Tests (a linked file).
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string Password = "changeit";
    private static readonly Lazy<TestPki> s_shared = new(() => new TestPki());

    public static TestPki Shared => s_shared.Value;

    private readonly ECDsa _ca1Key;

    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kms-pki-" + Guid.NewGuid().ToString("N")[..8]);
    public X509Certificate2 Ca1 { get; }
    public X509Certificate2 Ca2 { get; }
    public X509Certificate2 Ca3 { get; }
    public X509Certificate2 Alice { get; }          // CA1, clientAuth
    public X509Certificate2 Bob { get; }            // CA2, clientAuth
    public X509Certificate2 Expired { get; }        // CA1, expired yesterday
    public X509Certificate2 NoClientAuth { get; }   // CA1, serverAuth only
    public X509Certificate2 Wildcard { get; }       // CA1, CN=*
    public X509Certificate2 Carol { get; }          // CA1, CN=carol, email SAN carol@example.com

    public string ServerP12 => Path("server.p12");
    public string ServerCertPem => Path("server.crt.pem");
    public string ServerKeyPem => Path("server.key.pem");
    public string Ca1Pem => Path("ca1.pem");
    public string Ca2Pem => Path("ca2.pem");
    /// <summary>CA3 + CA1 + CA2 concatenated.</summary>
    public string BundlePem => Path("bundle.pem");

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    private TestPki()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var now = DateTimeOffset.UtcNow;
        (Ca1, _ca1Key) = CreateCa("Kms Test CA 1");
        (Ca2, var ca2Key) = CreateCa("Kms Test CA 2");
        (Ca3, _) = CreateCa("Kms Test CA 3");

        var server = Issue(Ca1, _ca1Key, "CN=kms-server", serverAuth: true, clientAuth: false, now.AddDays(-1), now.AddDays(30), san: b =>
        {
            b.AddIpAddress(IPAddress.Loopback);
            b.AddDnsName("localhost");
        });
        File.WriteAllBytes(ServerP12, server.Export(X509ContentType.Pkcs12, Password));
        File.WriteAllText(ServerCertPem, server.ExportCertificatePem());
        File.WriteAllText(ServerKeyPem, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        Alice = Issue(Ca1, _ca1Key, "CN=alice, O=Kms Tests", false, true, now.AddDays(-1), now.AddDays(30));
        Bob = Issue(Ca2, ca2Key, "CN=bob", false, true, now.AddDays(-1), now.AddDays(30));
        Expired = Issue(Ca1, _ca1Key, "CN=expired", false, true, now.AddDays(-30), now.AddDays(-1));
        NoClientAuth = Issue(Ca1, _ca1Key, "CN=noclientauth", true, false, now.AddDays(-1), now.AddDays(30));
        Wildcard = Issue(Ca1, _ca1Key, "CN=*", false, true, now.AddDays(-1), now.AddDays(30));
        Carol = Issue(Ca1, _ca1Key, "CN=carol", false, true, now.AddDays(-1), now.AddDays(30), san: b => b.AddEmailAddress("carol@example.com"));

        File.WriteAllText(Ca1Pem, Ca1.ExportCertificatePem());
        File.WriteAllText(Ca2Pem, Ca2.ExportCertificatePem());
        File.WriteAllText(BundlePem, Ca3.ExportCertificatePem() + "\n" + Ca1.ExportCertificatePem() + "\n" + Ca2.ExportCertificatePem() + "\n");
    }

    /// <summary>A CA1 client certificate (clientAuth, valid for 30 days) whose CN is the KMIP user name.</summary>
    public X509Certificate2 Client(string commonName)
    {
        var now = DateTimeOffset.UtcNow;
        return Issue(Ca1, _ca1Key, "CN=" + commonName, serverAuth: false, clientAuth: true, now.AddDays(-1), now.AddDays(30));
    }

    /// <summary>Writes a <see cref="Client"/> certificate and its key as PEM files; returns (certificate path, key path).</summary>
    public (string Certificate, string Key) ClientPem(string commonName)
    {
        var cert = Client(commonName);
        string certPath = Path(commonName + ".crt.pem"), keyPath = Path(commonName + ".key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private static (X509Certificate2, ECDsa) CreateCa(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (req.CreateSelfSigned(now.AddDays(-60), now.AddYears(1)), key);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, bool serverAuth, bool clientAuth,
        DateTimeOffset notBefore, DateTimeOffset notAfter, Action<SubjectAlternativeNameBuilder>? san = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var eku = new OidCollection();
        if (serverAuth) eku.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        if (clientAuth) eku.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(eku, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null)
        {
            var b = new SubjectAlternativeNameBuilder();
            san(b);
            req.CertificateExtensions.Add(b.Build());
        }
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var cert = req.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, notAfter, serial);
        // Round trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12, Password), Password);
    }

    public void Dispose()
    {
        _ca1Key.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
