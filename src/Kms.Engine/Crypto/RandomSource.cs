using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>
/// RNG Retrieve / RNG Seed (KMIP 2.1 §6.1.45, §6.1.46). Output comes from the OS CSPRNG through
/// <see cref="RandomNumberGenerator"/>; a seed from a client is mixed into nothing the server relies on
/// (OpenSSL's DRBG is seeded by the OS), so RNG Seed accepts and discards it, reporting the amount taken.
/// </summary>
public static class RandomSource
{
    /// <summary>Fills <paramref name="destination"/> with cryptographically strong random bytes.</summary>
    public static void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    /// <summary>Returns <paramref name="length"/> random bytes (bounded by <paramref name="maxLength"/>).</summary>
    public static byte[] Get(int length, int maxLength = 1 << 20)
    {
        if (length <= 0 || length > maxLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Requested random length is out of range.");
        return RandomNumberGenerator.GetBytes(length);
    }

    /// <summary>RNG Seed: the caller's seed is not used to weaken the OS DRBG; returns the number of bytes accepted.</summary>
    public static int Seed(ReadOnlySpan<byte> seed) => seed.Length;
}
