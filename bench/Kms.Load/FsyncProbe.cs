using System.Diagnostics;

namespace Kms.Load;

/// <summary>
/// The disk's durable-write latency where the server keeps its data: 4 KiB appended and flushed to disk
/// (<c>fsync</c>) 200 times. A durable Create cannot be acknowledged faster than one such round trip, so with
/// N requests in flight a group-committing store tops out near N / latency.
/// </summary>
public static class FsyncProbe
{
    public static (double MedianMicros, double P90Micros) Measure(string directory, int count = 200)
    {
        string path = Path.Combine(directory, "fsync-probe.bin");
        var block = new byte[4096];
        var samples = new double[count];
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            for (int i = 0; i < count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        finally
        {
            File.Delete(path);
        }
        Array.Sort(samples);
        return (samples[count / 2], samples[count * 9 / 10]);
    }
}
