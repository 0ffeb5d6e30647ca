using System.Globalization;

namespace Kms.Server.Configuration;

/// <summary>How an option's text is interpreted.</summary>
public enum OptionKind : byte { Text, Integer, Boolean, List }

/// <summary>
/// One configuration option, known under one name in each source: a TOML key (<c>section.key</c>),
/// a command-line flag and an environment variable (<c>KMS_</c> + the flag in upper snake case).
/// </summary>
public sealed class OptionSpec
{
    internal OptionSpec(string tomlKey, string flag, OptionKind kind, string? defaultText, string description, Action<ServerOptions, OptionValue> apply)
    {
        TomlKey = tomlKey;
        Flag = flag;
        Kind = kind;
        DefaultText = defaultText;
        Description = description;
        Apply = apply;
        EnvironmentVariable = "KMS_" + flag.TrimStart('-').Replace('-', '_').ToUpperInvariant();
    }

    /// <summary>The key in the TOML file, with its table: <c>tls.tls_p12_file</c>; no dot = top level.</summary>
    public string TomlKey { get; }
    /// <summary>The long flag, e.g. <c>--tls-p12-file</c>.</summary>
    public string Flag { get; }
    public string EnvironmentVariable { get; }
    public OptionKind Kind { get; }
    /// <summary>The default as shown by --help and the template; null = unset.</summary>
    public string? DefaultText { get; }
    public string Description { get; }
    internal Action<ServerOptions, OptionValue> Apply { get; }
}

