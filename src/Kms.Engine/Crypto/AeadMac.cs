using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kms.Engine.Crypto;

/// <summary>
/// The authenticators of the AEAD modes, one 16-byte block at a time, so a multi-part operation
/// (<see cref="AeadStream"/>) keeps only the accumulator and re-derives the MAC key from the cipher key at each call:
/// GHASH (NIST SP 800-38D §6.3–§6.4, AES-GCM) and Poly1305 (RFC 8439 §2.5, ChaCha20-Poly1305). Both run in
/// constant time: no branch or index depends on the key or the data.
/// </summary>
internal static class AeadMac
{
    /// <summary>GHASH: for each 16-byte block B, X = (X ⊕ B) • H (SP 800-38D Algorithm 2). <paramref name="blocks"/> is a multiple of 16 bytes.</summary>
    public static void Ghash(Span<byte> x, ReadOnlySpan<byte> h, ReadOnlySpan<byte> blocks)
    {
        var hv = BinaryPrimitives.ReadUInt128BigEndian(h);
        var xv = BinaryPrimitives.ReadUInt128BigEndian(x);
        bool clmul = Pclmulqdq.IsSupported && Sse2.IsSupported;
        for (int i = 0; i + 16 <= blocks.Length; i += 16)
        {
            var b = xv ^ BinaryPrimitives.ReadUInt128BigEndian(blocks[i..]);
            xv = clmul ? GfMultiplyClmul(b, hv) : GfMultiply(b, hv);
        }
        BinaryPrimitives.WriteUInt128BigEndian(x, xv);
    }

    /// <summary>Multiplication in GF(2^128) with the GCM bit order (SP 800-38D Algorithm 1), branch-free; the portable path.</summary>
    internal static UInt128 GfMultiply(UInt128 x, UInt128 y)
    {
        UInt128 z = 0, v = y;
        UInt128 r = (UInt128)0xE1 << 120;
        for (int i = 127; i >= 0; i--)
        {
            z ^= v & (UInt128.Zero - ((x >> i) & 1));
            v = (v >> 1) ^ (r & (UInt128.Zero - (v & 1)));
        }
        return z;
    }

    /// <summary>
    /// The same product with carry-less multiplication (Intel, "Carry-Less Multiplication Instruction and its Usage for
    /// Computing the GCM Mode", Algorithm 5: four PCLMULQDQ, a one-bit shift of the 256-bit product for the reflected
    /// bit order, and the reduction modulo x^128 + x^7 + x^2 + x + 1). Operands are the blocks read big-endian, which
    /// is the byte-reflected form the algorithm takes.
    /// </summary>
    internal static UInt128 GfMultiplyClmul(UInt128 x, UInt128 y)
    {
        var a = Vector128.Create((ulong)x, (ulong)(x >> 64));
        var b = Vector128.Create((ulong)y, (ulong)(y >> 64));
        var t3 = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        var t4 = Pclmulqdq.CarrylessMultiply(a, b, 0x10);
        var t5 = Pclmulqdq.CarrylessMultiply(a, b, 0x01);
        var t6 = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        t4 ^= t5;
        t5 = Sse2.ShiftLeftLogical128BitLane(t4, 8);
        t4 = Sse2.ShiftRightLogical128BitLane(t4, 8);
        t3 ^= t5;
        t6 ^= t4;
        var u3 = t3.AsUInt32();
        var u6 = t6.AsUInt32();
        var t7 = Sse2.ShiftRightLogical(u3, 31);
        var t8 = Sse2.ShiftRightLogical(u6, 31);
        u3 = Sse2.ShiftLeftLogical(u3, 1);
        u6 = Sse2.ShiftLeftLogical(u6, 1);
        var t9 = Sse2.ShiftRightLogical128BitLane(t7, 12);
        t8 = Sse2.ShiftLeftLogical128BitLane(t8, 4);
        t7 = Sse2.ShiftLeftLogical128BitLane(t7, 4);
        u3 |= t7;
        u6 |= t8 | t9;
        t7 = Sse2.ShiftLeftLogical(u3, 31) ^ Sse2.ShiftLeftLogical(u3, 30) ^ Sse2.ShiftLeftLogical(u3, 25);
        t8 = Sse2.ShiftRightLogical128BitLane(t7, 4);
        t7 = Sse2.ShiftLeftLogical128BitLane(t7, 12);
        u3 ^= t7;
        var t2 = Sse2.ShiftRightLogical(u3, 1) ^ Sse2.ShiftRightLogical(u3, 2) ^ Sse2.ShiftRightLogical(u3, 7) ^ t8;
        u3 ^= t2;
        u6 ^= u3;
        var r = u6.AsUInt64();
        return new UInt128(r.GetElement(1), r.GetElement(0));
    }

    /// <summary>Size of the Poly1305 accumulator state in bytes (five 26-bit limbs).</summary>
    public const int PolyStateSize = 20;

