using Kms.Ttlv;

namespace Kms.Server.Configuration;

/// <summary>
/// The whole server configuration after every source has been merged (see <see cref="ConfigLoader"/>).
/// Names follow the Cosmian KMS documentation (docs/tls.md wins over older pages).
/// </summary>
public sealed class ServerOptions
{
    /// <summary>The user everyone acts as when no authentication is configured (and with <see cref="ForceDefaultUsername"/>).</summary>
    public string DefaultUsername { get; set; } = "admin";

    /// <summary>Authenticate callers, then act as <see cref="DefaultUsername"/> anyway.</summary>
    public bool ForceDefaultUsername { get; set; }

    /// <summary>Users allowed to create objects; empty means everyone.</summary>
    public List<string> PrivilegedUsers { get; set; } = [];

    /// <summary>Allow 3DES in the engine's algorithm policy (issue 4: the default forbids it).</summary>
    public bool AllowTripleDes { get; set; }

    /// <summary>Register unwraps wrapped keys whose wrapping key is in the KMS (EngineOptions.UnwrapOnRegister).</summary>
    public bool UnwrapOnRegister { get; set; }

    public TlsOptions Tls { get; } = new();
    public HttpOptions Http { get; } = new();
    public SocketServerOptions SocketServer { get; } = new();
    public DbOptions Db { get; } = new();
    public IdpAuthOptions IdpAuth { get; } = new();
    public ServerLimits Limits { get; } = new();
    public LoggingOptions Logging { get; } = new();
}

/// <summary>The <c>[tls]</c> section: server identity, client CA bundle and cipher suites.</summary>
public sealed class TlsOptions
{
    /// <summary>PKCS#12 file with the server key and certificate chain.</summary>
    public string? TlsP12File { get; set; }
    public string? TlsP12Password { get; set; }
    /// <summary>PEM certificate (chain) file, the alternative to PKCS#12 (with <see cref="TlsKeyFile"/>).</summary>
    public string? TlsCertFile { get; set; }
    public string? TlsKeyFile { get; set; }
    /// <summary>PEM bundle of the CAs that sign client certificates (several CAs may be concatenated).</summary>
    public string? ClientsCaCertFile { get; set; }
    /// <summary>Colon-separated TLS 1.3 / TLS 1.2 suite names; null = the platform defaults.</summary>
    public string? TlsCipherSuites { get; set; }
    /// <summary>How a client certificate names its user: <c>cn</c> (subject common name) or <c>email</c> (email SAN).</summary>
    public string ClientIdentity { get; set; } = "cn";

    /// <summary>True when a server identity is configured.</summary>
    public bool Enabled => TlsP12File is not null || TlsCertFile is not null;
}

/// <summary>The <c>[http]</c> section.</summary>
public sealed class HttpOptions
{
    public int Port { get; set; } = 9998;
    public string Hostname { get; set; } = "0.0.0.0";
}

/// <summary>The <c>[socket_server]</c> section: the KMIP binary listener (IANA port 5696).</summary>
public sealed class SocketServerOptions
{
    /// <summary>null = start when TLS and a client CA bundle are configured; true = required; false = off.</summary>
    public bool? Start { get; set; }
    public int Port { get; set; } = 5696;
    public string Hostname { get; set; } = "0.0.0.0";
    /// <summary>Benchmark mode: answer each framed message with a canned response (no engine); see <see cref="EchoResponseSize"/>.</summary>
    public bool Echo { get; set; }
    /// <summary>Bytes of every echo answer (a multiple of 8, at least 8); 0 = the size of the request.</summary>
    public int EchoResponseSize { get; set; }
}

/// <summary>The <c>[db]</c> section: the embedded store.</summary>
public sealed class DbOptions
{
    public string DataDirectory { get; set; } = "./kms-data";
    public bool ClearDatabase { get; set; }
    /// <summary>File holding the master key that wraps stored keys; null = the engine's default.</summary>
    public string? MasterKeyFile { get; set; }
}

/// <summary>The <c>[idp_auth]</c> section: JWT bearer providers for HTTP.</summary>
public sealed class IdpAuthOptions
{
    /// <summary>Each entry is <c>issuer,jwks_uri[,audience]</c>; jwks_uri empty = <c>issuer/.well-known/jwks.json</c>.</summary>
    public List<string> JwtAuthProvider { get; set; } = [];
}

/// <summary>Every limit of the server, with defaults, in one place (<c>[limits]</c>).</summary>
public sealed class ServerLimits
{
    /// <summary>Largest KMIP message (binary TTLV, header included) on the socket and HTTP.</summary>
    public int MaxMessageSize { get; set; } = 1 << 20;
    /// <summary>Largest HTTP request body (JSON and XML are larger than TTLV).</summary>
    public int MaxBodySize { get; set; } = 4 << 20;
    /// <summary>Seconds a TLS handshake may take on the socket.</summary>
    public int HandshakeTimeoutSeconds { get; set; } = 10;
    /// <summary>Seconds a socket connection may stay silent between messages.</summary>
    public int IdleTimeoutSeconds { get; set; } = 300;
    /// <summary>Largest number of simultaneous connections to the server, both listeners together (Kestrel refuses more before TLS).</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>The codec limits derived from these.</summary>
    public TtlvLimits Ttlv => TtlvLimits.Default with { MaxMessageSize = MaxMessageSize, MaxTextSize = MaxBodySize };
}

/// <summary>The <c>[logging]</c> section.</summary>
public sealed class LoggingOptions
{
    /// <summary>JSON-lines audit file (one line per operation); null = no audit file.</summary>
    public string? AuditFile { get; set; }
    /// <summary>Minimum log level: Trace, Debug, Information, Warning, Error, Critical.</summary>
    public string Level { get; set; } = "Information";
}
