using System.Runtime.InteropServices;

namespace Kms.Engine.Storage;

/// <summary>
/// Native memory aligned to <see cref="DirectLogDevice.Alignment"/>, as direct I/O requires of its buffers (the log's
/// group buffer, the device's probe block and its copies of unaligned pages); zeroed when made, when it grows and when
/// freed (empty afterwards, so a use after disposal fails on a bounds check rather than on a freed pointer).
/// </summary>
internal sealed unsafe class AlignedBuffer(int length) : IDisposable
{
    private byte* _pointer = Allocate(length);

    public int Length { get; private set; } = length;

    public Span<byte> Span => new(_pointer, Length);

    /// <summary>Grows to <paramref name="length"/> bytes, keeping the first <paramref name="keep"/>.</summary>
    public void Grow(int length, int keep)
    {
        byte* larger = Allocate(length);
        Span[..keep].CopyTo(new Span<byte>(larger, length));
        Free();
        _pointer = larger;
        Length = length;
    }

    private static byte* Allocate(int length)
    {
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1), DirectLogDevice.Alignment);
        new Span<byte>(p, length).Clear();
        return p;
    }

    private void Free()
    {
        if (_pointer is null) return;
        Span.Clear();
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
        Length = 0;
    }

    public void Dispose() => Free();
}
