using System.Net;
using System.Reflection;
using System.Security.Authentication;
using Kms.Engine;
using Kms.Server.Audit;
using Kms.Server.Auth;
using Kms.Server.Configuration;
using Kms.Server.Http;
using Kms.Server.Logging;
using Kms.Server.Socket;
using Kms.Server.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kms.Server;

/// <summary>
/// The composition root: Kestrel with the KMIP socket (mutual TLS, <see cref="KmipConnectionHandler"/>) and the
/// HTTP listener (<see cref="KmsEndpoints"/>), both over the same engine. Used by Program and by the tests.
/// </summary>
public sealed class KmsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions _httpListen;
    private readonly ListenOptions? _socketListen;
    private readonly List<IDisposable> _owned;
    private bool _disposed;

    private KmsServer(WebApplication app, ListenOptions httpListen, ListenOptions? socketListen, List<IDisposable> owned, bool https)
    {
        _app = app;
        _httpListen = httpListen;
        _socketListen = socketListen;
        _owned = owned;
        HttpsEnabled = https;
    }

    /// <summary>The server version reported by GET /version.</summary>
    public static string Version { get; } = typeof(KmsServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Environment variable that may hold the store's master key (hex or base64), when no key file is set.</summary>
    public const string MasterKeyVariable = "KMS_MASTER_KEY";

    /// <summary>True when HTTP is served over TLS.</summary>
    public bool HttpsEnabled { get; }

    /// <summary>The bound HTTP endpoint (the real port when 0 was configured), after <see cref="StartAsync"/>.</summary>
    public IPEndPoint HttpEndPoint => _httpListen.IPEndPoint!;

    /// <summary>The bound KMIP socket endpoint, or null when the socket is off.</summary>
    public IPEndPoint? SocketEndPoint => _socketListen?.IPEndPoint;

    /// <summary>The host's services (tests read the logger factory or the engine from here).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Validates the configuration and builds the host; nothing is bound yet.
    /// Throws <see cref="ConfigException"/> for any configuration error.
    /// </summary>
    public static KmsServer Create(ServerOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        options.Limits.Ttlv.Validate();
        var tls = TlsSetup.Load(options.Tls);
        var owned = new List<IDisposable>();

        string? socketOffReason = null;
        bool socketOn = false;
        if (options.SocketServer.Start == false) socketOffReason = "socket_server.start = false";
        else if (tls is null) socketOffReason = "TLS is not configured (tls.tls_p12_file or tls.tls_cert_file)";
        else if (tls.ClientRoots is null) socketOffReason = "no client CA bundle (tls.clients_ca_cert_file): the socket requires client certificates";
        else socketOn = true;
        if (options.SocketServer.Start == true && !socketOn)
            throw new ConfigException("socket_server.start = true, but the KMIP socket cannot start: " + socketOffReason);

        var identities = new IdentityResolver(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        var level = Enum.Parse<LogLevel>(options.Logging.Level);
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft.AspNetCore", level < LogLevel.Information ? level : LogLevel.Warning);   // no per-request lines by default
        if (configureLogging is null) builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        else configureLogging(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(identities);
        JwtAuthenticator.Validate(options.IdpAuth);
        builder.Services.AddSingleton(sp => new JwtAuthenticator(options.IdpAuth, sp.GetRequiredService<ILogger<JwtAuthenticator>>()));
        builder.Services.AddSingleton<HttpAuthentication>();

        bool authConfigured = identities.AuthenticationConfigured;
        IPAddress httpAddress = ParseAddress(options.Http.Hostname, "http.hostname");
        bool forcedLoopback = !authConfigured && !IPAddress.IsLoopback(httpAddress);
        if (forcedLoopback) httpAddress = httpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        IPAddress socketAddress = ParseAddress(options.SocketServer.Hostname, "socket_server.hostname");

        ListenOptions? httpListen = null, socketListen = null;
        var limits = options.Limits;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxConcurrentConnections = limits.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = limits.MaxConnections;
            k.Limits.MaxRequestBodySize = limits.MaxBodySize;
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(Math.Min(limits.IdleTimeoutSeconds, 130));
            k.Listen(httpAddress, options.Http.Port, lo =>
            {
                httpListen = lo;
                lo.Protocols = tls is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;   // HTTP/2 needs TLS (ALPN)
                if (tls is not null)
                    lo.UseHttps(HttpsOptions(tls, limits, tls.ClientRoots is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.AllowCertificate));
            });
            if (socketOn)
            {
                k.Listen(socketAddress, options.SocketServer.Port, lo =>
                {
                    socketListen = lo;
                    lo.UseHttps(HttpsOptions(tls!, limits, ClientCertificateMode.RequireCertificate));
                    lo.UseConnectionHandler<KmipConnectionHandler>();   // terminal: HTTP never runs on this port
                });
            }
        });

        // The audit file and the engine open last, so that a configuration error above leaves nothing open.
        IAuditSink? audit = null;
        if (options.Logging.AuditFile is { } auditFile)
        {
            var sink = new JsonLinesAuditSink(auditFile);
            owned.Add(sink);
            audit = sink;
        }
        var storeWarnings = new List<string>();
        KmsEngine engine;
        try
        {
            engine = KmsEngine.Open(new EngineOptions
            {
                DataDirectory = Path.GetFullPath(options.Db.DataDirectory),
                ClearOnStart = options.Db.ClearDatabase,
                MasterKeyFile = options.Db.MasterKeyFile,
                MasterKeyEnvironmentVariable = Environment.GetEnvironmentVariable(MasterKeyVariable) is null ? null : MasterKeyVariable,
                PrivilegedUsers = options.PrivilegedUsers.Count == 0 ? null : options.PrivilegedUsers,
                Limits = options.Limits.Ttlv,
                Policy = new Kms.Engine.Crypto.AlgorithmPolicy(Kms.Engine.Crypto.AlgorithmPolicyMode.Default, allowTripleDes: options.AllowTripleDes),
                UnwrapOnRegister = options.UnwrapOnRegister,
                Audit = audit,
                Warn = storeWarnings.Add,     // the engine's default store: FASTER in DataDirectory
            });
        }
        catch (InvalidOperationException e)
        {
            foreach (var d in owned) d.Dispose();
            throw new ConfigException("cannot open the store in " + options.Db.DataDirectory + ": " + e.Message);
        }
        owned.Add(engine);      // disposed before the audit file: the store is flushed first
        var engineProcessor = new EngineProcessor(engine);
        builder.Services.AddSingleton(engineProcessor);
        builder.Services.AddSingleton<IKmipProcessor>(options.SocketServer.Echo ? new EchoProcessor(options.SocketServer.EchoResponseSize) : engineProcessor);
        builder.Services.AddSingleton(sp => new KmipHttpAdapter(engineProcessor, sp.GetRequiredService<HttpAuthentication>(), options));

        var app = builder.Build();
        KmsEndpoints.Map(app);

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Kms.Server");
        if (!socketOn) Log.SocketOff(logger, socketOffReason!);
        foreach (string warning in storeWarnings) Log.StoreWarning(logger, warning);
        if (forcedLoopback || !authConfigured) Log.NoAuthentication(logger, options.DefaultUsername);
        app.Lifetime.ApplicationStopping.Register(() => Log.ShuttingDown(logger));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Log.HttpListening(logger, tls is null ? "http" : "https", httpListen!.IPEndPoint!.ToString());
            if (socketListen is not null) Log.SocketListening(logger, socketListen.IPEndPoint!.ToString(), options.SocketServer.Echo ? ", echo mode" : "");
        });
        return new KmsServer(app, httpListen!, socketListen, owned, tls is not null);
    }

    private static HttpsConnectionAdapterOptions HttpsOptions(TlsSetup tls, ServerLimits limits, ClientCertificateMode mode) => new()
    {
        ServerCertificate = tls.ServerCertificate,
        SslProtocols = tls.Protocols,                  // never TLS 1.0/1.1
        ClientCertificateMode = mode,
        CheckCertificateRevocation = false,
        ClientCertificateValidation = (certificate, _, _) => tls.ValidateClientCertificate(certificate),
        HandshakeTimeout = TimeSpan.FromSeconds(limits.HandshakeTimeoutSeconds),
        OnAuthenticate = tls.CipherSuitesPolicy is null ? null : (_, ssl) => ssl.CipherSuitesPolicy = tls.CipherSuitesPolicy,
    };

    private static IPAddress ParseAddress(string hostname, string key)
    {
        if (hostname is "localhost") return IPAddress.Loopback;
        if (IPAddress.TryParse(hostname, out var address)) return address;
        try
        {
            return Dns.GetHostAddresses(hostname).FirstOrDefault() ?? throw new ConfigException($"{key}: '{hostname}' has no address");
        }
        catch (System.Net.Sockets.SocketException)
        {
            throw new ConfigException($"{key}: cannot resolve '{hostname}'");
        }
    }

    /// <summary>Binds the listeners and starts serving.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Runs until SIGINT/SIGTERM, then shuts down gracefully.</summary>
    public async Task RunAsync()
    {
        await _app.RunAsync();
        await DisposeAsync();
    }

    /// <summary>
    /// Graceful shutdown: stop accepting, let in-flight requests finish (socket connections close after the
    /// message being processed), then dispose the engine (which flushes the store) and the audit file.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try { await _app.StopAsync(); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        for (int i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }
}
