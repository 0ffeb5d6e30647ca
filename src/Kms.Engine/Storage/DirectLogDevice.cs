using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Kms.Engine.Storage;

/// <summary>
/// FasterKV hybrid-log device for Linux that opens its segment files (<c>name.0</c>, <c>name.1</c>, … as FASTER's
/// own devices name them) with <c>O_DIRECT|O_DSYNC</c>: a completed write is on stable storage, as with the
/// <c>O_SYNC</c> files of <see cref="Devices.CreateLogDevice"/>, but the bytes go from FASTER's page buffers to the
/// disk without being copied into the page cache first. Reads of records evicted from FasterKV's memory go through a
/// second, buffered descriptor, so the page cache still serves the records that are read again (a 4 KiB read from the
/// cache takes ~2 µs here, from the disk ~50 µs); a direct write drops any cached copy of the range it writes.
/// </summary>
/// <remarks>
/// <c>O_DIRECT</c> needs the buffer address, the file offset and the length aligned to the logical block size.
/// FasterKV aligns the offset and length of every device I/O to <see cref="IDevice.SectorSize"/> (it was built for
/// unbuffered Windows I/O), so the device reports <see cref="Alignment"/> (4 KiB, a multiple of every block size in
/// use) and refuses an unaligned write with an exception that says so. The hybrid log's page buffers are
/// sector-aligned as well; the one kind of buffer that is not (the overflow-bucket pages of an index checkpoint, see
/// <see cref="DirectCheckpointDeviceFactory"/>) goes through an aligned copy. Each I/O runs on the thread pool and
/// completes through FASTER's callback, as with FASTER's managed device, so the thread that started it (the commit
/// loop, for page flushes) does not wait for the disk.
/// <see cref="TryCreate"/> returns null where direct I/O is not available (not 64-bit Linux, or a file system that
/// refuses <c>O_DIRECT</c>, such as tmpfs before Linux 6.6); the caller then uses FASTER's own device.
/// </remarks>
internal sealed partial class DirectLogDevice : StorageDeviceBase
{
    /// <summary>Sector size reported to FasterKV, and the alignment of every I/O.</summary>
    internal const int Alignment = 4096;

    private const int ORdWr = 0x2, OCreat = 0x40, ODsync = 0x1000, OCloexec = 0x80000;
    private const int EInval = 22;

    private readonly int _oDirect;
    private readonly ConcurrentDictionary<int, (SafeFileHandle Write, SafeFileHandle Read)> _segments = new();
    private readonly Lock _openLock = new();
    private int _pending;
    private bool _disposed;

    private DirectLogDevice(string fileName, int oDirect)
        : base(fileName, Alignment, Devices.CAPACITY_UNSPECIFIED)
    {
        _oDirect = oDirect;
    }

