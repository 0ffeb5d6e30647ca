using System.Buffers;

namespace Kms.Ttlv.Tests;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a <c>PipeReader</c> hands them out.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="data"/> at the given ascending offsets (empty segments allowed).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        int start = 0;
        Segments? first = null, last = null;
        foreach (int cut in cuts.Append(data.Length))
        {
            var next = new Segments(data.AsMemory(start, cut - start), start);
            if (last is null) first = next;
            else last.Next = next;
            last = next;
            start = cut;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}
