using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>
/// RNG Retrieve / RNG Seed (KMIP 2.1 §6.1.45, §6.1.46). Output comes from the OS CSPRNG through
/// <see cref="RandomNumberGenerator"/>, which cannot be seeded from outside (OpenSSL's DRBG is seeded by the OS),
/// so RNG Seed takes none of a client's seed and says so: Data Length 0 (KMIP 2.1 §6.1.46 "the amount of seed
/// data accepted"; the behaviour of OASIS CS-RNG-O-3).
/// </summary>
public static class RandomSource
{
    /// <summary>Fills <paramref name="destination"/> with cryptographically strong random bytes.</summary>
    public static void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    private const int NonceBlock = 1024;
    [ThreadStatic] private static byte[]? t_nonces;
    [ThreadStatic] private static int t_nonceOffset;

    /// <summary>
    /// Fills <paramref name="destination"/> with random bytes for a public value such as an IV or nonce (NIST SP 800-38D
    /// §8.2.2, RBG-based construction): the same CSPRNG output as <see cref="Fill"/>, drawn from a per-thread block of
    /// 1 KiB so that the per-call cost of the OS DRBG (its locks and parameter handling, ~0.7 µs on OpenSSL 3) is paid once
    /// per block. Each byte is handed out once and zeroed in the block when taken. Not for key material: a key must not
    /// sit in a buffer before use.
    /// </summary>
    public static void FillNonce(Span<byte> destination)
    {
        if (destination.Length > NonceBlock / 8)
        {
            Fill(destination);
            return;
        }
        var block = t_nonces ??= new byte[NonceBlock];
        int offset = t_nonceOffset;
        if (offset == 0 || offset + destination.Length > NonceBlock)
        {
            Fill(block);
            offset = 0;
        }
        var taken = block.AsSpan(offset, destination.Length);
        taken.CopyTo(destination);
        taken.Clear();
        t_nonceOffset = offset + destination.Length == NonceBlock ? 0 : offset + destination.Length;
    }

    /// <summary>Returns <paramref name="length"/> random bytes (bounded by <paramref name="maxLength"/>).</summary>
    public static byte[] Get(int length, int maxLength = 1 << 20)
    {
        if (length <= 0 || length > maxLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Requested random length is out of range.");
        return RandomNumberGenerator.GetBytes(length);
    }

    /// <summary>RNG Seed: returns the number of seed bytes accepted, which is always 0 (the OS DRBG takes no outside seed).</summary>
    public static int Seed(ReadOnlySpan<byte> seed) => 0;
}