    /// <summary>
    /// A direct device for the segment files <c><paramref name="fileName"/>.N</c>, or null if this platform or the
    /// file system of its folder has no <c>O_DIRECT</c> (probed once with an aligned synchronous write).
    /// </summary>
    internal static DirectLogDevice? TryCreate(string fileName)
    {
        int oDirect = ODirectFlag();
        if (oDirect == 0) return null;
        string probe = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(fileName))!, "direct-io.probe");
        try
        {
            SafeFileHandle? handle = OpenDirect(probe, oDirect, throwOnError: false);
            if (handle is null) return null;
            using (handle)
            using (var block = new AlignedBuffer(Alignment))
            {
                try { RandomAccess.Write(handle, block.Span, 0); }
                catch (IOException) { return null; } // O_DIRECT accepted by open but not by write (some FUSE file systems)
            }
        }
        finally { File.Delete(probe); }
        return new DirectLogDevice(fileName, oDirect);
    }

    /// <summary>O_DIRECT's value for this process's architecture on 64-bit Linux (where O_LARGEFILE is implied), else 0.</summary>
    internal static int ODirectFlag()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 0x4000,
            Architecture.Arm64 => 0x10000,
            _ => 0,
        };
    }

    /// <summary>
    /// Opens (creating if needed) <paramref name="path"/> with O_RDWR|O_DIRECT|O_DSYNC; null where the file system
    /// refuses O_DIRECT (EINVAL) unless <paramref name="throwOnError"/>. <paramref name="oDirect"/>: <see cref="ODirectFlag"/>.
    /// </summary>
    internal static SafeFileHandle? OpenDirect(string path, int oDirect, bool throwOnError)
    {
        int fd = Open(path, ORdWr | OCreat | ODsync | OCloexec | oDirect, 0b110_100_000 /* 0640 */);
        if (fd >= 0) return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        if (!throwOnError && errno == EInval) return null;
        throw new IOException($"Cannot open '{path}' for direct I/O (errno {errno}).");
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    /// <summary>The segment file's direct (O_DIRECT|O_DSYNC, read-write) and buffered (read-only) descriptors, opened on first use.</summary>
    private (SafeFileHandle Write, SafeFileHandle Read) Segment(int segment)
    {
        if (_segments.TryGetValue(segment, out var files)) return files;
        lock (_openLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_segments.TryGetValue(segment, out files)) return files;
            string path = SegmentPath(segment);
            var write = OpenDirect(path, _oDirect, throwOnError: true)!;
            int fd = Open(path, OCloexec /* | O_RDONLY (0) */, 0);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                write.Dispose();
                throw new IOException($"Cannot open '{path}' for reading (errno {errno}).");
            }
            files = (write, new SafeFileHandle((IntPtr)fd, ownsHandle: true));
            _segments[segment] = files;
            return files;
        }
    }

    private string SegmentPath(int segment) => FileName + "." + segment.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite,
        DeviceIOCompletionCallback callback, object context)
    {
        if ((destinationAddress | numBytesToWrite) % Alignment != 0)
            throw new InvalidOperationException(
                $"FasterKV asked for an unaligned direct write (offset {destinationAddress}, length {numBytesToWrite}; alignment {Alignment}).");
        var handle = Segment(segmentId).Write;
        Interlocked.Increment(ref _pending);
        ThreadPool.UnsafeQueueUserWorkItem(new Request(this, handle, write: true, sourceAddress, destinationAddress, numBytesToWrite, callback, context), preferLocal: false);
    }

    /// <inheritdoc/>
    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength,
        DeviceIOCompletionCallback callback, object context)
    {
        var handle = Segment(segmentId).Read;
        Interlocked.Increment(ref _pending);
        ThreadPool.UnsafeQueueUserWorkItem(new Request(this, handle, write: false, destinationAddress, sourceAddress, readLength, callback, context), preferLocal: false);
    }

    /// <summary>
    /// One read or write: runs pread/pwrite to completion, then calls FASTER back (error 0 and the byte count on
    /// success). A direct write from a buffer that is not aligned (FasterKV's overflow-bucket pages in an index
    /// checkpoint) goes through an aligned copy; the hybrid log's page buffers are always aligned.
    /// </summary>
    private sealed class Request(DirectLogDevice device, SafeFileHandle file, bool write, IntPtr buffer, ulong offset, uint length,
        DeviceIOCompletionCallback callback, object context) : IThreadPoolWorkItem
    {
        public unsafe void Execute()
        {
            uint error = 0, done = 0;
            using var bounce = write && (ulong)buffer % Alignment != 0 ? new AlignedBuffer((int)length) : null;
            try
            {
                var span = bounce is not null ? bounce.Span : new Span<byte>((void*)buffer, (int)length);
                if (write)
                {
                    if (bounce is not null) new ReadOnlySpan<byte>((void*)buffer, (int)length).CopyTo(span);
                    RandomAccess.Write(file, span, (long)offset);
                    done = length;
                }
                else
                {
                    // A read stops short only at the end of the file (the tail of the last segment).
                    while (done < length)
                    {
                        int n = RandomAccess.Read(file, span[(int)done..], (long)offset + done);
                        if (n == 0) break;
                        done += (uint)n;
                    }
                }
            }
            catch (Exception e)
            {
                error = e is IOException && (e.HResult & 0xFFFF) != 0 ? (uint)(e.HResult & 0xFFFF) : uint.MaxValue;
            }
            Interlocked.Decrement(ref device._pending);
            callback(error, done, context);
        }
    }

    /// <inheritdoc/>
    public override bool Throttle() => Volatile.Read(ref _pending) > ThrottleLimit;

    /// <inheritdoc/>
    public override long GetFileSize(int segment)
    {
        if (segmentSize > 0) return segmentSize;
        return RandomAccess.GetLength(Segment(segment).Read);
    }

    /// <inheritdoc/>
    public override void RemoveSegment(int segment)
    {
        lock (_openLock)
        {
            if (_segments.TryRemove(segment, out var files)) { files.Write.Dispose(); files.Read.Dispose(); }
        }
        File.Delete(SegmentPath(segment));
    }

    /// <inheritdoc/>
    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        RemoveSegment(segment);
        callback(result);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        lock (_openLock)
        {
            _disposed = true;
            foreach (var (write, read) in _segments.Values) { write.Dispose(); read.Dispose(); }
            _segments.Clear();
        }
    }
}

/// <summary>
/// FASTER's local checkpoint files, with the index checkpoint (<c>ht.dat</c>, the whole hash table, the largest file a
/// checkpoint writes) on a <see cref="DirectLogDevice"/> where the file system allows it. Every other file (the small
/// metadata files) stays on FASTER's own device.
/// </summary>
internal sealed class DirectCheckpointDeviceFactory : INamedDeviceFactory
{
    private readonly LocalStorageNamedDeviceFactory _inner = new();
    private string _baseName = "";

    /// <inheritdoc/>
    public void Initialize(string baseName)
    {
        _baseName = baseName;
        _inner.Initialize(baseName);
    }

    /// <inheritdoc/>
    public IDevice Get(FileDescriptor fileInfo)
    {
        if (fileInfo.fileName == "ht.dat")
        {
            string path = Path.Combine(_baseName, fileInfo.directoryName, fileInfo.fileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (DirectLogDevice.TryCreate(path) is { } direct) return direct;
        }
        return _inner.Get(fileInfo);
    }

    /// <inheritdoc/>
    public void Delete(FileDescriptor fileInfo) => _inner.Delete(fileInfo);

    /// <inheritdoc/>
    public IEnumerable<FileDescriptor> ListContents(string path) => _inner.ListContents(path);
}
