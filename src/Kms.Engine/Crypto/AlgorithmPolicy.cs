using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>What a primitive is about to do with an algorithm; the unit the policy decides on.</summary>
public enum CryptoUse
{
    /// <summary>Create / Create Key Pair / Re-Key.</summary>
    Generate,
    /// <summary>Register / Import of existing key material.</summary>
    Import,
    /// <summary>Encrypt.</summary>
    Encrypt,
    /// <summary>Decrypt.</summary>
    Decrypt,
    /// <summary>Sign.</summary>
    Sign,
    /// <summary>Signature Verify (legacy sizes may still be verified).</summary>
    Verify,
    /// <summary>MAC.</summary>
    Mac,
    /// <summary>MAC Verify.</summary>
    MacVerify,
    /// <summary>Wrap a key (Get/Export with Key Wrapping Specification).</summary>
    Wrap,
    /// <summary>Unwrap a key (Register/Import of wrapped key material).</summary>
    Unwrap,
    /// <summary>Derive Key.</summary>
    Derive,
    /// <summary>Hash.</summary>
    Hash,
}

/// <summary>The policy's mode.</summary>
public enum AlgorithmPolicyMode
{
    /// <summary>Everything implemented, minus the legacy algorithms that are off unless enabled.</summary>
    Default,
    /// <summary>Only FIPS 140-3 approved algorithms and sizes (SP 800-131A Rev. 2, SP 800-140C, FIPS 186-5, FIPS 203/204/205).</summary>
    Fips,
}

/// <summary>One request to use an algorithm. Zero fields mean "not applicable".</summary>
/// <param name="Use">What is done.</param>
/// <param name="Algorithm">KMIP Cryptographic Algorithm of the key (or of the hash/MAC).</param>
/// <param name="Bits">Key length in bits (RSA modulus, AES key, HMAC key, EC field size).</param>
/// <param name="Curve">Recommended Curve for EC keys.</param>
/// <param name="Mode">Block Cipher Mode.</param>
/// <param name="Padding">Padding Method.</param>
/// <param name="Hash">Hashing Algorithm (signature digest, OAEP hash, KDF PRF, Hash operation).</param>
public readonly record struct AlgorithmUse(
    CryptoUse Use,
    CryptographicAlgorithm Algorithm,
    int Bits = 0,
    RecommendedCurve Curve = 0,
    BlockCipherMode Mode = 0,
    PaddingMethod Padding = 0,
    HashingAlgorithm Hash = 0);

/// <summary>
/// Decides, before any work is done, whether an algorithm use is allowed. Default mode allows everything
/// this layer implements except 3DES and RSA PKCS#1 v1.5 encryption (each behind its own switch); FIPS
/// mode allows only approved algorithms and sizes; an optional allowlist further restricts algorithms.
/// A denial is a <see cref="CryptoFailure"/> with <see cref="CryptoFailureReason.PolicyDenied"/> and a
/// message naming the rule (never key material). Immutable and thread-safe.
/// </summary>
public sealed class AlgorithmPolicy
{
    /// <summary>Default mode, no allowlist, legacy algorithms off.</summary>
    public static AlgorithmPolicy Default { get; } = new(AlgorithmPolicyMode.Default);

    /// <summary>FIPS mode, no allowlist.</summary>
    public static AlgorithmPolicy Fips { get; } = new(AlgorithmPolicyMode.Fips);

    private readonly HashSet<CryptographicAlgorithm>? _allowed;

    /// <summary>Creates a policy.</summary>
    /// <param name="mode">Default or FIPS.</param>
    /// <param name="allowedAlgorithms">If not null, only these algorithms (KMIP names such as "AES", "RSA",
    /// "EC", "Ed25519", "HMAC_SHA256", or "ML-KEM-768") are allowed, on top of the mode's rules.</param>
    /// <param name="allowTripleDes">Allow 3DES in default mode (never in FIPS mode).</param>
    /// <param name="allowRsaPkcs1V15Encryption">Allow RSA PKCS#1 v1.5 encryption and key wrap in default mode (never in FIPS mode).</param>
    public AlgorithmPolicy(AlgorithmPolicyMode mode, IEnumerable<string>? allowedAlgorithms = null,
        bool allowTripleDes = false, bool allowRsaPkcs1V15Encryption = false)
    {
        Mode = mode;
        AllowTripleDes = allowTripleDes && mode == AlgorithmPolicyMode.Default;
        AllowRsaPkcs1V15Encryption = allowRsaPkcs1V15Encryption && mode == AlgorithmPolicyMode.Default;
        if (allowedAlgorithms is not null)
        {
            _allowed = [];
            foreach (var name in allowedAlgorithms)
                _allowed.Add(ParseAlgorithm(name) ?? throw new ArgumentException($"Unknown algorithm name in allowlist: '{name}'.", nameof(allowedAlgorithms)));
        }
    }

    /// <summary>The mode.</summary>
    public AlgorithmPolicyMode Mode { get; }

    /// <summary>Whether 3DES is allowed.</summary>
    public bool AllowTripleDes { get; }

    /// <summary>Whether RSA PKCS#1 v1.5 encryption is allowed.</summary>
    public bool AllowRsaPkcs1V15Encryption { get; }

    /// <summary>Throws <see cref="CryptoFailure"/> (PolicyDenied) if <paramref name="use"/> is not allowed.</summary>
    public void Check(in AlgorithmUse use)
    {
        var denial = Evaluate(use);
        if (denial is not null) CryptoFailure.Throw(CryptoFailureReason.PolicyDenied, denial);
    }

