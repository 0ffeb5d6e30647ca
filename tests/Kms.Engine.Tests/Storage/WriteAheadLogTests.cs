using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

/// <summary>
/// The write-ahead log on its own: groups come back in order across segments and reopenings, a torn last group ends
/// the log without resurfacing later, a damaged group with valid data behind it refuses the open, and bytes that
/// are not a group written at that place (stale spares, copies) are never replayed.
/// </summary>
public sealed class WriteAheadLogTests : IDisposable
{
    private const long Segment = 128 * 1024;
    private readonly string _dir = Directory.CreateTempSubdirectory("kms-wal-").FullName;
    private readonly StoreCrypto _crypto = new(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));

    public void Dispose()
    {
        _crypto.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private WriteAheadLog Open(out List<(string Text, long Address)> replayed, long from = 0, bool mayStartLater = false, bool direct = true, string? dir = null)
    {
        var log = new WriteAheadLog(dir ?? _dir, Segment, _crypto, direct);
        var list = new List<(string, long)>();
        log.Replay(from, mayStartLater, (group, address) => list.Add((Encoding.UTF8.GetString(group), address)));
        replayed = list;
        return log;
    }

    private static long Commit(WriteAheadLog log, string text)
    {
        long address = log.TailAddress;
        log.BeginGroup();
        log.Append(Encoding.UTF8.GetBytes(text));
        log.CommitGroup();
        return address;
    }

    private string SegmentFile(long segment) => Path.Combine(_dir, $"{segment:D12}.seg");

    [Fact]
    public void Groups_come_back_in_order_across_segments_and_reopenings()
    {
        var expected = new List<string>();
        for (int round = 0; round < 3; round++)
        {
            using var log = Open(out var replayed);
            Assert.Equal(expected, replayed.Select(r => r.Text));
            for (int i = 0; i < 40; i++)
            {
                string text = $"r{round}-{i}-" + new string((char)('a' + i % 26), 5000); // 40 × 5 KB: rolls over segments
                Commit(log, text);
                expected.Add(text);
            }
        }
        Assert.True(Directory.GetFiles(_dir, "0*.seg").Length > 3);
    }

    [Fact]
    public void A_torn_last_group_ends_the_log_and_never_resurfaces()
    {
        long torn;
        using (var log = Open(out _))
        {
            Commit(log, "one");
            Commit(log, "two");
            torn = Commit(log, "three-" + new string('x', 3000));
        }
        // A crash in the middle of the last write: its second half never reached the disk.
        using (var f = File.OpenHandle(SegmentFile(0), FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(f, new byte[1500], torn + 2000);

        using (var log = Open(out var replayed))
        {
            Assert.Equal(["one", "two"], replayed.Select(r => r.Text));
            Commit(log, "four");
        }
        using (var log = Open(out var replayed))
            Assert.Equal(["one", "two", "four"], replayed.Select(r => r.Text));
    }

    [Fact]
    public void A_damaged_group_with_valid_groups_behind_it_refuses_the_open()
    {
        long second;
        using (var log = Open(out _))
        {
            Commit(log, "one");
            second = Commit(log, "two-" + new string('y', 200));
            Commit(log, "three");
        }
        using (var f = File.OpenHandle(SegmentFile(0), FileMode.Open, FileAccess.ReadWrite))
        {
            var b = new byte[1];
            RandomAccess.Read(f, b, second + WriteAheadLog.HeaderSize + 40);
            b[0] ^= 1;
            RandomAccess.Write(f, b, second + WriteAheadLog.HeaderSize + 40);
        }
        var ex = Assert.Throws<InvalidOperationException>(() => Open(out _).Dispose());
        Assert.Contains("integrity", ex.Message);
    }

    [Fact]
    public void A_damaged_last_group_of_a_closed_segment_refuses_the_open()
    {
        long last = 0;
        using (var log = Open(out _))
        {
            // Fill segment 0 until the next group no longer fits: the log closes it with a marker and moves on.
            while (log.TailAddress < Segment)
            {
                long before = log.TailAddress;
                Commit(log, new string('q', 20_000));
                if (log.TailAddress <= Segment) last = before; // else the group went to segment 1, behind a marker
            }
        }
        using (var f = File.OpenHandle(SegmentFile(0), FileMode.Open, FileAccess.ReadWrite))
            RandomAccess.Write(f, new byte[] { 0x55 }, last + WriteAheadLog.HeaderSize + 100);
        var ex = Assert.Throws<InvalidOperationException>(() => Open(out _).Dispose());
        Assert.Contains("integrity", ex.Message);
    }

    [Fact]
    public void A_group_copied_to_another_place_is_not_replayed()
    {
        long first, second;
        using (var log = Open(out _))
        {
            first = Commit(log, "aaaa");
            second = Commit(log, "bbbb"); // same length: the copy fits exactly
        }
        var bytes = File.ReadAllBytes(SegmentFile(0));
        Array.Copy(bytes, first, bytes, second, second - first);
        File.WriteAllBytes(SegmentFile(0), bytes);
        using var reopened = Open(out var replayed);
        Assert.Equal(["aaaa"], replayed.Select(r => r.Text));
    }

    [Fact]
    public void Truncated_segments_become_spares_whose_old_groups_are_never_replayed()
    {
        long checkpoint;
        using (var log = Open(out _))
        {
            for (int i = 0; i < 60; i++) Commit(log, $"old-{i}-" + new string('o', 5000));
            checkpoint = log.TailAddress;
            log.TruncateUntil(checkpoint);
            Assert.True(log.BeginAddress > 0);
            Assert.NotEmpty(Directory.GetFiles(_dir, "spare-*.seg"));
            for (int i = 0; i < 60; i++) Commit(log, $"new-{i}-" + new string('n', 5000)); // reuses the spares
        }
        using var reopened = Open(out var replayed, from: checkpoint, mayStartLater: true);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"new-{i}-" + new string('n', 5000)), replayed.Select(r => r.Text));
    }

    [Fact]
    public void A_log_truncated_without_a_checkpoint_is_reported_as_damaged()
    {
        using (var log = Open(out _))
        {
            for (int i = 0; i < 60; i++) Commit(log, new string('z', 5000));
        }
        File.Delete(SegmentFile(0));
        var ex = Assert.Throws<InvalidOperationException>(() => Open(out _).Dispose());
        Assert.Contains("damaged", ex.Message);
    }

    [Fact]
    public void Groups_start_on_block_boundaries_and_are_written_direct_where_the_file_system_allows()
    {
        using var log = Open(out _);
        long a = Commit(log, "a");
        long b = Commit(log, new string('b', 5000));
        long c = Commit(log, "c");
        Assert.Equal([0L, WriteAheadLog.Block, 3L * WriteAheadLog.Block], new[] { a, b, c });
        // Disk file systems take O_DIRECT (tmpfs does too since Linux 6.6; FUSE file systems may not).
        if (OperatingSystem.IsLinux() && FileSystemOf(_dir) is "ext4" or "xfs" or "btrfs") Assert.True(log.UsesDirectIo);
        if (!OperatingSystem.IsLinux()) Assert.False(log.UsesDirectIo);
        if (OperatingSystem.IsLinux())
        {
            // The kernel's view of the open segment: O_DIRECT (0x4000 on x64) and O_DSYNC (0x1000) exactly when in use.
            int flags = SegmentOpenFlags(SegmentFile(0));
            Assert.Equal(log.UsesDirectIo, (flags & 0x1000) != 0 && (flags & DirectLogDevice.ODirectFlag()) != 0);
        }
    }

    [Fact]
    public void Direct_and_page_cache_writes_make_one_format()
    {
        var expected = new List<string>();
        foreach (bool direct in new[] { false, true, false, true })
        {
            using var log = Open(out var replayed, direct: direct);
            Assert.Equal(expected, replayed.Select(r => r.Text));
            if (!direct) Assert.False(log.UsesDirectIo);
            for (int i = 0; i < 15; i++)
            {
                string text = $"{direct}-{expected.Count}-" + new string('d', 3000 + 997 * i);
                Commit(log, text);
                expected.Add(text);
            }
        }
    }

    [Fact]
    public void Packed_groups_of_an_earlier_build_replay_and_the_log_continues_behind_them()
    {
        // Three "WAL1" groups packed back to back, as the build before block alignment wrote them.
        Directory.CreateDirectory(_dir);
        var file = new byte[Segment];
        long position = 0;
        var texts = new[] { "old-1", "old-two-" + new string('p', 700), "old-3" };
        foreach (var text in texts)
        {
            byte[] plain = Encoding.UTF8.GetBytes(text);
            int payload = plain.Length + StoreCrypto.Overhead;
            var group = file.AsSpan((int)position, WriteAheadLog.HeaderSize + payload);
            BinaryPrimitives.WriteUInt32LittleEndian(group, 0x314C4157);
            BinaryPrimitives.WriteInt32LittleEndian(group[4..], payload);
            BinaryPrimitives.WriteInt64LittleEndian(group[8..], position);
            var associated = new byte[18];
            "kms/wal/v2"u8.CopyTo(associated);
            BinaryPrimitives.WriteInt64LittleEndian(associated.AsSpan(10), position);
            _crypto.Seal(plain, associated, group[WriteAheadLog.HeaderSize..]);
            position += group.Length;
        }
        File.WriteAllBytes(SegmentFile(0), file);

        using (var log = Open(out var replayed))
        {
            Assert.Equal(texts, replayed.Select(r => r.Text));
            Assert.Equal([0L, 16L + 5 + 44, 2 * 16L + 5 + 2 * 44 + texts[1].Length], replayed.Select(r => r.Address));
            Commit(log, "new-1");
        }
        using (var log = Open(out var replayed))
        {
            Assert.Equal([.. texts, "new-1"], replayed.Select(r => r.Text));
            Commit(log, "new-2");
        }
        using (var log = Open(out var replayed))
            Assert.Equal([.. texts, "new-1", "new-2"], replayed.Select(r => r.Text));
    }

    /// <summary>Type of the file system holding <paramref name="path"/> (longest mount point of /proc/mounts that contains it).</summary>
    private static string FileSystemOf(string path)
    {
        string full = Path.GetFullPath(path);
        return File.ReadAllLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
            .OrderByDescending(f => f[1].Length)
            .First()[2];
    }

    /// <summary>open(2) flags of this process's handle on <paramref name="file"/>, from /proc/self/fdinfo.</summary>
    private static int SegmentOpenFlags(string file)
    {
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try { target = new FileInfo(fd).LinkTarget; } catch (IOException) { continue; }
            if (target != file) continue;
            string line = File.ReadAllLines(Path.Combine("/proc/self/fdinfo", Path.GetFileName(fd))).First(l => l.StartsWith("flags:", StringComparison.Ordinal));
            return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
        }
        throw new InvalidOperationException($"No open handle on {file}.");
    }
}