/// <summary>A value from one source, with where it came from (for error messages).</summary>
public readonly record struct OptionValue(string? Text, IReadOnlyList<string>? Items, string Origin)
{
    internal string RequireText(OptionSpec spec) => Text ?? throw new ConfigException($"{Origin}: '{spec.TomlKey}' expects a single value");

    internal int Int(OptionSpec spec, int min, int max)
    {
        string text = RequireText(spec);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new ConfigException($"{Origin}: '{spec.TomlKey}' must be an integer in {min}..{max}, got '{text}'");
        return v;
    }

    internal bool Bool(OptionSpec spec)
    {
        string text = RequireText(spec);
        return text.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ConfigException($"{Origin}: '{spec.TomlKey}' must be true or false, got '{text}'"),
        };
    }

    internal List<string> List() => Items is not null ? [.. Items] : Text is null ? [] : [.. Text.Split([';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)];

    internal string? NullableText(OptionSpec spec) { string t = RequireText(spec); return t.Length == 0 ? null : t; }
}

/// <summary>The single list of every option. TOML keys, flags, variables, help and the template come from it.</summary>
public static class OptionTable
{
    /// <summary>All options, in help order.</summary>
    public static IReadOnlyList<OptionSpec> All { get; } =
    [
        new("default_username", "--default-username", OptionKind.Text, "admin",
            "The user everyone acts as when no authentication method is configured.",
            (o, v) => o.DefaultUsername = v.RequireText(Spec("default_username"))),
        new("force_default_username", "--force-default-username", OptionKind.Boolean, "false",
            "Authenticate callers, then always act as the default user.",
            (o, v) => o.ForceDefaultUsername = v.Bool(Spec("force_default_username"))),
        new("privileged_users", "--privileged-users", OptionKind.List, null,
            "Users allowed to create objects (default: everyone).",
            (o, v) => o.PrivilegedUsers = v.List()),
        new("allow_3des", "--allow-3des", OptionKind.Boolean, "false",
            "Allow 3DES keys and ciphers (the default algorithm policy forbids them).",
            (o, v) => o.AllowTripleDes = v.Bool(Spec("allow_3des"))),
        new("unwrap_on_register", "--unwrap-on-register", OptionKind.Boolean, "false",
            "Unwrap a registered wrapped key when its wrapping key is in the KMS and usable by the caller (else it is stored as received).",
            (o, v) => o.UnwrapOnRegister = v.Bool(Spec("unwrap_on_register"))),

        new("tls.tls_p12_file", "--tls-p12-file", OptionKind.Text, null,
            "PKCS#12 file with the server key and certificate chain. If provided, the server runs HTTPS.",
            (o, v) => o.Tls.TlsP12File = v.NullableText(Spec("tls.tls_p12_file"))),
        new("tls.tls_p12_password", "--tls-p12-password", OptionKind.Text, null,
            "The password of the PKCS#12 file.",
            (o, v) => o.Tls.TlsP12Password = v.RequireText(Spec("tls.tls_p12_password"))),
        new("tls.tls_cert_file", "--tls-cert-file", OptionKind.Text, null,
            "PEM server certificate (chain), the alternative to PKCS#12; needs --tls-key-file.",
            (o, v) => o.Tls.TlsCertFile = v.NullableText(Spec("tls.tls_cert_file"))),
        new("tls.tls_key_file", "--tls-key-file", OptionKind.Text, null,
            "PEM private key of --tls-cert-file.",
            (o, v) => o.Tls.TlsKeyFile = v.NullableText(Spec("tls.tls_key_file"))),
        new("tls.clients_ca_cert_file", "--clients-ca-cert-file", OptionKind.Text, null,
            "PEM file of the CA(s) that sign client certificates (several may be concatenated). Enables client certificate authentication and the KMIP socket.",
            (o, v) => o.Tls.ClientsCaCertFile = v.NullableText(Spec("tls.clients_ca_cert_file"))),
        new("tls.tls_cipher_suites", "--tls-cipher-suites", OptionKind.Text, null,
            "Colon-separated TLS 1.3 and TLS 1.2 cipher suites (IANA names). Only 1.3 suites = TLS 1.3 minimum.",
            (o, v) => o.Tls.TlsCipherSuites = v.NullableText(Spec("tls.tls_cipher_suites"))),
        new("tls.client_identity", "--client-identity", OptionKind.Text, "cn",
            "Which client certificate field names the user: cn (subject common name) or email (email SAN).",
            (o, v) => o.Tls.ClientIdentity = OneOf(v, Spec("tls.client_identity"), "cn", "email")),

        new("http.port", "--port", OptionKind.Integer, "9998",
            "The HTTP(S) port.",
            (o, v) => o.Http.Port = v.Int(Spec("http.port"), 0, 65535)),
        new("http.hostname", "--hostname", OptionKind.Text, "0.0.0.0",
            "The HTTP(S) bind address (loopback is forced when no authentication is configured).",
            (o, v) => o.Http.Hostname = v.RequireText(Spec("http.hostname"))),

        new("socket_server.start", "--socket-server-start", OptionKind.Boolean, null,
            "Start the KMIP socket: unset = when TLS and a client CA are configured; true = required (start-up error without them); false = never.",
            (o, v) => o.SocketServer.Start = v.Bool(Spec("socket_server.start"))),
        new("socket_server.port", "--socket-server-port", OptionKind.Integer, "5696",
            "The KMIP socket port.",
            (o, v) => o.SocketServer.Port = v.Int(Spec("socket_server.port"), 0, 65535)),
        new("socket_server.hostname", "--socket-server-hostname", OptionKind.Text, "0.0.0.0",
            "The KMIP socket bind address.",
            (o, v) => o.SocketServer.Hostname = v.RequireText(Spec("socket_server.hostname"))),
        new("socket_server.echo", "--socket-echo", OptionKind.Boolean, "false",
            "Benchmark mode: the socket answers every framed message with a canned response (of the request's size, or --socket-echo-response-size), without the engine.",
            (o, v) => o.SocketServer.Echo = v.Bool(Spec("socket_server.echo"))),
        new("socket_server.echo_response_size", "--socket-echo-response-size", OptionKind.Integer, "0",
            "Echo mode: bytes of every answer (a multiple of 8, at least 8; e.g. the size of the real responses being compared); 0 = the size of the request.",
            (o, v) => o.SocketServer.EchoResponseSize = EchoResponseSize(v)),

        new("db.data_directory", "--data-directory", OptionKind.Text, "./kms-data",
            "Directory of the embedded store.",
            (o, v) => o.Db.DataDirectory = v.RequireText(Spec("db.data_directory"))),
        new("db.clear_database", "--clear-database", OptionKind.Boolean, "false",
            "Delete ALL stored objects on start.",
            (o, v) => o.Db.ClearDatabase = v.Bool(Spec("db.clear_database"))),
        new("db.master_key_file", "--master-key-file", OptionKind.Text, null,
            "File holding the master key that wraps stored keys (default: chosen by the engine).",
            (o, v) => o.Db.MasterKeyFile = v.NullableText(Spec("db.master_key_file"))),

        new("idp_auth.jwt_auth_provider", "--jwt-auth-provider", OptionKind.List, null,
            "A JWT provider as 'issuer,jwks_uri[,audience]' (repeat for several; jwks_uri empty = issuer/.well-known/jwks.json).",
            (o, v) => o.IdpAuth.JwtAuthProvider = v.List()),

        new("limits.max_message_size", "--max-message-size", OptionKind.Integer, "1048576",
            "Largest KMIP message in bytes (binary TTLV, header included).",
            (o, v) => o.Limits.MaxMessageSize = v.Int(Spec("limits.max_message_size"), 16, 64 << 20)),
        new("limits.max_body_size", "--max-body-size", OptionKind.Integer, "4194304",
            "Largest HTTP request body in bytes.",
            (o, v) => o.Limits.MaxBodySize = v.Int(Spec("limits.max_body_size"), 16, 256 << 20)),
        new("limits.handshake_timeout", "--handshake-timeout", OptionKind.Integer, "10",
            "Seconds a TLS handshake may take.",
            (o, v) => o.Limits.HandshakeTimeoutSeconds = v.Int(Spec("limits.handshake_timeout"), 1, 3600)),
        new("limits.idle_timeout", "--idle-timeout", OptionKind.Integer, "300",
            "Seconds a KMIP socket connection may stay silent.",
            (o, v) => o.Limits.IdleTimeoutSeconds = v.Int(Spec("limits.idle_timeout"), 1, 86400)),
        new("limits.max_connections", "--max-connections", OptionKind.Integer, "1000",
            "Largest number of simultaneous connections to the server (both listeners together).",
            (o, v) => o.Limits.MaxConnections = v.Int(Spec("limits.max_connections"), 1, 1_000_000)),

        new("logging.audit_file", "--audit-file", OptionKind.Text, null,
            "JSON-lines audit file, one line per operation (never key material).",
            (o, v) => o.Logging.AuditFile = v.NullableText(Spec("logging.audit_file"))),
        new("logging.level", "--log-level", OptionKind.Text, "Information",
            "Minimum log level: Trace, Debug, Information, Warning, Error, Critical.",
            (o, v) => o.Logging.Level = OneOf(v, Spec("logging.level"), "Trace", "Debug", "Information", "Warning", "Error", "Critical")),
    ];

    private static readonly Dictionary<string, OptionSpec> s_byKey = All.ToDictionary(s => s.TomlKey, StringComparer.Ordinal);
    private static readonly Dictionary<string, OptionSpec> s_byEnv = All.ToDictionary(s => s.EnvironmentVariable, StringComparer.Ordinal);

    /// <summary>The option with this TOML key, or null.</summary>
    public static OptionSpec? ByTomlKey(string key) => s_byKey.GetValueOrDefault(key);

    /// <summary>The option with this environment variable, or null.</summary>
    public static OptionSpec? ByEnvironmentVariable(string name) => s_byEnv.GetValueOrDefault(name);

    private static OptionSpec Spec(string key) => s_byKey[key];

    // A whole TTLV message (KMIP 2.1 §9.1): an 8-byte header and a value padded to 8.
    private static int EchoResponseSize(OptionValue v)
    {
        var spec = Spec("socket_server.echo_response_size");
        int size = v.Int(spec, 0, 64 << 20);
        if (size % 8 != 0) throw new ConfigException($"{v.Origin}: '{spec.TomlKey}' must be 0 or a multiple of 8, got '{size}'");
        return size;
    }

    private static string OneOf(OptionValue v, OptionSpec spec, params string[] allowed)
    {
        string text = v.RequireText(spec);
        foreach (string a in allowed)
            if (string.Equals(a, text, StringComparison.OrdinalIgnoreCase)) return a;
        throw new ConfigException($"{v.Origin}: '{spec.TomlKey}' must be one of {string.Join(", ", allowed)}, got '{text}'");
    }
}

/// <summary>A configuration error: the server does not start; the message names the source and the key.</summary>
public sealed class ConfigException(string message) : Exception(message);
