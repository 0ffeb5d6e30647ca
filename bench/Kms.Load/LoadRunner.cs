using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Security;
using Kms.Client;

namespace Kms.Load;

/// <summary>Where and how hard to drive one scenario.</summary>
public sealed record LoadSettings(
    string Label, string Host, int Port, int Connections, int Depth, TimeSpan WarmUp, TimeSpan Duration,
    long MaxMessages, bool CheckStatus, int? ServerPid, double Rate = 0, ServerMetrics? Metrics = null);

/// <summary>What one scenario measured (after warm-up).</summary>
public sealed record LoadResult(
    string Label, long Messages, long Operations, long Failures, double Seconds, LatencyHistogram Latency,
    double ServerCpuSeconds, double ClientCpuSeconds, long? ServerAllocatedBytes = null)
{
    /// <summary>Bytes the server allocated per operation in the measured window (from its GET /metrics), when known.</summary>
    public double? ServerBytesPerOp => ServerAllocatedBytes is { } b && Operations > 0 ? (double)b / Operations : null;
    public double OpsPerSecond => Operations / Seconds;
    public double MessagesPerSecond => Messages / Seconds;
    public double ServerCpuMicrosPerOp => Operations == 0 ? 0 : ServerCpuSeconds * 1e6 / Operations;
    public double ClientCpuMicrosPerOp => Operations == 0 ? 0 : ClientCpuSeconds * 1e6 / Operations;
    public double QuantileMicros(double q) => Latency.Quantile(q) / 1000.0;

    /// <summary>This result and <paramref name="other"/> (another round of the same scenario and mode) as one.</summary>
    public LoadResult Plus(LoadResult other)
    {
        var latency = new LatencyHistogram();
        latency.Add(Latency);
        latency.Add(other.Latency);
        return new LoadResult(Label, Messages + other.Messages, Operations + other.Operations, Failures + other.Failures, Seconds + other.Seconds,
            latency, ServerCpuSeconds + other.ServerCpuSeconds, ClientCpuSeconds + other.ClientCpuSeconds,
            ServerAllocatedBytes is { } a && other.ServerAllocatedBytes is { } b ? a + b : null);
    }
}

/// <summary>
/// The load loop: per connection, one SslStream over loopback keeps <c>Depth</c> requests in flight; each read
/// answers every whole response it holds and writes as many new requests in one write. Requests are pre-encoded
/// bytes, buffers are reused; nothing is decoded (a response's first Result Status is checked in place).
/// </summary>
public static partial class LoadRunner
{
    private const int Warm = 0, Measure = 1, Stop = 2;

