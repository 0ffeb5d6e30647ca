using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Kms.Load;

/// <summary>
/// A server child process on loopback (Kms.Server or pykmip-server): started with its output in a log file,
/// ready when its port accepts TCP, killed on dispose. Its CPU time comes from <c>/proc/&lt;pid&gt;/stat</c>.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private static readonly double s_ticksPerSecond = ReadClockTicks();
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(Process process, int port, string logPath, StreamWriter log)
    {
        _process = process;
        Port = port;
        LogPath = logPath;
        _log = log;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public string LogPath { get; }

    /// <summary>The HTTP(S) port of a Kms.Server (its GET /metrics), when known.</summary>
    public int? HttpPort { get; set; }

    /// <summary>The response size of a Kms.Server started in echo mode; null for a KMIP server.</summary>
    public int? EchoResponseSize { get; set; }

    /// <summary>Starts <paramref name="fileName"/> and waits until <paramref name="port"/> accepts a TCP connection.</summary>
    public static async Task<ServerProcess> StartAsync(string fileName, IEnumerable<string> arguments, int port, string logPath,
        IDictionary<string, string>? environment = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logPath)!,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + fileName);
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, port, logPath, log);
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                server.Dispose();
                throw new InvalidOperationException($"{fileName} exited with code {process.ExitCode}; log: {logPath}\n{Tail(logPath)}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException) when (deadline.Elapsed < limit)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                server.Dispose();
                throw new TimeoutException($"{fileName} did not listen on port {port} within {limit.TotalSeconds} s; log: {logPath}");
            }
        }
    }

    /// <summary>User + system CPU seconds of the process so far (<c>/proc/&lt;pid&gt;/stat</c> fields 14 and 15).</summary>
    public double CpuSeconds() => ReadCpuSeconds(_process.Id);

    /// <summary>CPU seconds of any process (0 when it is gone).</summary>
    public static double ReadCpuSeconds(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return 0; }
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / s_ticksPerSecond;
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log)
        {
            try { log.WriteLine(line); } catch (ObjectDisposedException) { }
        }
    }

    private static string Tail(string path)
    {
        try { return string.Join('\n', File.ReadAllLines(path).TakeLast(20)); } catch (IOException) { return ""; }
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    private static double ReadClockTicks()
    {
        const int ScClkTck = 2; // Linux <unistd.h>
        try { long t = SysConf(ScClkTck); return t > 0 ? t : 100; }
        catch (DllNotFoundException) { return 100; }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
