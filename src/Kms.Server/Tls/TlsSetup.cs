using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kms.Server.Configuration;

namespace Kms.Server.Tls;

/// <summary>
/// The TLS material of the server, loaded once at start-up: identity, client CA bundle, cipher suites and
/// the protocol range. TLS 1.0 and 1.1 are never enabled.
/// </summary>
public sealed class TlsSetup
{
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private TlsSetup(X509Certificate2 serverCertificate, X509Certificate2Collection? clientRoots, CipherSuitesPolicy? policy, SslProtocols protocols)
    {
        ServerCertificate = serverCertificate;
        ClientRoots = clientRoots;
        CipherSuitesPolicy = policy;
        Protocols = protocols;
    }

    /// <summary>The server's certificate with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }
    /// <summary>The client CA bundle (trust anchors for client certificates), or null when not configured.</summary>
    public X509Certificate2Collection? ClientRoots { get; }
    /// <summary>The configured suites, or null for the platform defaults.</summary>
    public CipherSuitesPolicy? CipherSuitesPolicy { get; }
    /// <summary>TLS 1.2 and 1.3, or 1.3 only when only 1.3 suites are configured.</summary>
    public SslProtocols Protocols { get; }

    /// <summary>Loads the configured TLS material, or returns null when TLS is not configured.</summary>
    public static TlsSetup? Load(TlsOptions options)
    {
        if (!options.Enabled)
        {
            if (options.ClientsCaCertFile is not null)
                throw new ConfigException("tls.clients_ca_cert_file needs TLS: set tls.tls_p12_file (or tls.tls_cert_file and tls.tls_key_file)");
            return null;
        }
        X509Certificate2 certificate = LoadServerCertificate(options);
        X509Certificate2Collection? roots = null;
        if (options.ClientsCaCertFile is { } caFile)
        {
            if (!File.Exists(caFile)) throw new ConfigException($"tls.clients_ca_cert_file not found: {caFile}");
            roots = [];
            try { roots.ImportFromPemFile(caFile); }
            catch (CryptographicException e) { throw new ConfigException($"tls.clients_ca_cert_file {caFile}: not a PEM certificate bundle ({e.Message})"); }
            if (roots.Count == 0) throw new ConfigException($"tls.clients_ca_cert_file {caFile}: no certificate found");
        }
        var (policy, protocols) = ParseCipherSuites(options.TlsCipherSuites);
        return new TlsSetup(certificate, roots, policy, protocols);
    }

    private static X509Certificate2 LoadServerCertificate(TlsOptions options)
    {
        if (options.TlsP12File is { } p12)
        {
            if (options.TlsCertFile is not null) throw new ConfigException("set either tls.tls_p12_file or tls.tls_cert_file, not both");
            if (!File.Exists(p12)) throw new ConfigException($"tls.tls_p12_file not found: {p12}");
            try
            {
                var cert = X509CertificateLoader.LoadPkcs12FromFile(p12, options.TlsP12Password ?? "");
                return cert.HasPrivateKey ? cert : throw new ConfigException($"tls.tls_p12_file {p12}: no private key");
            }
            catch (CryptographicException) { throw new ConfigException($"tls.tls_p12_file {p12}: cannot open (wrong password or not PKCS#12)"); }
        }
        string certFile = options.TlsCertFile!;
        string keyFile = options.TlsKeyFile ?? throw new ConfigException("tls.tls_cert_file needs tls.tls_key_file");
        if (!File.Exists(certFile)) throw new ConfigException($"tls.tls_cert_file not found: {certFile}");
        if (!File.Exists(keyFile)) throw new ConfigException($"tls.tls_key_file not found: {keyFile}");
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // An ephemeral PEM key cannot serve TLS on every platform; a PKCS#12 round trip makes it persistable.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException) { throw new ConfigException($"tls.tls_cert_file/tls.tls_key_file: cannot load {certFile} with {keyFile}"); }
    }

    /// <summary>
    /// Splits a colon-separated list into TLS 1.3 and 1.2 suites. Names are IANA names
    /// (<see cref="TlsCipherSuite"/>), as in docs/tls.md. An unknown name, or a suite that is neither
    /// 1.3 nor an ECDHE/DHE/RSA 1.2 AEAD or CBC-SHA2 suite, is a configuration error naming it.
    /// </summary>
    public static (CipherSuitesPolicy? Policy, SslProtocols Protocols) ParseCipherSuites(string? list)
    {
        if (string.IsNullOrWhiteSpace(list)) return (null, SslProtocols.Tls12 | SslProtocols.Tls13);
        var suites = new List<TlsCipherSuite>();
        bool any12 = false;
        foreach (string raw in list.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse(raw, ignoreCase: false, out TlsCipherSuite suite) || !raw.StartsWith("TLS_", StringComparison.Ordinal))
                throw new ConfigException($"tls.tls_cipher_suites: unknown cipher suite '{raw}' (use IANA names such as TLS_AES_256_GCM_SHA384 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)");
            if (IsTls13(suite)) { suites.Add(suite); continue; }
            if (!raw.Contains("_WITH_", StringComparison.Ordinal) || raw.Contains("NULL", StringComparison.Ordinal) || raw.Contains("EXPORT", StringComparison.Ordinal)
                || raw.Contains("RC4", StringComparison.Ordinal) || raw.Contains("_DES_", StringComparison.Ordinal) || raw.Contains("anon", StringComparison.Ordinal))
                throw new ConfigException($"tls.tls_cipher_suites: cipher suite '{raw}' is not allowed (not a TLS 1.2/1.3 suite)");
            suites.Add(suite);
            any12 = true;
        }
        if (suites.Count == 0) throw new ConfigException("tls.tls_cipher_suites: empty list");
        return (new CipherSuitesPolicy(suites), any12 ? SslProtocols.Tls12 | SslProtocols.Tls13 : SslProtocols.Tls13);
    }

    private static bool IsTls13(TlsCipherSuite suite) => suite is TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384
        or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 or TlsCipherSuite.TLS_AES_128_CCM_SHA256 or TlsCipherSuite.TLS_AES_128_CCM_8_SHA256;

    /// <summary>
    /// Validates a client certificate against the configured bundle only (never the system store):
    /// custom root trust, no revocation check, clientAuth extended key usage required, validity dates checked.
    /// </summary>
    public bool ValidateClientCertificate(X509Certificate2 certificate)
    {
        if (ClientRoots is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ClientRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(s_clientAuth);
        bool ok = chain.Build(certificate);
        return ok;
    }
}
