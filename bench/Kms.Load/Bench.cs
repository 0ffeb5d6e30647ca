using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kms.Client;

namespace Kms.Load;

/// <summary>How a run is configured (from the command line).</summary>
public sealed record BenchOptions(
    IReadOnlyList<Scenario> Scenarios, TimeSpan WarmUp, TimeSpan Duration, long MaxMessages, double Rate,
    string? Host, int? Port, string? CaFile, string? CertFile, string? KeyFile,
    string? ServerDll, bool Echo, bool PyKmip, string PyKmipMix, int PyKmipProcesses, string? OutFile, string CommandLine, string[] ServerEnvironment, string? AppendHeading, int Rounds = 1);

/// <summary>
/// Runs the scenarios: against a running server, or against Kms.Server processes it starts itself (KMIP mode and
/// echo mode side by side, same PKI, same TLS), then optionally the PyKMIP comparison; prints and writes the table.
/// </summary>
public sealed class Bench(BenchOptions o, TextWriter output)
{
    private readonly List<Row> _rows = [];
    private readonly List<string> _notes = [];
    private readonly string _loadAtStart = LoadAverage();

    private sealed record Row(Scenario Scenario, LoadResult? Kms, LoadResult? Echo, string? Error, int? ResponseSize = null);

    // The echo server of the current response size (restarted when a scenario's size differs) and its /metrics reader.
    private ServerProcess? _echo;
    private ServerMetrics? _echoMetrics;

