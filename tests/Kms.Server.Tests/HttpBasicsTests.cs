using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Kms.Server.Tests;

public sealed partial class HttpBasicsTests
{
    [Fact]
    public async Task VersionHealthRedirectAndUiPlaceholder()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.BaseOptions());
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{h.HttpPort}") };
        Assert.Equal(KmsServer.Version, await http.GetStringAsync("/version"));
        var health = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"status\":\"ok\"", await health.Content.ReadAsStringAsync());
        var root = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/ui", root.Headers.Location!.OriginalString);
        Assert.Contains("<h1>Kms</h1>", await http.GetStringAsync("/ui"));
    }

    [Fact]
    public async Task MetricsExposeTheRuntimeCountersInPrometheusTextFormat()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.BaseOptions());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{h.HttpPort}") };
        var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        string first = await response.Content.ReadAsStringAsync();
        string second = await http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE kms_gc_allocated_bytes_total counter\n", first);
        Assert.Contains("kms_gc_collections_total{generation=\"2\"} ", first);
        foreach (string name in new[] { "kms_gc_pause_seconds_total", "kms_gc_heap_bytes", "kms_threadpool_threads", "kms_lock_contentions_total", "kms_process_cpu_seconds_total" })
            Assert.Matches($"(?m)^{name} [0-9.E+-]+$", first);
        // The allocation counter moves forward (the first request allocated its response, at least).
        Assert.True(Allocated(second) > Allocated(first));

        static double Allocated(string text) => double.Parse(
            MetricLine().Match(text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"(?m)^kms_gc_allocated_bytes_total ([0-9.E+-]+)$")]
    private static partial Regex MetricLine();

    [Fact]
    public async Task WithoutAuthenticationHttpBindsToLoopbackOnly()
    {
        var o = ServerHarness.BaseOptions();
        o.Http.Hostname = "0.0.0.0";
        await using var h = await ServerHarness.StartAsync(o);
        Assert.True(IPAddress.IsLoopback(h.Server.HttpEndPoint.Address));
        Assert.True(h.Log.Contains("No authentication is configured"));
        Assert.Null(h.Server.SocketEndPoint);
    }

    [Fact]
    public async Task BuiltServerStartsWithDefaultsInAFreshFolder()
    {
        // The README's run command builds and starts this same entry point; here the built dll is started
        // in an empty working directory (only the port is changed, to avoid clashes), then /version is asked.
        string dll = Path.Combine(AppContext.BaseDirectory, "Kms.Server.dll");
        string cwd = Directory.CreateTempSubdirectory("kms-fresh-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll, "--port", "0"])
        {
            WorkingDirectory = cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("KMS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        try
        {
            string? url = null;
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (url is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                if (ListeningLine().Match(line) is { Success: true } m) url = m.Groups[1].Value;
            Assert.True(url is not null, "no listening line; stderr: " + (process.HasExited ? await errors : ""));
            using var http = new HttpClient();
            Assert.Equal(KmsServer.Version, await http.GetStringAsync(url + "/version"));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(cwd, recursive: true);
        }
    }

    [GeneratedRegex(@"HTTP listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
