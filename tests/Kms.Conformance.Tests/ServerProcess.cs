using System.Diagnostics;
using System.Net.Http;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Kms.Client;

namespace Kms.Conformance.Tests;

/// <summary>
/// A real Kms server process started from the build output (<c>dotnet src/Kms.Server/bin/&lt;Config&gt;/net10.0/Kms.Server.dll</c>),
/// the way a user runs it: mutual-TLS KMIP socket and HTTPS on ephemeral 127.0.0.1 ports, a fresh data folder, the
/// test PKI of <see cref="TestPki"/>. The ports are read from its "listening" log lines.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _workDirectory;
    private readonly Queue<string> _lastLines = new();

    private ServerProcess(Process process, string workDirectory)
    {
        _process = process;
        _workDirectory = workDirectory;
    }

    public int SocketPort { get; private set; }
    public int HttpsPort { get; private set; }
    public static TestPki Pki => TestPki.Shared;

    /// <summary>The server's build output, in the configuration this test assembly was built with.</summary>
    public static string ServerDll
    {
        get
        {
            string config = typeof(ServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "Configuration").Value!;
            return RepoFiles.Path("src", "Kms.Server", "bin", config, "net10.0", "Kms.Server.dll");
        }
    }

    /// <summary>The last lines the server wrote (for failure messages).</summary>
    public string RecentOutput
    {
        get { lock (_lastLines) return string.Join('\n', _lastLines); }
    }

    public static async Task<ServerProcess> StartAsync()
    {
        string dll = ServerDll;
        if (!File.Exists(dll)) throw new FileNotFoundException("build src/Kms.Server first", dll);
        string work = Directory.CreateTempSubdirectory("kms-conf-").FullName;
        var start = new ProcessStartInfo("dotnet",
        [
            dll,
            "--hostname", "127.0.0.1", "--port", "0",
            // The OASIS SKFF cases create 3DES keys, which the default algorithm policy forbids.
            "--allow-3des", "true",
            "--socket-server-start", "true", "--socket-server-hostname", "127.0.0.1", "--socket-server-port", "0",
            "--tls-p12-file", Pki.ServerP12, "--tls-p12-password", TestPki.Password,
            "--clients-ca-cert-file", Pki.Ca1Pem,
            "--data-directory", Path.Combine(work, "data"),
        ])
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KMS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, work);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, ready);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != ready.Task)
        {
            string output = server.RecentOutput;
            await server.DisposeAsync();
            throw new InvalidOperationException((first == exited ? "the server exited at start" : "the server did not report its ports within 60 s") + ":\n" + output);
        }
        return server;
    }

    private void OnLine(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40) _lastLines.Dequeue();
            if (HttpListening().Match(line) is { Success: true } h) HttpsPort = int.Parse(h.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (SocketListening().Match(line) is { Success: true } s) SocketPort = int.Parse(s.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (HttpsPort != 0 && SocketPort != 0) ready.TrySetResult();
        }
    }

    /// <summary>Opens a mutual-TLS KMIP connection as the user <paramref name="commonName"/>.</summary>
    public Task<KmipClient> ConnectAsync(string commonName) => KmipClient.ConnectAsync("127.0.0.1", SocketPort, new KmipClientOptions
    {
        ClientCertificate = Pki.Client(commonName),
        TrustedCertificates = [Pki.Ca1],
        TargetHost = "localhost",
    });

    /// <summary>An HTTPS client for the server's HTTP port, presenting a client certificate for <paramref name="commonName"/>.</summary>
    public HttpClient HttpClient(string commonName)
    {
        var ca = Pki.Ca1;
        var handler = new HttpClientHandler
        {
            ClientCertificateOptions = ClientCertificateOption.Manual,
            // The chain must end at the test CA (never the system store) and the name must match (SAN 127.0.0.1).
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        handler.ClientCertificates.Add(Pki.Client(commonName));
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{HttpsPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"HTTP listening on https?://[^:]+:(\d+)")]
    private static partial Regex HttpListening();

    [GeneratedRegex(@"KMIP socket listening on [^:]+:(\d+)")]
    private static partial Regex SocketListening();
}
