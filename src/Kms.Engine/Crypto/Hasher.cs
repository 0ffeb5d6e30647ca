using System.Security.Cryptography;
using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>Hash operation (KMIP 2.1 §6.1.28): SHA-1, SHA-2 (224/256/384/512, 512/224, 512/256) and SHA-3.</summary>
public static class Hasher
{
    /// <summary>Hashes <paramref name="data"/> into <paramref name="destination"/>; returns the digest length.</summary>
    public static int Compute(AlgorithmPolicy policy, HashingAlgorithm algorithm, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        policy.Check(new AlgorithmUse(CryptoUse.Hash, 0, Hash: algorithm));
        int len = KmsAlgorithms.HashLength(algorithm);
        if (len == 0) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Hashing algorithm not supported.");
        if (destination.Length < len) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
        switch (algorithm)
        {
            case HashingAlgorithm.SHA_1: return SHA1.HashData(data, destination);
            case HashingAlgorithm.SHA_256: return SHA256.HashData(data, destination);
            case HashingAlgorithm.SHA_384: return SHA384.HashData(data, destination);
            case HashingAlgorithm.SHA_512: return SHA512.HashData(data, destination);
            case HashingAlgorithm.SHA3_256 when SHA3_256.IsSupported: return SHA3_256.HashData(data, destination);
            case HashingAlgorithm.SHA3_384 when SHA3_384.IsSupported: return SHA3_384.HashData(data, destination);
            case HashingAlgorithm.SHA3_512 when SHA3_512.IsSupported: return SHA3_512.HashData(data, destination);
            default:
                var d = BcDigests.Create(algorithm);
                d.BlockUpdate(data);
                return d.DoFinal(destination);
        }
    }

    /// <summary>Allocating convenience form of <see cref="Compute(AlgorithmPolicy, HashingAlgorithm, ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public static byte[] Compute(AlgorithmPolicy policy, HashingAlgorithm algorithm, ReadOnlySpan<byte> data)
    {
        var result = new byte[Math.Max(KmsAlgorithms.HashLength(algorithm), 1)];
        Compute(policy, algorithm, data, result);
        return result;
    }
}
