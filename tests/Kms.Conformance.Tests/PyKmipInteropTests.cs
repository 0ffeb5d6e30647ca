using System.Diagnostics;
using System.Text.Json;

namespace Kms.Conformance.Tests;

/// <summary>
/// PyKMIP interoperability (issue 6): tests/interop/pykmip_interop.py drives a real server process through PyKMIP's
/// ProxyKmipClient over the mutual-TLS socket with KMIP 1.2, 1.4 and 2.0 and reports each operation. The outcome of
/// every operation is checked against pykmip-expectations.tsv (key <c>&lt;version&gt;/&lt;operation&gt;</c>): a row marked
/// <c>pass</c> must pass, a row marked <c>exception</c> must still fail (a newly passing operation forces the list to be
/// updated). Each version runs as its own client identity (CN <c>pykmip-&lt;version&gt;</c>). PyKMIP comes from Debian's
/// <c>python3-pykmip</c> and imports only under <c>/usr/bin/python3</c>; tests/run-all.sh installs it.
/// </summary>
public sealed class PyKmipInteropTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Python = "/usr/bin/python3";
    private static readonly Lazy<ExpectationTable> s_table = new(() => ExpectationTable.Load("pykmip-expectations.tsv"));

    [Theory]
    [InlineData("1.2")]
    [InlineData("1.4")]
    [InlineData("2.0")]
    public async Task PyKmipClient(string version)
    {
        var (cert, key) = ServerProcess.Pki.ClientPem("pykmip-" + version);
        var start = new ProcessStartInfo(Python,
        [
            RepoFiles.Path("tests", "interop", "pykmip_interop.py"),
            "--host", "127.0.0.1", "--port", fixture.Server.SocketPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cert", cert, "--key", key, "--ca", ServerProcess.Pki.Ca1Pem, "--version", version,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ServerProcess.Pki.Directory,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("the PyKMIP script did not finish within 120 s; output so far:\n" + await stdout);
            }
        }
        string output = await stdout;
        Assert.True(process.ExitCode is 0 or 1, $"the PyKMIP script failed to run (exit {process.ExitCode}):\n{output}\n{await stderr}");

        var outcomes = new Dictionary<string, (bool Ok, string Detail)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("op", out var op))
                outcomes[op.GetString()!] = (doc.RootElement.GetProperty("ok").GetBoolean(), doc.RootElement.GetProperty("detail").GetString() ?? "");
        }
        if (Environment.GetEnvironmentVariable("KMS_PYKMIP_RECORD") is { Length: > 0 } record)
            lock (s_table)
                File.AppendAllText(record, ExpectationTable.Format(outcomes.Select(o => new Expectation($"{version}/{o.Key}", version, o.Value.Ok, o.Value.Ok ? "" : o.Value.Detail))));

        var table = s_table.Value;
        var rows = table.Rows.Where(r => r.Group == version).ToList();
        Assert.Equal(rows.Select(r => r.Key).Order(StringComparer.Ordinal), outcomes.Keys.Select(k => $"{version}/{k}").Order(StringComparer.Ordinal));
        var wrong = new List<string>();
        foreach (var (op, (ok, detail)) in outcomes)
        {
            var row = table.Find($"{version}/{op}")!;
            if (row.MustPass && !ok) wrong.Add($"{version}/{op} is listed as pass but failed: {detail}");
            if (!row.MustPass && ok) wrong.Add($"{version}/{op} now passes: update {table.Path} (set it to pass, was exception: {row.Reason})");
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong) + "\n\nscript output:\n" + output);
    }
}