    /// <summary>True if allowed; otherwise false and a safe explanation.</summary>
    public bool IsAllowed(in AlgorithmUse use, out string? denial)
    {
        denial = Evaluate(use);
        return denial is null;
    }

    private string? Evaluate(in AlgorithmUse u)
    {
        bool fips = Mode == AlgorithmPolicyMode.Fips;
        var a = u.Algorithm;
        if (_allowed is not null && a != 0 && !_allowed.Contains(a))
            return $"Algorithm {KmsAlgorithms.Name(a)} is not in the server's allowlist.";

        switch (a)
        {
            case CryptographicAlgorithm.DES3:
                if (!AllowTripleDes) return fips ? "3DES is not FIPS-approved." : "3DES is disabled by the server's algorithm policy.";
                break;
            case CryptographicAlgorithm.DES or CryptographicAlgorithm.RC2 or CryptographicAlgorithm.RC4 or CryptographicAlgorithm.HMAC_MD5:
                return $"Algorithm {a} is disabled by the server's algorithm policy.";
            case CryptographicAlgorithm.AES:
                if (u.Bits is not (0 or 128 or 192 or 256) && !(u.Mode == BlockCipherMode.XTS && u.Bits is 512))
                    return "AES key length must be 128, 192 or 256 bits.";
                if (fips && u.Mode == BlockCipherMode.XTS && u.Bits is not (0 or 256 or 512))
                    return "FIPS mode: AES-XTS requires a 256- or 512-bit double key.";
                break;
            case CryptographicAlgorithm.ChaCha20 or CryptographicAlgorithm.ChaCha20Poly1305 or CryptographicAlgorithm.Poly1305:
                if (fips) return "FIPS mode: ChaCha20 and Poly1305 are not approved.";
                break;
            case CryptographicAlgorithm.RSA:
                int min = u.Use == CryptoUse.Verify ? 1024 : 2048;
                if (u.Bits != 0 && u.Bits < min) return $"RSA keys shorter than {min} bits are not allowed for this use.";
                if (u.Padding == PaddingMethod.PKCS1V1_5 && u.Use is CryptoUse.Encrypt or CryptoUse.Decrypt or CryptoUse.Wrap or CryptoUse.Unwrap && !AllowRsaPkcs1V15Encryption)
                    return fips ? "FIPS mode: RSA PKCS#1 v1.5 encryption is not approved." : "RSA PKCS#1 v1.5 encryption is disabled by the server's algorithm policy.";
                break;
            case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDSA or CryptographicAlgorithm.ECDH:
                if (fips && u.Curve is not (0 or RecommendedCurve.P_256 or RecommendedCurve.P_384 or RecommendedCurve.P_521))
                    return "FIPS mode: only curves P-256, P-384 and P-521 are approved.";
                break;
        }

        if (a is >= CryptographicAlgorithm.HMAC_SHA1 and <= CryptographicAlgorithm.HMAC_SHA512 or >= CryptographicAlgorithm.HMAC_SHA3_224 and <= CryptographicAlgorithm.HMAC_SHA3_512)
        {
            if (fips && u.Bits != 0 && u.Bits < 112 && u.Use is CryptoUse.Generate or CryptoUse.Mac)
                return "FIPS mode: HMAC keys shorter than 112 bits are not approved.";
        }

        switch (u.Hash)
        {
            case 0: break;
            case HashingAlgorithm.MD2 or HashingAlgorithm.MD4 or HashingAlgorithm.MD5 or HashingAlgorithm.RIPEMD_160 or HashingAlgorithm.Tiger or HashingAlgorithm.Whirlpool:
                return $"Hashing algorithm {u.Hash} is disabled by the server's algorithm policy.";
            case HashingAlgorithm.SHA_1:
                if (fips && u.Use is CryptoUse.Sign) return "FIPS mode: SHA-1 is not approved for signature generation.";
                break;
        }

        switch (u.Mode)
        {
            case 0 or BlockCipherMode.CBC or BlockCipherMode.ECB or BlockCipherMode.CTR or BlockCipherMode.GCM or BlockCipherMode.CCM
                or BlockCipherMode.XTS or BlockCipherMode.NISTKeyWrap or BlockCipherMode.AESKeyWrapPadding or BlockCipherMode.CMAC or BlockCipherMode.AEAD:
                break;
            default:
                if (fips) return $"FIPS mode: block cipher mode {u.Mode} is not approved.";
                break;
        }
        return null;
    }

    /// <summary>Parses an allowlist name: a KMIP enumeration name ("AES", "HMAC_SHA256", "Ed25519") or an extension name ("ML-DSA-65").</summary>
    public static CryptographicAlgorithm? ParseAlgorithm(string name)
    {
        if (Enum.TryParse<CryptographicAlgorithm>(name, ignoreCase: true, out var a) && Enum.IsDefined(a)) return a;
        foreach (var ext in s_extensions)
            if (string.Equals(KmsAlgorithms.Name(ext), name, StringComparison.OrdinalIgnoreCase)) return ext;
        return null;
    }

    private static readonly CryptographicAlgorithm[] s_extensions =
    [
        KmsAlgorithms.MlKem512, KmsAlgorithms.MlKem768, KmsAlgorithms.MlKem1024,
        KmsAlgorithms.MlDsa44, KmsAlgorithms.MlDsa65, KmsAlgorithms.MlDsa87,
        KmsAlgorithms.SlhDsaSha2_128s, KmsAlgorithms.SlhDsaSha2_128f, KmsAlgorithms.SlhDsaShake_128f,
        KmsAlgorithms.SlhDsaSha2_192f, KmsAlgorithms.SlhDsaSha2_256f,
    ];
}
