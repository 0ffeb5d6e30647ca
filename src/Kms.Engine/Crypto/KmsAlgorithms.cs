using System.Security.Cryptography;
using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>
/// Vendor-extension <see cref="CryptographicAlgorithm"/> values for post-quantum algorithms, which KMIP 2.1
/// does not define. KMIP 2.1 §9.1.1.6: enumeration values with 8 as the first nibble are extensions.
/// One value per parameter set, so that Cryptographic Algorithm alone names the key kind.
/// </summary>
public static class KmsAlgorithms
{
    /// <summary>ML-KEM-512 (FIPS 203).</summary>
    public const CryptographicAlgorithm MlKem512 = (CryptographicAlgorithm)0x8000_0001;
    /// <summary>ML-KEM-768 (FIPS 203).</summary>
    public const CryptographicAlgorithm MlKem768 = (CryptographicAlgorithm)0x8000_0002;
    /// <summary>ML-KEM-1024 (FIPS 203).</summary>
    public const CryptographicAlgorithm MlKem1024 = (CryptographicAlgorithm)0x8000_0003;
    /// <summary>ML-DSA-44 (FIPS 204).</summary>
    public const CryptographicAlgorithm MlDsa44 = (CryptographicAlgorithm)0x8000_0011;
    /// <summary>ML-DSA-65 (FIPS 204).</summary>
    public const CryptographicAlgorithm MlDsa65 = (CryptographicAlgorithm)0x8000_0012;
    /// <summary>ML-DSA-87 (FIPS 204).</summary>
    public const CryptographicAlgorithm MlDsa87 = (CryptographicAlgorithm)0x8000_0013;
    /// <summary>SLH-DSA-SHA2-128s (FIPS 205).</summary>
    public const CryptographicAlgorithm SlhDsaSha2_128s = (CryptographicAlgorithm)0x8000_0021;
    /// <summary>SLH-DSA-SHA2-128f (FIPS 205).</summary>
    public const CryptographicAlgorithm SlhDsaSha2_128f = (CryptographicAlgorithm)0x8000_0022;
    /// <summary>SLH-DSA-SHAKE-128f (FIPS 205).</summary>
    public const CryptographicAlgorithm SlhDsaShake_128f = (CryptographicAlgorithm)0x8000_0023;
    /// <summary>SLH-DSA-SHA2-192f (FIPS 205).</summary>
    public const CryptographicAlgorithm SlhDsaSha2_192f = (CryptographicAlgorithm)0x8000_0024;
    /// <summary>SLH-DSA-SHA2-256f (FIPS 205).</summary>
    public const CryptographicAlgorithm SlhDsaSha2_256f = (CryptographicAlgorithm)0x8000_0025;

    /// <summary>True for the ML-KEM extension values.</summary>
    public static bool IsMlKem(CryptographicAlgorithm a) => a is MlKem512 or MlKem768 or MlKem1024;
    /// <summary>True for the ML-DSA extension values.</summary>
    public static bool IsMlDsa(CryptographicAlgorithm a) => a is MlDsa44 or MlDsa65 or MlDsa87;
    /// <summary>True for the SLH-DSA extension values.</summary>
    public static bool IsSlhDsa(CryptographicAlgorithm a) => a is SlhDsaSha2_128s or SlhDsaSha2_128f or SlhDsaShake_128f or SlhDsaSha2_192f or SlhDsaSha2_256f;

    /// <summary>The display name used in the policy allowlist and in messages.</summary>
    public static string Name(CryptographicAlgorithm a) => a switch
    {
        MlKem512 => "ML-KEM-512",
        MlKem768 => "ML-KEM-768",
        MlKem1024 => "ML-KEM-1024",
        MlDsa44 => "ML-DSA-44",
        MlDsa65 => "ML-DSA-65",
        MlDsa87 => "ML-DSA-87",
        SlhDsaSha2_128s => "SLH-DSA-SHA2-128s",
        SlhDsaSha2_128f => "SLH-DSA-SHA2-128f",
        SlhDsaShake_128f => "SLH-DSA-SHAKE-128f",
        SlhDsaSha2_192f => "SLH-DSA-SHA2-192f",
        SlhDsaSha2_256f => "SLH-DSA-SHA2-256f",
        _ => Enum.IsDefined(a) ? a.ToString() : "0x" + ((uint)a).ToString("X8"),
    };

    /// <summary>Output length in bytes of a KMIP hashing algorithm, or 0 if unsupported.</summary>
    public static int HashLength(HashingAlgorithm h) => h switch
    {
        HashingAlgorithm.SHA_1 => 20,
        HashingAlgorithm.SHA_224 or HashingAlgorithm.SHA3_224 or HashingAlgorithm.SHA_512_224 => 28,
        HashingAlgorithm.SHA_256 or HashingAlgorithm.SHA3_256 or HashingAlgorithm.SHA_512_256 => 32,
        HashingAlgorithm.SHA_384 or HashingAlgorithm.SHA3_384 => 48,
        HashingAlgorithm.SHA_512 or HashingAlgorithm.SHA3_512 => 64,
        _ => 0,
    };

    /// <summary>The BCL name of a hash that the BCL implements here (SHA-1, SHA-2 256/384/512, SHA-3).</summary>
    internal static bool TryBclHash(HashingAlgorithm h, out HashAlgorithmName name)
    {
        name = h switch
        {
            HashingAlgorithm.SHA_1 => HashAlgorithmName.SHA1,
            HashingAlgorithm.SHA_256 => HashAlgorithmName.SHA256,
            HashingAlgorithm.SHA_384 => HashAlgorithmName.SHA384,
            HashingAlgorithm.SHA_512 => HashAlgorithmName.SHA512,
            HashingAlgorithm.SHA3_256 => HashAlgorithmName.SHA3_256,
            HashingAlgorithm.SHA3_384 => HashAlgorithmName.SHA3_384,
            HashingAlgorithm.SHA3_512 => HashAlgorithmName.SHA3_512,
            _ => default,
        };
        return name.Name is not null;
    }

    /// <summary>The BCL hash name, or a <see cref="CryptoFailure"/> (UnsupportedParameters).</summary>
    internal static HashAlgorithmName BclHash(HashingAlgorithm h) =>
        TryBclHash(h, out var n) ? n : CryptoFailure.Throw<HashAlgorithmName>(CryptoFailureReason.UnsupportedParameters, "Hashing algorithm not supported for this operation.");

    /// <summary>The HMAC hash of a KMIP HMAC algorithm.</summary>
    public static HashingAlgorithm HmacHash(CryptographicAlgorithm a) => a switch
    {
        CryptographicAlgorithm.HMAC_SHA1 => HashingAlgorithm.SHA_1,
        CryptographicAlgorithm.HMAC_SHA224 => HashingAlgorithm.SHA_224,
        CryptographicAlgorithm.HMAC_SHA256 => HashingAlgorithm.SHA_256,
        CryptographicAlgorithm.HMAC_SHA384 => HashingAlgorithm.SHA_384,
        CryptographicAlgorithm.HMAC_SHA512 => HashingAlgorithm.SHA_512,
        CryptographicAlgorithm.HMAC_SHA3_224 => HashingAlgorithm.SHA3_224,
        CryptographicAlgorithm.HMAC_SHA3_256 => HashingAlgorithm.SHA3_256,
        CryptographicAlgorithm.HMAC_SHA3_384 => HashingAlgorithm.SHA3_384,
        CryptographicAlgorithm.HMAC_SHA3_512 => HashingAlgorithm.SHA3_512,
        _ => 0,
    };
}