    /// <summary>
    /// Poly1305 over full 16-byte blocks (each with the 2^128 bit, RFC 8439 §2.5.1): h = (h + n) · r mod 2^130 − 5.
    /// <paramref name="state"/> is the accumulator (<see cref="PolyStateSize"/> bytes, zero at start); <paramref name="key"/>
    /// the 32-byte one-time key (r is clamped here). Limb arithmetic after poly1305-donna (public domain).
    /// </summary>
    public static void Poly1305(Span<byte> state, ReadOnlySpan<byte> key, ReadOnlySpan<byte> blocks)
    {
        var h = MemoryMarshal.Cast<byte, uint>(state);
        uint r0 = Le(key, 0) & 0x3ffffff, r1 = (Le(key, 3) >> 2) & 0x3ffff03, r2 = (Le(key, 6) >> 4) & 0x3ffc0ff;
        uint r3 = (Le(key, 9) >> 6) & 0x3f03fff, r4 = (Le(key, 12) >> 8) & 0x00fffff;
        ulong s1 = r1 * 5UL, s2 = r2 * 5UL, s3 = r3 * 5UL, s4 = r4 * 5UL;
        ulong h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4];
        for (int i = 0; i + 16 <= blocks.Length; i += 16)
        {
            var m = blocks[i..];
            h0 += Le(m, 0) & 0x3ffffff;
            h1 += (Le(m, 3) >> 2) & 0x3ffffff;
            h2 += (Le(m, 6) >> 4) & 0x3ffffff;
            h3 += (Le(m, 9) >> 6) & 0x3ffffff;
            h4 += (Le(m, 12) >> 8) | (1u << 24);
            ulong d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
            ulong d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
            ulong d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
            ulong d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
            ulong d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
            ulong c = d0 >> 26; h0 = d0 & 0x3ffffff;
            d1 += c; c = d1 >> 26; h1 = d1 & 0x3ffffff;
            d2 += c; c = d2 >> 26; h2 = d2 & 0x3ffffff;
            d3 += c; c = d3 >> 26; h3 = d3 & 0x3ffffff;
            d4 += c; c = d4 >> 26; h4 = d4 & 0x3ffffff;
            h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;
            h1 += c;
        }
        h[0] = (uint)h0; h[1] = (uint)h1; h[2] = (uint)h2; h[3] = (uint)h3; h[4] = (uint)h4;
    }

    /// <summary>The Poly1305 tag: the accumulator fully reduced mod 2^130 − 5, plus s (the key's second half), mod 2^128.</summary>
    public static void Poly1305Finish(ReadOnlySpan<byte> state, ReadOnlySpan<byte> key, Span<byte> tag)
    {
        var hs = MemoryMarshal.Cast<byte, uint>(state);
        uint h0 = hs[0], h1 = hs[1], h2 = hs[2], h3 = hs[3], h4 = hs[4];
        uint c = h1 >> 26; h1 &= 0x3ffffff;
        h2 += c; c = h2 >> 26; h2 &= 0x3ffffff;
        h3 += c; c = h3 >> 26; h3 &= 0x3ffffff;
        h4 += c; c = h4 >> 26; h4 &= 0x3ffffff;
        h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;
        h1 += c;
        // g = h + 5 - 2^130; keep g when it does not go negative (h ≥ p).
        uint g0 = h0 + 5; c = g0 >> 26; g0 &= 0x3ffffff;
        uint g1 = h1 + c; c = g1 >> 26; g1 &= 0x3ffffff;
        uint g2 = h2 + c; c = g2 >> 26; g2 &= 0x3ffffff;
        uint g3 = h3 + c; c = g3 >> 26; g3 &= 0x3ffffff;
        uint g4 = h4 + c - (1u << 26);
        uint mask = (g4 >> 31) - 1;
        h0 = (h0 & ~mask) | (g0 & mask); h1 = (h1 & ~mask) | (g1 & mask); h2 = (h2 & ~mask) | (g2 & mask);
        h3 = (h3 & ~mask) | (g3 & mask); h4 = (h4 & ~mask) | (g4 & mask);
        uint w0 = h0 | (h1 << 26), w1 = (h1 >> 6) | (h2 << 20), w2 = (h2 >> 12) | (h3 << 14), w3 = (h3 >> 18) | (h4 << 8);
        ulong f = (ulong)w0 + Le(key, 16); BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)f);
        f = (ulong)w1 + Le(key, 20) + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag[4..], (uint)f);
        f = (ulong)w2 + Le(key, 24) + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag[8..], (uint)f);
        f = (ulong)w3 + Le(key, 28) + (f >> 32); BinaryPrimitives.WriteUInt32LittleEndian(tag[12..], (uint)f);
    }

    private static uint Le(ReadOnlySpan<byte> b, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(b[offset..]);
}
