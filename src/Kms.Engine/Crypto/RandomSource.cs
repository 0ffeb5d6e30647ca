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

    /// <summary>Returns <paramref name="length"/> random bytes (bounded by <paramref name="maxLength"/>).</summary>
    public static byte[] Get(int length, int maxLength = 1 << 20)
    {
        if (length <= 0 || length > maxLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Requested random length is out of range.");
        return RandomNumberGenerator.GetBytes(length);
    }

    /// <summary>RNG Seed: returns the number of seed bytes accepted, which is always 0 (the OS DRBG takes no outside seed).</summary>
    public static int Seed(ReadOnlySpan<byte> seed) => 0;
}