    public async Task<int> RunAsync()
    {
        if (o.Port is { } port) return await RunAgainstAsync(o.Host ?? "127.0.0.1", port);

        using var pki = new BenchPki();
        string work = Path.Combine(Path.GetTempPath(), "kms-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            string dll = o.ServerDll ?? FindServerDll();
            var (fsync50, fsync90) = FsyncProbe.Measure(work);
            _notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Disk under the data directory: 4 KiB write + fsync takes {fsync50:F0} µs median, {fsync90:F0} µs p90 (200 samples, before the run); a durable Create waits for at least one."));
            output.WriteLine(_notes[^1]);
            int kmipPort = ServerProcess.FreePort();
            using var kms = await StartKmsAsync(dll, pki, work, "kms", kmipPort, echoResponseSize: null);
            output.WriteLine($"Kms.Server pid {kms.Pid} (KMIP) on 127.0.0.1:{kms.Port}");
            var clientOptions = ClientOptions(pki.Client, pki.Ca);
            using var kmsMetrics = await MetricsAsync(kms, clientOptions);
            Func<int, Task<(ServerProcess, ServerMetrics?)>>? echoFor = o.Echo ? size => EchoAsync(size, dll, pki, work, clientOptions) : null;
            foreach (var scenario in o.Scenarios)
            {
                try
                {
                    await RunScenarioAsync(scenario, "127.0.0.1", kms.Port, kms.Pid, echoFor, clientOptions, kmsMetrics);
                }
                catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
                {
                    // One broken scenario (a stalled server, a dropped connection) is a row of the table, not the end of the run.
                    output.WriteLine($"   failed: {e.GetType().Name}: {e.Message}");
                    _rows.Add(new Row(scenario, null, null, $"failed: {e.Message}"));
                }
            }
            if (o.PyKmip) await PyKmipComparison.RunAsync(pki, work, kms, clientOptions, o, output, _notes);
        }
        finally
        {
            StopEcho();
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        Finish();
        return 0;
    }

    private async Task<int> RunAgainstAsync(string host, int port)
    {
        if (o.CaFile is null || o.CertFile is null || o.KeyFile is null)
        {
            output.WriteLine("--port needs --ca, --cert and --key (PEM) for the mutual-TLS client");
            return 2;
        }
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(o.CertFile, o.KeyFile);
        using var identity = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "x"), "x");
        var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(o.CaFile);
        var clientOptions = ClientOptions(identity, ca);
        foreach (var scenario in o.Scenarios) await RunScenarioAsync(scenario with { Echo = false }, host, port, null, null, clientOptions);
        Finish();
        return 0;
    }

    private static KmipClientOptions ClientOptions(System.Security.Cryptography.X509Certificates.X509Certificate2 client, System.Security.Cryptography.X509Certificates.X509Certificate2 ca) => new()
    {
        ClientCertificate = client,
        TrustedCertificates = [ca],
        TargetHost = "localhost",
    };

    /// <summary>The server's GET /metrics reader, calibrated; null (with a note) when the endpoint does not answer.</summary>
    private async Task<ServerMetrics?> MetricsAsync(ServerProcess server, KmipClientOptions clientOptions)
    {
        var metrics = new ServerMetrics(server.HttpPort!.Value, clientOptions);
        try
        {
            await metrics.CalibrateAsync();
            return metrics;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException or TaskCanceledException)
        {
            output.WriteLine($"   GET /metrics of pid {server.Pid} failed ({e.Message}): no server bytes/op");
            metrics.Dispose();
            return null;
        }
    }

    /// <summary>The echo server answering every message with <paramref name="responseSize"/> bytes: the running one, or a new one in its place.</summary>
    private async Task<(ServerProcess, ServerMetrics?)> EchoAsync(int responseSize, string dll, BenchPki pki, string work, KmipClientOptions clientOptions)
    {
        if (_echo is null || _echo.EchoResponseSize != responseSize)
        {
            StopEcho();
            _echo = await StartKmsAsync(dll, pki, work, $"echo-{responseSize}", ServerProcess.FreePort(), responseSize);
            _echoMetrics = await MetricsAsync(_echo, clientOptions);
            output.WriteLine($"   echo server pid {_echo.Pid} on {_echo.Port}, answering {responseSize} B per message");
        }
        return (_echo, _echoMetrics);
    }

    private void StopEcho()
    {
        _echoMetrics?.Dispose();
        _echo?.Dispose();
        (_echo, _echoMetrics) = (null, null);
    }

    private async Task RunScenarioAsync(Scenario scenario, string host, int port, int? pid, Func<int, Task<(ServerProcess, ServerMetrics?)>>? echoFor,
        KmipClientOptions clientOptions, ServerMetrics? kmsMetrics = null)
    {
        output.WriteLine($"== {scenario.Name}: mix {scenario.Mix}, {scenario.Connections} connection(s) × {scenario.Depth} in flight");
        Workload? workload;
        string? error;
        await using (var setup = await KmipClient.ConnectAsync(host, port, clientOptions))
            (workload, error) = await Workload.PrepareAsync(setup, scenario.Mix);
        if (workload is null)
        {
            output.WriteLine($"   not run: {error}");
            _rows.Add(new Row(scenario, null, null, error));
            return;
        }
        output.WriteLine($"   requests {workload.Sequence.Average(r => r.Length):F0} B, responses {workload.ResponseSize} B (mean)");
        double rate = o.Rate;
        if (scenario.HalfLoadOf is { } of)
        {
            var reference = _rows.FirstOrDefault(r => r.Scenario.Name == of)?.Kms;
            if (reference is null)
            {
                _rows.Add(new Row(scenario, null, null, $"needs scenario '{of}' first"));
                return;
            }
            rate = reference.OpsPerSecond / 2;
            output.WriteLine($"   paced at {rate:N0} ops/s (half of '{of}')");
        }
        var settings = new LoadSettings("kms " + scenario.Name, host, port, scenario.Connections, scenario.Depth, o.WarmUp, o.Duration, o.MaxMessages, true, pid, rate, kmsMetrics);
        // With --rounds N, Kms and echo take turns N times (A/B/A/B), each for 1/N of the duration, and the rounds are summed.
        bool withEcho = echoFor is not null && scenario.Echo;
        int rounds = withEcho ? o.Rounds : 1;
        LoadResult? kms = null;
        LoadResult? echoResult = null;
        for (int round = 0; round < rounds; round++)
        {
            var slice = rounds == 1 ? settings : settings with
            {
                WarmUp = round == 0 ? o.WarmUp : TimeSpan.FromSeconds(Math.Min(1, o.WarmUp.TotalSeconds)),
                Duration = o.Duration / rounds,
                MaxMessages = o.MaxMessages / rounds,
            };
            var k = await LoadRunner.RunAsync(slice, workload, clientOptions, output);
            Print(k);
            kms = kms is null ? k : kms.Plus(k);
            if (!withEcho) continue;
            var (echo, echoMetrics) = await echoFor!(workload.ResponseSize);
            var e = await LoadRunner.RunAsync(slice with { Label = "echo " + scenario.Name, Port = echo.Port, CheckStatus = false, ServerPid = echo.Pid, Metrics = echoMetrics }, workload, clientOptions, output);
            Print(e);
            echoResult = echoResult is null ? e : echoResult.Plus(e);
        }
        ArgumentNullException.ThrowIfNull(kms);   // one round at least
        if (echoResult is not null)
        {
            if (rounds > 1)
            {
                output.WriteLine($"   {rounds} rounds summed:");
                Print(kms!);
                Print(echoResult);
            }
            output.WriteLine($"   KMIP / echo = {kms.OpsPerSecond / echoResult.OpsPerSecond:F2}");
        }
        _rows.Add(new Row(scenario, kms, echoResult, kms.Failures > 0 ? $"{kms.Failures} failed responses" : null, workload.ResponseSize));
    }

    private void Print(LoadResult r) => output.WriteLine(
        $"   {r.Label}: {r.OpsPerSecond:N0} ops/s ({r.Operations:N0} in {r.Seconds:F1} s), latency µs p50 {r.QuantileMicros(0.5):F0} p90 {r.QuantileMicros(0.9):F0} " +
        $"p99 {r.QuantileMicros(0.99):F0} p99.9 {r.QuantileMicros(0.999):F0}, CPU µs/op server {r.ServerCpuMicrosPerOp:F1} client {r.ClientCpuMicrosPerOp:F1}" +
        (r.ServerBytesPerOp is { } b ? $", server bytes/op {b:F1} ({r.ServerAllocatedBytes:N0} B in the window)" : "") +
        (r.Failures > 0 ? $", {r.Failures} FAILED" : ""));

    /// <summary>Starts Kms.Server: KMIP mode, or (with <paramref name="echoResponseSize"/>) the echo answering that many bytes.</summary>
    private async Task<ServerProcess> StartKmsAsync(string dll, BenchPki pki, string work, string name, int port, int? echoResponseSize)
    {
        string data = Path.Combine(work, name + "-data");
        int httpPort = ServerProcess.FreePort();
        string[] args =
        [
            dll,
            "--tls-cert-file", pki.ServerCertPem, "--tls-key-file", pki.ServerKeyPem, "--clients-ca-cert-file", pki.CaPem,
            "--socket-server-hostname", "127.0.0.1", "--socket-server-port", port.ToString(CultureInfo.InvariantCulture),
            "--hostname", "127.0.0.1", "--port", httpPort.ToString(CultureInfo.InvariantCulture),
            "--data-directory", data, "--log-level", "Warning", "--socket-echo", echoResponseSize is null ? "false" : "true",
            "--socket-echo-response-size", (echoResponseSize ?? 0).ToString(CultureInfo.InvariantCulture),
        ];
        var environment = new Dictionary<string, string>();
        foreach (string pair in o.ServerEnvironment)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException("--server-env expects NAME=VALUE, got " + pair);
            environment[pair[..eq]] = pair[(eq + 1)..];
        }
        var server = await ServerProcess.StartAsync("dotnet", args, port, Path.Combine(work, name + ".log"), environment, workingDirectory: work);
        server.HttpPort = httpPort;
        server.EchoResponseSize = echoResponseSize;
        return server;
    }

    /// <summary>src/Kms.Server/bin/&lt;configuration of this tool&gt;/net10.0/Kms.Server.dll under the repository root.</summary>
    private static string FindServerDll()
    {
        string baseDir = AppContext.BaseDirectory;
        string configuration = baseDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kms.sln")))
            {
                string dll = Path.Combine(dir.FullName, "src", "Kms.Server", "bin", configuration, "net10.0", "Kms.Server.dll");
                if (File.Exists(dll)) return dll;
                throw new FileNotFoundException($"build the server first: dotnet build -c {configuration} src/Kms.Server ({dll} is missing)");
            }
        throw new FileNotFoundException("repository root (Kms.sln) not found above " + baseDir + "; pass --server");
    }

    // The issue-7 targets, by scenario (a scenario may carry several).
    private static readonly (string Scenario, string Text, Func<Row, double?> Value, Func<double, bool> Met, string Format)[] s_targets =
    [
        ("get c16", "KMIP/echo ≥ 0.90", r => Ratio(r), v => v >= 0.90, "F2"),
        // Steady state: whatever the window's scrapes and the runtime's background work leave is well under 1 B/op.
        ("get c16", "server B/op = 0", r => r.Kms?.ServerBytesPerOp, v => v < 0.5, "F1"),
        ("encrypt-64B c16", "KMIP/echo ≥ 0.85", r => Ratio(r), v => v >= 0.85, "F2"),
        ("get c16x8", "KMIP/echo ≥ 0.60", r => Ratio(r), v => v >= 0.60, "F2"),
        ("create c16", "≥ 35,000 ops/s", r => r.Kms?.OpsPerSecond, v => v >= 35_000, "N0"),
        ("get c16 @ half load", "p99 < 1 ms", r => r.Kms?.QuantileMicros(0.99), v => v < 1000, "F0"),
    ];

    private static double? Ratio(Row r) => r.Kms is null || r.Echo is null ? null : r.Kms.OpsPerSecond / r.Echo.OpsPerSecond;

    private void Finish()
    {
        var md = new StringBuilder();
        md.AppendLine("| scenario | conns × depth | response B | Kms ops/s | echo ops/s | KMIP / echo | p50 µs | p90 µs | p99 µs | p99.9 µs | server CPU µs/op | echo server CPU µs/op | client CPU µs/op | server B/op | echo server B/op | target | met |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var row in _rows)
        {
            var s = row.Scenario;
            var targets = s_targets.Where(t => t.Scenario == s.Name).ToList();
            string target = string.Join("; ", targets.Select(t => t.Text));
            string met = string.Join("; ", targets.Select(t => t.Value(row) is { } x
                ? $"{(t.Met(x) ? "yes" : "**no**")} ({x.ToString(t.Format, CultureInfo.InvariantCulture)})"
                : "n/a"));
            if (row.Kms is not { } k)
            {
                md.AppendLine($"| {s.Name} | {s.Shape} | | not run: {Escape(row.Error)} | | | | | | | | | | | | {target} | {(target.Length > 0 ? "n/a" : "")} |");
                continue;
            }
            string echoOps = row.Echo is { } e ? e.OpsPerSecond.ToString("N0", CultureInfo.InvariantCulture) : "";
            string ratio = Ratio(row) is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "";
            string echoCpu = row.Echo is { } e2 ? e2.ServerCpuMicrosPerOp.ToString("F1", CultureInfo.InvariantCulture) : "";
            string bytes = k.ServerBytesPerOp is { } kb ? kb.ToString("F1", CultureInfo.InvariantCulture) : "";
            string echoBytes = row.Echo?.ServerBytesPerOp is { } eb ? eb.ToString("F1", CultureInfo.InvariantCulture) : "";
            string name = row.Error is null ? s.Name : $"{s.Name} ({Escape(row.Error)})";
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {s.Shape} | {row.ResponseSize} | {k.OpsPerSecond:N0} | {echoOps} | {ratio} | {k.QuantileMicros(0.5):F0} | {k.QuantileMicros(0.9):F0} | {k.QuantileMicros(0.99):F0} | {k.QuantileMicros(0.999):F0} | {k.ServerCpuMicrosPerOp:F1} | {echoCpu} | {k.ClientCpuMicrosPerOp:F1} | {bytes} | {echoBytes} | {target} | {met} |"));
        }
        foreach (string note in _notes) md.AppendLine().AppendLine(note);
        string table = md.ToString();
        output.WriteLine();
        output.WriteLine(table);
        if (o.OutFile is { } appendTo && o.AppendHeading is { } heading)
        {
            File.AppendAllText(appendTo, $"\n## {heading}\n\nCommand: `{o.CommandLine}`\n\n{table}");
            output.WriteLine("appended to: " + appendTo);
        }
        else if (o.OutFile is { } file)
        {
            var doc = new StringBuilder();
            doc.AppendLine($"# Kms benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
            doc.AppendLine($"Machine: {Environment.ProcessorCount} logical CPUs, {CpuModel()}, {MemoryGiB():F0} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}.");
            doc.AppendLine($"Load average (1, 5, 15 min) at the start: {_loadAtStart}; at the end: {LoadAverage()}. Client and servers share the same cores over loopback; each Kms figure is paired with the echo mode of the same listener measured right after it.").AppendLine();
            doc.AppendLine("Command: `" + o.CommandLine + "`").AppendLine();
            doc.AppendLine($"Warm-up {o.WarmUp.TotalSeconds:F0} s, measured {o.Duration.TotalSeconds:F0} s per scenario and mode{(o.Rounds > 1 ? $" in {o.Rounds} alternating rounds (Kms, echo, Kms, echo, …; each round's warm-up after the first ≤ 1 s), summed" : "")}. ops/s counts batch items (a batch-10 message = 10 operations). Latency is per message, send to whole response. Response B: mean size of the scenario's KMIP response messages; its echo answers every message with a canned message of that size (`--socket-echo-response-size`), so both move the same bytes. Server B/op: bytes the server process allocated in the measured window (its GET /metrics counter, read before and after, less one read's own cost), per operation.").AppendLine();
            doc.Append(table);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            File.WriteAllText(file, doc.ToString());
            output.WriteLine("written: " + file);
        }
    }

    private static string Escape(string? s) => (s ?? "").Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return "unknown CPU";
    }

    private static double MemoryGiB()
    {
        try
        {
            string line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        }
        catch (IOException) { return 0; }
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); } catch (IOException) { return "unknown"; }
    }
}
