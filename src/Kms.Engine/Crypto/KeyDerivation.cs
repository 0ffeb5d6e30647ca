using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>Derive Key (KMIP 2.1 §6.1.12) with Derivation Method PBKDF2 (RFC 8018 §5.2) or HKDF (RFC 5869).</summary>
public static class KeyDerivation
{
    /// <summary>Largest derived key, in bytes.</summary>
    public const int MaxOutputLength = 1024;

    /// <summary>Largest PBKDF2 iteration count (bounds the work one request can demand).</summary>
    public const int MaxIterations = 10_000_000;

    /// <summary>PBKDF2 with HMAC-<paramref name="prf"/>. FIPS mode (SP 800-132) requires ≥ 1000 iterations, a salt of ≥ 16 bytes and ≥ 112-bit output.</summary>
    public static byte[] Pbkdf2(AlgorithmPolicy policy, HashingAlgorithm prf, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, int length)
    {
        policy.Check(new AlgorithmUse(CryptoUse.Derive, 0, length * 8, Hash: prf));
        if (iterations < 1 || iterations > MaxIterations) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Iteration count out of range.");
        if (length < 1 || length > MaxOutputLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Derived key length out of range.");
        if (policy.Mode == AlgorithmPolicyMode.Fips && (iterations < 1000 || salt.Length < 16 || length < 14))
            CryptoFailure.Throw(CryptoFailureReason.PolicyDenied, "FIPS mode: PBKDF2 needs at least 1000 iterations, a 16-byte salt and a 112-bit output (SP 800-132).");
        var output = new byte[length];
        if (KmsAlgorithms.TryBclHash(prf, out var name) && !name.Name!.StartsWith("SHA3", StringComparison.Ordinal))
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, output, iterations, name);
            return output;
        }
        var gen = new Pkcs5S2ParametersGenerator(BcDigests.Create(prf));
        var pw = password.ToArray();
        try
        {
            gen.Init(pw, salt.ToArray(), iterations);
            var key = (KeyParameter)gen.GenerateDerivedMacParameters(length * 8);
            key.GetKey().CopyTo(output, 0);
            return output;
        }
        finally { CryptographicOperations.ZeroMemory(pw); }
    }

    /// <summary>HKDF (extract-then-expand) with HMAC-<paramref name="hash"/>; length ≤ 255 × hash length.</summary>
    public static byte[] Hkdf(AlgorithmPolicy policy, HashingAlgorithm hash, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info, int length)
    {
        policy.Check(new AlgorithmUse(CryptoUse.Derive, 0, length * 8, Hash: hash));
        int hl = KmsAlgorithms.HashLength(hash);
        if (hl == 0) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Hashing algorithm not supported.");
        if (length < 1 || length > Math.Min(MaxOutputLength, 255 * hl)) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Derived key length out of range.");
        if (ikm.IsEmpty) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "HKDF input keying material is empty.");
        var output = new byte[length];
        if (hash is HashingAlgorithm.SHA_1 or HashingAlgorithm.SHA_256 or HashingAlgorithm.SHA_384 or HashingAlgorithm.SHA_512)
        {
            HKDF.DeriveKey(KmsAlgorithms.BclHash(hash), ikm, output, salt, info);
            return output;
        }
        var gen = new HkdfBytesGenerator(BcDigests.Create(hash));
        var ikmArr = ikm.ToArray();
        try
        {
            gen.Init(new HkdfParameters(ikmArr, salt.IsEmpty ? null : salt.ToArray(), info.ToArray()));
            gen.GenerateBytes(output, 0, length);
            return output;
        }
        finally { CryptographicOperations.ZeroMemory(ikmArr); }
    }
}
