using System.Globalization;
using System.Runtime.InteropServices;
using FASTER.core;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

/// <summary>
/// The FasterKV hybrid log on <see cref="DirectLogDevice"/> (O_DIRECT|O_DSYNC) and on FASTER's own device (the
/// fallback): records evicted to disk, checkpoints, compaction and recovery on both, and stores moving between them.
/// </summary>
public sealed class DirectLogDeviceTests
{
    private const int Ids = 1000;

    /// <summary>Whether <see cref="DirectLogDevice"/> works in <paramref name="folder"/> (it probes the file system).</summary>
    private static bool DirectAvailable(string folder)
    {
        using var device = DirectLogDevice.TryCreate(Path.Combine(folder, "probe.log"));
        return device is not null;
    }

    [Fact]
    public void The_hybrid_log_file_is_open_with_O_DIRECT_and_O_DSYNC()
    {
        using var dir = new TempStoreDir();
        // The temporary folder is on a disk file system (ext4) on the build machines.
        Assert.True(OperatingSystem.IsLinux() && new DriveInfo(dir.Data).DriveFormat != "tmpfs", $"the temporary folder is on {new DriveInfo(dir.Data).DriveFormat}: this test needs Linux and a disk file system");
        using var store = FasterObjectStore.Open(dir.Options() with { CheckpointEveryCommits = 10 });
        Assert.True(store.KvLogIsDirect);
        for (int i = 0; i < 30; i++)
            Assert.Equal(CommitStatus.Committed, store.Commit([W.Put($"k{i}", 0, "v")]));
        // A checkpoint flushes the log, which opens its first segment.
        string segment = Path.Combine(dir.Data, "kv", "hlog.log.0");
        Assert.True(SpinWait.SpinUntil(() => File.Exists(segment), TimeSpan.FromSeconds(30)), "no hybrid log segment");
        // Writes go through one O_RDWR|O_DIRECT|O_DSYNC descriptor; reads through a buffered O_RDONLY one.
        int direct = DirectLogDevice.ODirectFlag(), dsync = 0x1000, accessMode = 0x3, readWrite = 0x2;
        var flags = OpenFlags(segment);
        Assert.Contains(flags, f => (f & accessMode) == readWrite && (f & direct) != 0 && (f & dsync) != 0);
        Assert.All(flags, f => Assert.True((f & accessMode) == 0 || (f & direct) != 0, $"flags {Convert.ToString(f, 8)}: a writable descriptor without O_DIRECT"));
        Assert.False(File.Exists(Path.Combine(dir.Data, "kv", "direct-io.probe")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Evicted_records_checkpoints_compaction_and_recovery(bool buffered)
    {
        using var dir = new TempStoreDir();
        // 64 KiB pages and 256 KiB of memory against ~8 MB of records: nearly every read goes to the log file.
        var options = dir.Options() with
        {
            PageBytes = 1 << 16, KvMemoryBytes = 1 << 18, LogSegmentBytes = 1 << 18,
            CheckpointEveryCommits = 100, CompactAfterGarbageRecords = 500, BufferedKvLog = buffered,
        };
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.Equal(!buffered, store.KvLogIsDirect);
            PutGeneration(store, 0);
            CheckGeneration(store, 0);
            PutGeneration(store, 1);
            PutGeneration(store, 2); // 1,000 superseded records: compaction moves the live ones to the tail
            Assert.True(SpinWait.SpinUntil(() => store.Compactions > 0, TimeSpan.FromSeconds(30)), "no compaction");
            CheckGeneration(store, 2);
        }
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.Equal(Ids, store.Count);
            CheckGeneration(store, 2);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_store_written_by_one_device_recovers_on_the_other(bool firstBuffered)
    {
        using var dir = new TempStoreDir();
        var options = dir.Options() with { PageBytes = 1 << 16, KvMemoryBytes = 1 << 18, CheckpointEveryCommits = 100 };
        using (var store = FasterObjectStore.Open(options with { BufferedKvLog = firstBuffered }))
            PutGeneration(store, 0);
        using (var store = FasterObjectStore.Open(options with { BufferedKvLog = !firstBuffered }))
        {
            Assert.Equal(firstBuffered && DirectAvailable(dir.Data), store.KvLogIsDirect);
            CheckGeneration(store, 0);
            PutGeneration(store, 1);
        }
        using (var store = FasterObjectStore.Open(options with { BufferedKvLog = firstBuffered }))
        {
            Assert.Equal(Ids, store.Count);
            CheckGeneration(store, 1);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Index_checkpoints_with_overflow_buckets_recover(bool buffered)
    {
        using var dir = new TempStoreDir();
        // 1,024 hash buckets of 7 entries against 12,000 keys: the index checkpoint holds overflow buckets too. A full
        // index checkpoint comes with the 1st and the 9th checkpoint (every 150 commits), and the reopen recovers from it.
        var options = dir.Options() with { IndexBuckets = 1 << 10, CheckpointEveryCommits = 150, BufferedKvLog = buffered };
        using (var store = FasterObjectStore.Open(options))
        {
            for (int i = 0; i < 12_000; i += 8)
            {
                var batch = new List<ObjectWrite>();
                for (int j = i; j < i + 8; j++) batch.Add(W.Put($"o{j}", 0, $"v{j}"));
                Assert.Equal(CommitStatus.Committed, store.Commit(batch));
            }
        }
        var indexFiles = Directory.GetFiles(Path.Combine(dir.Data, "checkpoints", "index-checkpoints"), "ht.dat*", SearchOption.AllDirectories);
        Assert.NotEmpty(indexFiles);
        Assert.True(new FileInfo(indexFiles[0]).Length > 64 << 10, $"index checkpoint of {new FileInfo(indexFiles[0]).Length} bytes has no overflow buckets");
        using (var store = FasterObjectStore.Open(options))
        {
            Assert.Equal(12_000, store.Count);
            for (int j = 0; j < 12_000; j++)
            {
                Assert.True(store.TryRead($"o{j}", out var r), $"o{j} missing");
                Assert.Equal($"v{j}", r.Body());
            }
        }
    }

    [Fact]
    public void On_tmpfs_the_store_uses_whichever_device_the_file_system_allows()
    {
        // tmpfs refuses O_DIRECT before Linux 6.6 (the store then falls back to FASTER's device) and accepts it since.
        string root = Path.Combine(OperatingSystem.IsLinux() ? "/dev/shm" : Path.GetTempPath(), "kms-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            File.WriteAllText(Path.Combine(root, "master.key"), new string('7', 64));
            var options = new FasterStoreOptions
            {
                DataDirectory = Path.Combine(root, "data"), MasterKeyFile = Path.Combine(root, "master.key"),
                IndexBuckets = 1 << 12, PageBytes = 1 << 16, KvMemoryBytes = 1 << 18, LogSegmentBytes = 1 << 18, CheckpointEveryCommits = 100,
            };
            bool direct;
            using (var probe = DirectLogDevice.TryCreate(Path.Combine(root, "hlog.log")))
                direct = probe is not null;
            Assert.False(File.Exists(Path.Combine(root, "direct-io.probe")));
            using (var store = FasterObjectStore.Open(options))
            {
                Assert.Equal(direct, store.KvLogIsDirect);
                PutGeneration(store, 0);
            }
            using (var store = FasterObjectStore.Open(options))
                CheckGeneration(store, 0);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public unsafe void The_device_writes_and_reads_blocks_and_refuses_unaligned_write_offsets_and_lengths()
    {
        using var dir = new TempStoreDir();
        using var device = DirectLogDevice.TryCreate(Path.Combine(dir.Data, "dev.log"));
        Assert.NotNull(device);
        Assert.Equal((uint)DirectLogDevice.Alignment, device.SectorSize);
        device.Initialize(1L << 20, null!);
        const int Length = 3 * DirectLogDevice.Alignment;
        byte* buffer = (byte*)NativeMemory.AlignedAlloc(Length + DirectLogDevice.Alignment, DirectLogDevice.Alignment);
        try
        {
            var data = new Span<byte>(buffer, Length);
            for (int i = 0; i < Length; i++) data[i] = (byte)(i * 7);
            // Address 1 MiB + 8 KiB: segment 1, offset 8 KiB.
            ulong address = (1UL << 20) + 2 * DirectLogDevice.Alignment;
            Assert.Equal((0u, (uint)Length), Io(cb => device.WriteAsync((IntPtr)buffer, address, Length, cb, null!)));
            Assert.True(File.Exists(Path.Combine(dir.Data, "dev.log.1")));
            data.Clear();
            Assert.Equal((0u, (uint)Length), Io(cb => device.ReadAsync(address, (IntPtr)buffer, Length, cb, null!)));
            for (int i = 0; i < Length; i++) Assert.Equal((byte)(i * 7), data[i]);
            // Reading past the end of the segment file stops short at its end.
            Assert.Equal((0u, (uint)DirectLogDevice.Alignment), Io(cb => device.ReadAsync(address + 2 * DirectLogDevice.Alignment, (IntPtr)buffer, Length, cb, null!)));

            // A write from an unaligned buffer goes through an aligned copy; an unaligned offset or length is refused.
            // Reads (buffered) take any buffer.
            var odd = new Span<byte>(buffer + 8, DirectLogDevice.Alignment);
            odd.Fill(0x5a);
            Assert.Equal((0u, (uint)DirectLogDevice.Alignment), Io(cb => device.WriteAsync((IntPtr)(buffer + 8), address, DirectLogDevice.Alignment, cb, null!)));
            odd.Clear();
            Assert.Equal((0u, (uint)DirectLogDevice.Alignment), Io(cb => device.ReadAsync(address, (IntPtr)(buffer + 8), DirectLogDevice.Alignment, cb, null!)));
            Assert.True(odd.IndexOfAnyExcept((byte)0x5a) < 0);
            Assert.Throws<InvalidOperationException>(() => device.WriteAsync((IntPtr)buffer, address + 512, DirectLogDevice.Alignment, (_, _, _) => { }, null!));
            Assert.Throws<InvalidOperationException>(() => device.WriteAsync((IntPtr)buffer, address, 100, (_, _, _) => { }, null!));

            device.RemoveSegment(1);
            Assert.False(File.Exists(Path.Combine(dir.Data, "dev.log.1")));
        }
        finally { NativeMemory.AlignedFree(buffer); }
    }

    private static (uint Error, uint Bytes) Io(Action<DeviceIOCompletionCallback> start)
    {
        var done = new TaskCompletionSource<(uint, uint)>();
        start((error, bytes, _) => done.SetResult((error, bytes)));
        Assert.True(done.Task.Wait(TimeSpan.FromSeconds(30)), "the I/O did not complete");
        return done.Task.Result;
    }

    /// <summary>Generation 0 writes 1,000 records of 4 KB, 5 a commit; each later one rewrites the even ids.</summary>
    private static void PutGeneration(FasterObjectStore store, int generation)
    {
        for (int i = 0; i < Ids; i += 5)
        {
            var batch = new List<ObjectWrite>();
            for (int j = i; j < i + 5; j++)
                if (generation == 0 || j % 2 == 0)
                    batch.Add(new ObjectWrite($"r{j}", generation, Body(j, generation), []));
            Assert.Equal(CommitStatus.Committed, store.Commit(batch));
        }
    }

    private static void CheckGeneration(FasterObjectStore store, int generation)
    {
        for (int j = 0; j < Ids; j++)
        {
            int g = j % 2 == 0 ? generation : 0;
            Assert.True(store.TryRead($"r{j}", out var r), $"r{j} missing");
            Assert.Equal(g + 1, r.Version);
            Assert.True(r.Body.Span.SequenceEqual(Body(j, g)), $"r{j} has the wrong body");
        }
    }

    private static byte[] Body(int id, int generation)
    {
        var body = new byte[4_000];
        for (int i = 0; i < body.Length; i++) body[i] = (byte)(id * 31 + generation * 17 + i);
        return body;
    }

    /// <summary>The open flags of this process's descriptors on <paramref name="path"/>, from /proc/self/fdinfo.</summary>
    private static List<int> OpenFlags(string path)
    {
        var all = new List<int>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
            if (target != path) continue;
            foreach (var line in File.ReadLines("/proc/self/fdinfo/" + Path.GetFileName(fd)))
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                    all.Add(Convert.ToInt32(line["flags:".Length..].Trim(), 8));
        }
        return all.Count > 0 ? all : throw new InvalidOperationException($"{path} is not open in this process");
    }
}
