using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Kms.Client;

namespace Kms.Load;

/// <summary>
/// Reads a started Kms.Server's GET /metrics (HTTPS, the load client's certificate) for its allocation counter.
/// A read itself allocates on the server; <see cref="ReadCostBytes"/> measures that once (two reads back to back)
/// so a window's figure can leave it out.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    private readonly HttpClient _http;

    public ServerMetrics(int httpPort, KmipClientOptions tls)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = tls.TargetHost,
                ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
            },
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(tls.TrustedCertificates);
        _http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Server bytes allocated by one /metrics read (after the first, which warms the endpoint).</summary>
    public long ReadCostBytes { get; private set; }

    /// <summary>Warms the endpoint and measures what one read allocates (the smallest of a few back-to-back pairs).</summary>
    public async Task CalibrateAsync()
    {
        long best = long.MaxValue;
        long previous = await AllocatedBytesAsync();
        for (int i = 0; i < 5; i++)
        {
            long now = await AllocatedBytesAsync();
            best = Math.Min(best, now - previous);
            previous = now;
        }
        ReadCostBytes = best;
    }

    /// <summary>kms_gc_allocated_bytes_total of the server now.</summary>
    public async Task<long> AllocatedBytesAsync()
    {
        string text = await _http.GetStringAsync("metrics");
        foreach (string line in text.Split('\n'))
            if (line.StartsWith("kms_gc_allocated_bytes_total ", StringComparison.Ordinal))
                return (long)double.Parse(line.AsSpan("kms_gc_allocated_bytes_total ".Length), CultureInfo.InvariantCulture);
        throw new InvalidDataException("GET /metrics has no kms_gc_allocated_bytes_total");
    }

    public void Dispose() => _http.Dispose();
}