    /// <summary>Opens the connections, runs warm-up then the measured window, and closes them.</summary>
    public static async Task<LoadResult> RunAsync(LoadSettings s, Workload workload, KmipClientOptions clientOptions, TextWriter progress)
    {
        var clients = new KmipClient[s.Connections];
        try
        {
            for (int i = 0; i < clients.Length; i++) clients[i] = await KmipClient.ConnectAsync(s.Host, s.Port, clientOptions);
            var control = new Control { PerConnectionLimit = s.MaxMessages <= 0 ? long.MaxValue : Math.Max(1, s.MaxMessages / s.Connections) };
            var workers = new Worker[s.Connections];
            SemaphoreSlim? tokens = s.Rate > 0 ? new SemaphoreSlim(0) : null;
            for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(clients[i].Tls, workload, s.Rate > 0 ? 1 : s.Depth, i * 7, control, s.CheckStatus, tokens);
            var tasks = workers.Select(w => Task.Run(w.RunAsync)).ToArray();
            Thread? pacer = tokens is null ? null : StartPacer(tokens, s.Rate, control);

            var clock = Stopwatch.StartNew();
            await Report(progress, s.Label, "warm-up", s.WarmUp, workers, clock, tasks);
            long allocated0 = s.Metrics is null ? 0 : await s.Metrics.AllocatedBytesAsync();
            double serverCpu0 = s.ServerPid is { } pid ? ServerProcess.ReadCpuSeconds(pid) : 0;
            double clientCpu0 = ClientCpu();
            long ops0 = workers.Sum(w => Volatile.Read(ref w.Operations));
            long messages0 = workers.Sum(w => Volatile.Read(ref w.Messages));
            long start = Stopwatch.GetTimestamp();
            control.Phase = Measure;
            await Report(progress, s.Label, "measure", s.Duration, workers, clock, tasks);
            control.Phase = Stop;
            long end = Stopwatch.GetTimestamp();
            double serverCpu = s.ServerPid is { } pid2 ? ServerProcess.ReadCpuSeconds(pid2) - serverCpu0 : 0;
            double clientCpu = ClientCpu() - clientCpu0;
            long ops = workers.Sum(w => Volatile.Read(ref w.Operations)) - ops0;
            long messages = workers.Sum(w => Volatile.Read(ref w.Messages)) - messages0;
            // Between the two counter reads lies about one whole /metrics request (the end of one, the start of the next): left out.
            long? allocated = s.Metrics is null ? null : Math.Max(0, await s.Metrics.AllocatedBytesAsync() - allocated0 - s.Metrics.ReadCostBytes);
            tokens?.Release(s.Connections * 2);
            // Outstanding responses are drained (not measured) so the connections close cleanly.
            var all = Task.WhenAll(tasks);
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30))) != all) throw new TimeoutException($"{s.Label}: responses still outstanding 30 s after the run");
            await all;
            pacer?.Join();
            var latency = new LatencyHistogram();
            foreach (var w in workers) latency.Add(w.Latency);
            return new LoadResult(s.Label, messages, ops, workers.Sum(w => w.Failures), Stopwatch.GetElapsedTime(start, end).TotalSeconds, latency, serverCpu, clientCpu, allocated);
        }
        finally
        {
            foreach (var c in clients)
                if (c is not null) await c.DisposeAsync();
        }
    }

    private static double ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static async Task Report(TextWriter progress, string label, string phase, TimeSpan length, Worker[] workers, Stopwatch clock, Task[] tasks)
    {
        var until = clock.Elapsed + length;
        long last = workers.Sum(w => Volatile.Read(ref w.Operations));
        var lastTime = clock.Elapsed;
        while (clock.Elapsed < until)
        {
            var wait = until - clock.Elapsed;
            if (wait > TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            var finished = Task.WhenAll(tasks);
            if (wait > TimeSpan.Zero && await Task.WhenAny(finished, Task.Delay(wait)) == finished)
            {
                await finished; // a failed connection surfaces here; a completed one means the count bound was hit
                return;
            }
            long now = workers.Sum(w => Volatile.Read(ref w.Operations));
            var t = clock.Elapsed;
            if (t - lastTime < TimeSpan.FromSeconds(0.5)) continue; // the tail of the phase: no line for a sliver
            progress.WriteLine($"  {label,-34} {phase,-8} {t.TotalSeconds,5:F0} s {(now - last) / (t - lastTime).TotalSeconds,10:N0} ops/s");
            last = now;
            lastTime = t;
        }
    }

    /// <summary>
    /// Releases one token per request due, checking every ~100 µs (usleep; Thread.Sleep(1) sleeps ≥ 1 ms on Linux, which
    /// turned a paced load into bursts of rate/1000 requests arriving together, and their queueing into the measured tail).
    /// </summary>
    private static Thread StartPacer(SemaphoreSlim tokens, double rate, Control control)
    {
        var thread = new Thread(() =>
        {
            long start = Stopwatch.GetTimestamp();
            long issued = 0;
            while (control.Phase != Stop)
            {
                long due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate);
                if (due > issued)
                {
                    // Tokens do not pile up beyond a short burst when the server falls behind.
                    int n = (int)Math.Min(due - issued, Math.Max(1, rate / 1000));
                    tokens.Release(n);
                    issued = due;
                }
                Pause(100);
            }
        }) { IsBackground = true, Name = "pacer" };
        thread.Start();
        return thread;
    }

    private static void Pause(uint microseconds)
    {
        if (OperatingSystem.IsLinux()) USleep(microseconds);
        else Thread.Sleep(1);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int USleep(uint microseconds);

    private sealed class Control
    {
        public volatile int Phase = Warm;
        public long PerConnectionLimit;
    }

    private sealed class Worker(SslStream stream, Workload workload, int depth, int offset, Control control, bool checkStatus, SemaphoreSlim? tokens)
    {
        public long Operations;
        public long Messages;
        public long Failures;
        public readonly LatencyHistogram Latency = new();
        private long _measured;

        public async Task RunAsync()
        {
            byte[][] sequence = workload.Sequence;
            int[] opsPerMessage = workload.OpsPerMessage;
            int next = offset % sequence.Length;
            var sentAt = new long[depth];
            var sentOps = new int[depth];
            int head = 0, outstanding = 0;
            byte[] tx = new byte[depth * workload.MaxRequestSize];
            byte[] rx = new byte[Math.Max(64 << 10, workload.MaxRequestSize * 2)];
            int rxLength = 0;
            int txLength = 0;

            // Fill the window.
            long now = Stopwatch.GetTimestamp();
            for (int i = 0; i < depth; i++)
            {
                if (tokens is not null) { await tokens.WaitAsync(); now = Stopwatch.GetTimestamp(); }
                byte[] r = sequence[next];
                r.CopyTo(tx, txLength);
                txLength += r.Length;
                int slot = (head + outstanding) % depth;
                sentAt[slot] = now;
                sentOps[slot] = opsPerMessage[next];
                outstanding++;
                next = (next + 1) % sequence.Length;
            }
            await stream.WriteAsync(tx.AsMemory(0, txLength));

            while (outstanding > 0)
            {
                int read = await stream.ReadAsync(rx.AsMemory(rxLength));
                if (read == 0) throw new EndOfStreamException("the server closed a load connection");
                rxLength += read;
                now = Stopwatch.GetTimestamp();
                int offsetInRx = 0;
                int completed = 0;
                while (rxLength - offsetInRx >= 8)
                {
                    int length = 8 + (int)BinaryPrimitives.ReadUInt32BigEndian(rx.AsSpan(offsetInRx + 4));
                    if (length > rx.Length) Array.Resize(ref rx, length);
                    if (rxLength - offsetInRx < length) break;
                    if (checkStatus && !IsSuccess(rx.AsSpan(offsetInRx, length))) Interlocked.Increment(ref Failures);
                    bool measuring = control.Phase == Measure;
                    if (measuring)
                    {
                        Latency.Record((long)Stopwatch.GetElapsedTime(sentAt[head], now).TotalNanoseconds);
                        _measured++;
                    }
                    Volatile.Write(ref Operations, Operations + sentOps[head]);
                    Volatile.Write(ref Messages, Messages + 1);
                    head = (head + 1) % depth;
                    outstanding--;
                    completed++;
                    offsetInRx += length;
                }
                if (offsetInRx > 0)
                {
                    rx.AsSpan(offsetInRx, rxLength - offsetInRx).CopyTo(rx);
                    rxLength -= offsetInRx;
                }

                // One new request per answered one, all in one write.
                txLength = 0;
                for (int i = 0; i < completed && control.Phase != Stop && _measured < control.PerConnectionLimit; i++)
                {
                    if (tokens is not null)
                    {
                        await tokens.WaitAsync();
                        if (control.Phase == Stop) break;
                    }
                    byte[] r = sequence[next];
                    r.CopyTo(tx, txLength);
                    txLength += r.Length;
                    int slot = (head + outstanding) % depth;
                    sentAt[slot] = tokens is null ? now : Stopwatch.GetTimestamp();
                    sentOps[slot] = opsPerMessage[next];
                    outstanding++;
                    next = (next + 1) % sequence.Length;
                }
                if (txLength > 0) await stream.WriteAsync(tx.AsMemory(0, txLength));
            }
        }

        // KMIP 2.1 §9.1: the first Result Status (42007F, Enumeration, length 4) of a response, read in place.
        private static ReadOnlySpan<byte> ResultStatusHeader => [0x42, 0x00, 0x7F, 0x05, 0x00, 0x00, 0x00, 0x04];

        private static bool IsSuccess(ReadOnlySpan<byte> response)
        {
            int at = response.IndexOf(ResultStatusHeader);
            return at >= 0 && at + 12 <= response.Length && BinaryPrimitives.ReadUInt32BigEndian(response.Slice(at + 8)) == 0;
        }
    }
}
