using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kms.Client;

namespace Kms.Load;

/// <summary>
/// Kms against pykmip-server (issue 7): the same PKI, the same mix. PyKMIP is driven by pykmip_driver.py
/// (ProxyKmipClient in several processes); Kms is driven both by the same Python driver and by Kms.Load.
/// </summary>
public static class PyKmipComparison
{
    private const string Python = "/usr/bin/python3";

    public static async Task RunAsync(BenchPki pki, string work, ServerProcess kms, KmipClientOptions clientOptions, BenchOptions o, TextWriter output, List<string> notes)
    {
        string driver = Path.Combine(AppContext.BaseDirectory, "pykmip_driver.py");
        if (!await CanImportKmipAsync())
        {
            notes.Add("PyKMIP comparison: not run (`/usr/bin/python3 -c 'import kmip'` fails; `apt-get install -y python3-pykmip`).");
            return;
        }
        output.WriteLine($"== PyKMIP comparison: mix {o.PyKmipMix}, {o.PyKmipProcesses} driver processes");
        int port = ServerProcess.FreePort();
        string config = Path.Combine(work, "pykmip-server.conf");
        File.WriteAllText(config, $"""
            [server]
            hostname=127.0.0.1
            port={port}
            certificate_path={pki.ServerCertPem}
            key_path={pki.ServerKeyPem}
            ca_path={pki.CaPem}
            auth_suite=TLS1.2
            enable_tls_client_auth=True
            logging_level=WARNING
            database_path={Path.Combine(work, "pykmip.db")}

            """);
        PyResult py, pyOnKms;
        using (var pyServer = await ServerProcess.StartAsync("pykmip-server", ["-f", config, "-l", Path.Combine(work, "pykmip-server.log")], port, Path.Combine(work, "pykmip-server.out")))
        {
            py = await DriveAsync(driver, pki, port, o, output, pyServer.Pid);
        }
        pyOnKms = await DriveAsync(driver, pki, kms.Port, o, output, kms.Pid);

        // Kms at full speed with the same mix through the lean client. Each server is compared at its best: pykmip-server
        // is bound by its one Python core whatever the number of drivers; Kms is driven with 16 and with 64 connections
        // (its durable creates group better with more callers) and the faster of the two counts.
        string? error;
        Workload? workload;
        await using (var setup = await KmipClient.ConnectAsync("127.0.0.1", kms.Port, clientOptions))
            (workload, error) = await Workload.PrepareAsync(setup, o.PyKmipMix);
        if (workload is null)
        {
            notes.Add($"PyKMIP comparison: Kms.Load could not run the mix on Kms: {error}");
            return;
        }
        var runs = new List<(int Connections, LoadResult Result)>();
        foreach (int connections in new[] { 16, 64 })
        {
            var run = await LoadRunner.RunAsync(new LoadSettings($"kms (Kms.Load) {o.PyKmipMix} c{connections}", "127.0.0.1", kms.Port, connections, 1, o.WarmUp, o.Duration, o.MaxMessages, true, kms.Pid),
                workload, clientOptions, output);
            output.WriteLine($"   Kms.Load on Kms, {connections} connections: {run.OpsPerSecond:N0} ops/s, server CPU {run.ServerCpuMicrosPerOp:F1} µs/op");
            runs.Add((connections, run));
        }
        var (bestConnections, fast) = runs.MaxBy(r => r.Result.OpsPerSecond);

        string Line(string what, PyResult r) => string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {r.OpsPerSecond:N0} | {r.Errors} | {r.ServerCpuMicrosPerOp:F0} |");
        double ratio = fast.OpsPerSecond / py.OpsPerSecond;
        double cpuRatio = py.ServerCpuMicrosPerOp / Math.Max(0.001, fast.ServerCpuMicrosPerOp);
        string[] lines =
        [
            $"PyKMIP comparison (mix `{o.PyKmipMix}`, KMIP 1.2 over TLS 1.2 from ProxyKmipClient, {o.PyKmipProcesses} driver processes; PyKMIP {py.Version}):",
            "",
            "| server, driver | ops/s | errors | server CPU µs/op |",
            "|---|---:|---:|---:|",
            Line("pykmip-server, pykmip_driver.py", py),
            Line("Kms, pykmip_driver.py (driver-bound)", pyOnKms),
            .. runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"| Kms, Kms.Load {r.Connections} connections | {r.Result.OpsPerSecond:N0} | {r.Result.Failures} | {r.Result.ServerCpuMicrosPerOp:F0} |")),
            "",
            string.Create(CultureInfo.InvariantCulture,
                $"**Kms / PyKMIP = {ratio:F0}×** in throughput, Kms at {bestConnections} connections (target ≥ 100×: {(ratio >= 100 ? "met" : "**not met**")}); {cpuRatio:F0}× less server CPU per operation. " +
                $"With the same Python driver Kms does {pyOnKms.OpsPerSecond / py.OpsPerSecond:F1}× PyKMIP (the driver's own encoding is the limit there)."),
        ];
        notes.Add(string.Join('\n', lines));
    }

    private sealed record PyResult(double OpsPerSecond, long Errors, double ServerCpuMicrosPerOp, string Version);

    private static async Task<PyResult> DriveAsync(string driver, BenchPki pki, int port, BenchOptions o, TextWriter output, int serverPid)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            driver, "--port", port.ToString(CultureInfo.InvariantCulture), "--cert", pki.ClientCertPem, "--key", pki.ClientKeyPem, "--ca", pki.CaPem,
            "--mix", o.PyKmipMix, "--processes", o.PyKmipProcesses.ToString(CultureInfo.InvariantCulture),
            "--warmup", o.WarmUp.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--duration", o.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        }) info.ArgumentList.Add(a);
        double cpu0 = ServerProcess.ReadCpuSeconds(serverPid);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        double cpu = ServerProcess.ReadCpuSeconds(serverPid) - cpu0;
        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (p.ExitCode != 0 || last is null || !last.StartsWith('{'))
            throw new InvalidOperationException($"pykmip_driver.py failed ({p.ExitCode}): {await stderr}\n{stdout}");
        using var json = JsonDocument.Parse(last);
        var r = json.RootElement;
        double ops = r.GetProperty("ops").GetDouble();
        double seconds = r.GetProperty("seconds").GetDouble();
        // The server's CPU is counted over warm-up and measurement alike: per operation of the whole run.
        double totalOps = r.GetProperty("total_ops").GetDouble();
        var result = new PyResult(ops / seconds, r.GetProperty("errors").GetInt64(), totalOps == 0 ? 0 : cpu * 1e6 / totalOps, r.GetProperty("version").GetString() ?? "?");
        output.WriteLine($"   pykmip_driver.py → port {port}: {result.OpsPerSecond:N0} ops/s, {result.Errors} errors, server CPU {result.ServerCpuMicrosPerOp:F0} µs/op");
        return result;
    }

    private static async Task<bool> CanImportKmipAsync()
    {
        if (!File.Exists(Python)) return false;
        var info = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import kmip");
        using var p = Process.Start(info)!;
        await p.WaitForExitAsync();
        return p.ExitCode == 0;
    }
}
