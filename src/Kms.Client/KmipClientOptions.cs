using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Kms.Ttlv;

namespace Kms.Client;

/// <summary>How a <see cref="KmipClient"/> connects: its certificate, the CA it trusts, and its limits.</summary>
public sealed class KmipClientOptions
{
    /// <summary>The client certificate with its private key (mutual TLS); null sends none.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>The only trust anchors for the server certificate (the system store is never used).</summary>
    public X509Certificate2Collection TrustedCertificates { get; set; } = [];

    /// <summary>The name checked against the server certificate (SNI and SAN); default: the host connected to.</summary>
    public string? TargetHost { get; set; }

    /// <summary>TLS versions offered.</summary>
    public SslProtocols Protocols { get; set; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Cipher suites offered; null = platform defaults.</summary>
    public CipherSuitesPolicy? CipherSuites { get; set; }

    /// <summary>Bounds on responses (size) read from the server.</summary>
    public TtlvLimits Limits { get; set; } = TtlvLimits.Default with { MaxMessageSize = 16 << 20 };

    /// <summary>Protocol version written by the typed helpers.</summary>
    public KmipVersion Version { get; set; } = KmipVersion.V2_1;

    /// <summary>Loads a PKCS#12 client identity.</summary>
    public static X509Certificate2 LoadPkcs12(string path, string? password) => X509CertificateLoader.LoadPkcs12FromFile(path, password);
}
