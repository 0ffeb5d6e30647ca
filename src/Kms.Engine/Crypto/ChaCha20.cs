using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>
/// The ChaCha20 stream cipher (RFC 8439 §2.3–§2.4), which the BCL offers only inside ChaCha20-Poly1305 and only with
/// a 16-byte tag. The IV/Counter/Nonce comes in three forms:
/// 8 bytes: the original ChaCha20 (64-bit block counter in words 12–13, 64-bit nonce in words 14–15, RFC 8439 §1
/// "the original"), as OASIS CS-BC-M-CHACHA20-1/-2/-3 use;
/// 12 bytes: RFC 8439 (32-bit block counter from <c>initialCounter</c>, 96-bit nonce);
/// 16 bytes: OpenSSL's EVP_chacha20 form (a 32-bit little-endian block counter, then the 96-bit nonce).
/// The key schedule is rebuilt from the key at each call, so a multi-part caller keeps only a byte position.
/// </summary>
internal static class ChaCha20
{
    /// <summary>Whether <paramref name="ivLength"/> is one of the nonce forms above.</summary>
    public static bool IsNonceLength(int ivLength) => ivLength is 8 or 12 or 16;

    /// <summary>
    /// XORs the keystream that starts <paramref name="offset"/> bytes after block <paramref name="initialCounter"/>
    /// (ignored for the 16-byte form, which carries its own counter) into <paramref name="output"/>.
    /// A 32-bit counter that would wrap is <see cref="CryptoFailureReason.BadParameters"/> (RFC 8439 §2.4: at most 256 GiB per nonce).
    /// </summary>
    public static void Xor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, uint initialCounter, long offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (key.Length != 32) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "ChaCha20 needs a 256-bit key.");
        if (!IsNonceLength(iv.Length)) CryptoFailure.Throw(iv.IsEmpty ? CryptoFailureReason.MissingIv : CryptoFailureReason.BadParameters, "ChaCha20 needs an 8, 12 or 16-byte nonce.");
        Span<uint> state = stackalloc uint[16];
        Span<byte> stream = stackalloc byte[64];
        state[0] = 0x61707865; state[1] = 0x3320646e; state[2] = 0x79622d32; state[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) state[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        bool wide = iv.Length == 8;
        ulong counter = iv.Length == 16 ? BinaryPrimitives.ReadUInt32LittleEndian(iv) : initialCounter;
        var nonce = iv.Length == 16 ? iv[4..] : iv;
        for (int i = 0; i < nonce.Length / 4; i++) state[16 - nonce.Length / 4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[(4 * i)..]);
        counter += (ulong)(offset / 64);
        int skip = (int)(offset % 64);
        int done = 0;
        try
        {
            while (done < input.Length)
            {
                if (!wide && counter > uint.MaxValue) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "ChaCha20 block counter exhausted.");
                state[12] = (uint)counter;
                if (wide) state[13] = (uint)(counter >> 32);
                Block(state, stream);
                int take = Math.Min(64 - skip, input.Length - done);
                for (int i = 0; i < take; i++) output[done + i] = (byte)(input[done + i] ^ stream[skip + i]);
                done += take;
                skip = 0;
                counter++;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshalBytes(state));
            CryptographicOperations.ZeroMemory(stream);
        }
    }

    private static Span<byte> MemoryMarshalBytes(Span<uint> s) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(s);

    /// <summary>The ChaCha20 block function (RFC 8439 §2.3): 20 rounds, then the input added, serialised little-endian.</summary>
    private static void Block(ReadOnlySpan<uint> input, Span<byte> output)
    {
        Span<uint> x = stackalloc uint[16];
        input.CopyTo(x);
        for (int i = 0; i < 10; i++)
        {
            Quarter(x, 0, 4, 8, 12); Quarter(x, 1, 5, 9, 13); Quarter(x, 2, 6, 10, 14); Quarter(x, 3, 7, 11, 15);
            Quarter(x, 0, 5, 10, 15); Quarter(x, 1, 6, 11, 12); Quarter(x, 2, 7, 8, 13); Quarter(x, 3, 4, 9, 14);
        }
        for (int i = 0; i < 16; i++) BinaryPrimitives.WriteUInt32LittleEndian(output[(4 * i)..], x[i] + input[i]);
        CryptographicOperations.ZeroMemory(MemoryMarshalBytes(x));
    }

    private static void Quarter(Span<uint> x, int a, int b, int c, int d)
    {
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 7);
    }
}
