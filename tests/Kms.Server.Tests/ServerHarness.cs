using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kms.Client;
using Kms.Server.Configuration;
using Microsoft.Extensions.Logging;

namespace Kms.Server.Tests;

/// <summary>Starts a real <see cref="KmsServer"/> on 127.0.0.1 with ephemeral ports and a temp data folder; captures its log.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private ServerHarness(KmsServer server, ServerOptions options, string dataDirectory, LogCollector log)
    {
        Server = server;
        Options = options;
        DataDirectory = dataDirectory;
        Log = log;
    }

    public KmsServer Server { get; }
    public ServerOptions Options { get; }
    public string DataDirectory { get; }
    public LogCollector Log { get; }
    public int SocketPort => Server.SocketEndPoint!.Port;
    public int HttpPort => Server.HttpEndPoint.Port;
    public static TestPki Pki => TestPki.Shared;

    /// <summary>Options with TLS and CA1 as client CA (socket on), ports 0, loopback.</summary>
    public static ServerOptions MutualTlsOptions(string? caFile = null)
    {
        var o = BaseOptions();
        o.Tls.TlsP12File = Pki.ServerP12;
        o.Tls.TlsP12Password = TestPki.Password;
        o.Tls.ClientsCaCertFile = caFile ?? Pki.Ca1Pem;
        return o;
    }

    public static ServerOptions BaseOptions()
    {
        var o = new ServerOptions();
        o.Http.Port = 0;
        o.Http.Hostname = "127.0.0.1";
        o.SocketServer.Port = 0;
        o.SocketServer.Hostname = "127.0.0.1";
        o.Db.DataDirectory = Path.Combine(Path.GetTempPath(), "kms-data-" + Guid.NewGuid().ToString("N")[..8]);
        return o;
    }

    public static async Task<ServerHarness> StartAsync(ServerOptions options)
    {
        var log = new LogCollector();
        var server = KmsServer.Create(options, b => b.AddProvider(log));
        await server.StartAsync();
        return new ServerHarness(server, options, options.Db.DataDirectory, log);
    }

    public KmipClientOptions ClientOptions(X509Certificate2? certificate) => new()
    {
        ClientCertificate = certificate,
        TrustedCertificates = [Pki.Ca1],
        TargetHost = "localhost",
    };

    public Task<KmipClient> ConnectAsync(X509Certificate2? certificate, Action<KmipClientOptions>? configure = null)
    {
        var o = ClientOptions(certificate);
        configure?.Invoke(o);
        return KmipClient.ConnectAsync("127.0.0.1", SocketPort, o);
    }

    /// <summary>
    /// True when the server refuses this client: the handshake fails, or it succeeds and the first
    /// exchange ends in EOF/reset (the server closes without an alert when it rejects a certificate).
    /// </summary>
    public async Task<bool> IsRefusedAsync(X509Certificate2? certificate, Action<KmipClientOptions>? configure = null)
    {
        KmipClient client;
        try
        {
            client = await ConnectAsync(certificate, configure);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or SocketException)
        {
            return true;
        }
        await using (client)
        {
            try
            {
                byte[] response = await client.SendRawAsync(Messages.Padded(64)).WaitAsync(TimeSpan.FromSeconds(20));
                return response.Length == 0;
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or SocketException)
            {
                return true;
            }
        }
    }

    /// <summary>An HTTP client for this server: HTTPS trusting CA1 only, with an optional client certificate.</summary>
    public HttpClient Http(X509Certificate2? certificate = null, string? bearer = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false };
        if (certificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(certificate);
        }
        handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Pki.Ca1);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(cert);
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri($"{(Server.HttpsEnabled ? "https" : "http")}://localhost:{HttpPort}") };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Captures log messages of a server under test.</summary>
public sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();
    public ILogger CreateLogger(string categoryName) => new Logger(this);
    public void Dispose() { }
    public bool Contains(string text) => Messages.Any(m => m.Contains(text, StringComparison.Ordinal));

    private sealed class Logger(LogCollector owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Messages.Enqueue(logLevel + ": " + formatter(state, exception));
    }
}
