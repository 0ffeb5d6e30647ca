using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>
/// MAC and MAC Verify (KMIP 2.1 §6.1.30, §6.1.31): HMAC with SHA-1/SHA-2/SHA-3 (algorithm HMAC_*), and
/// AES-CMAC (SP 800-38B; algorithm AES with Block Cipher Mode CMAC). Verification compares in constant time.
/// </summary>
public static class MacCalculator
{
    /// <summary>Length in bytes of the MAC for <paramref name="algorithm"/> (16 for AES-CMAC).</summary>
    public static int MacLength(CryptographicAlgorithm algorithm) =>
        algorithm == CryptographicAlgorithm.AES ? 16 : KmsAlgorithms.HashLength(KmsAlgorithms.HmacHash(algorithm));

    /// <summary>Computes the MAC into <paramref name="mac"/>; returns its length.</summary>
    public static int Compute(AlgorithmPolicy policy, CryptographicAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        Check(policy, CryptoUse.Mac, algorithm, key);
        int len = MacLength(algorithm);
        if (mac.Length < len) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
        return ComputeCore(algorithm, key, data, mac);
    }

    /// <summary>Allocating convenience form.</summary>
    public static byte[] Compute(AlgorithmPolicy policy, CryptographicAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var mac = new byte[Math.Max(MacLength(algorithm), 1)];
        Compute(policy, algorithm, key, data, mac);
        return mac;
    }

    /// <summary>
    /// True if <paramref name="mac"/> is the MAC of <paramref name="data"/>. The comparison is constant-time
    /// (<see cref="CryptographicOperations.FixedTimeEquals"/>); a MAC of a different length is simply invalid.
    /// </summary>
    public static bool Verify(AlgorithmPolicy policy, CryptographicAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> mac)
    {
        Check(policy, CryptoUse.MacVerify, algorithm, key);
        Span<byte> expected = stackalloc byte[64];
        int len = ComputeCore(algorithm, key, data, expected);
        bool ok = mac.Length == len && CryptographicOperations.FixedTimeEquals(expected[..len], mac);
        CryptographicOperations.ZeroMemory(expected);
        return ok;
    }

    private static void Check(AlgorithmPolicy policy, CryptoUse use, CryptographicAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        policy.Check(new AlgorithmUse(use, algorithm, key.Length * 8, Mode: algorithm == CryptographicAlgorithm.AES ? BlockCipherMode.CMAC : 0));
        if (algorithm == CryptographicAlgorithm.AES)
        {
            if (key.Length is not (16 or 24 or 32)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES key must be 16, 24 or 32 bytes.");
        }
        else if (KmsAlgorithms.HmacHash(algorithm) == 0)
            CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "MAC algorithm not supported.");
        else if (key.IsEmpty)
            CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "HMAC key is empty.");
    }

    private static int ComputeCore(CryptographicAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        switch (algorithm)
        {
            case CryptographicAlgorithm.HMAC_SHA1: return HMACSHA1.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA256: return HMACSHA256.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA384: return HMACSHA384.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA512: return HMACSHA512.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA3_256 when HMACSHA3_256.IsSupported: return HMACSHA3_256.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA3_384 when HMACSHA3_384.IsSupported: return HMACSHA3_384.HashData(key, data, mac);
            case CryptographicAlgorithm.HMAC_SHA3_512 when HMACSHA3_512.IsSupported: return HMACSHA3_512.HashData(key, data, mac);
            case CryptographicAlgorithm.AES:
            {
                var keyArr = key.ToArray();
                try
                {
                    var cmac = new CMac(new AesEngine());
                    cmac.Init(new KeyParameter(keyArr));
                    cmac.BlockUpdate(data);
                    return cmac.DoFinal(mac);
                }
                finally { CryptographicOperations.ZeroMemory(keyArr); }
            }
            default:
            {
                var keyArr = key.ToArray();
                try
                {
                    var hmac = new HMac(BcDigests.Create(KmsAlgorithms.HmacHash(algorithm)));
                    hmac.Init(new KeyParameter(keyArr));
                    hmac.BlockUpdate(data);
                    return hmac.DoFinal(mac);
                }
                finally { CryptographicOperations.ZeroMemory(keyArr); }
            }
        }
    }
}
