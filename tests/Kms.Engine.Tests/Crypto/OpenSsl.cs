using System.Diagnostics;

namespace Kms.Engine.Tests.Crypto;

/// <summary>Runs the machine's `openssl` command (an independent implementation) in a temp folder.</summary>
internal sealed class OpenSsl : IDisposable
{
    public OpenSsl()
    {
        Dir = Path.Combine(Path.GetTempPath(), "kms-openssl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string File(string name, byte[] content)
    {
        var path = Path.Combine(Dir, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    public string PathOf(string name) => Path.Combine(Dir, name);

    public byte[] Read(string name) => System.IO.File.ReadAllBytes(Path.Combine(Dir, name));

    /// <summary>Runs openssl; returns (exit code, stdout, stderr).</summary>
    public (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException("openssl did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs openssl and asserts success.</summary>
    public string Ok(params string[] args)
    {
        var (code, o, e) = Run(args);
        Assert.True(code == 0, $"openssl {string.Join(' ', args)} failed ({code}): {e}");
        return o;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
