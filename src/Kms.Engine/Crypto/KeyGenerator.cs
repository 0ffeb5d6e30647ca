using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>A generated key pair: PKCS#8 PrivateKeyInfo and X.509 SubjectPublicKeyInfo DER, plus what it is.</summary>
/// <param name="PrivateKeyPkcs8">Private key, PKCS#8 (RFC 5958) DER. The caller owns it and should zero it when done.</param>
/// <param name="PublicKeySpki">Public key, SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) DER.</param>
/// <param name="Description">Algorithm, length and curve in KMIP terms.</param>
public sealed record GeneratedKeyPair(byte[] PrivateKeyPkcs8, byte[] PublicKeySpki, KeyDescription Description);

/// <summary>Create and Create Key Pair key material (KMIP 2.1 §6.1.7, §6.1.8). Every call is checked against the policy first.</summary>
public static class KeyGenerator
{
    /// <summary>
    /// Generates a symmetric key of <paramref name="bits"/> for AES (128/192/256), ChaCha20 (256),
    /// HMAC (any multiple of 8 from 8 to 4096; 0 picks the hash's block-free default, its output length),
    /// or 3DES (192, odd parity) when the policy allows it.
    /// </summary>
    public static byte[] GenerateSymmetric(AlgorithmPolicy policy, CryptographicAlgorithm algorithm, int bits)
    {
        if (algorithm != 0 && KmsAlgorithms.HmacHash(algorithm) != 0 && bits == 0)
            bits = KmsAlgorithms.HashLength(KmsAlgorithms.HmacHash(algorithm)) * 8;
        policy.Check(new AlgorithmUse(CryptoUse.Generate, algorithm, bits));
        bool ok = algorithm switch
        {
            CryptographicAlgorithm.AES => bits is 128 or 192 or 256,
            CryptographicAlgorithm.ChaCha20 or CryptographicAlgorithm.ChaCha20Poly1305 => bits == 256,
            CryptographicAlgorithm.DES3 => bits is 192 or 168,
            _ when KmsAlgorithms.HmacHash(algorithm) != 0 => bits is >= 8 and <= 4096 && bits % 8 == 0,
            _ => CryptoFailure.Throw<bool>(CryptoFailureReason.UnsupportedParameters, "Symmetric algorithm not supported for key generation."),
        };
        if (!ok) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Cryptographic Length not valid for this algorithm.");
        if (algorithm == CryptographicAlgorithm.DES3)
        {
            var key = RandomNumberGenerator.GetBytes(24);
            for (int i = 0; i < key.Length; i++) key[i] = SetOddParity(key[i]);
            return key;
        }
        return RandomNumberGenerator.GetBytes(bits / 8);
    }

    private static byte SetOddParity(byte b)
    {
        int ones = System.Numerics.BitOperations.PopCount((uint)(b & 0xFE));
        return (byte)((b & 0xFE) | (ones % 2 == 0 ? 1 : 0));
    }

    /// <summary>
    /// Generates a key pair. <paramref name="algorithm"/>: RSA (bits 2048/3072/4096), EC/ECDSA/ECDH
    /// (<paramref name="curve"/> P-256/384/521, SECP256K1, or CURVE25519/CURVE448 for X25519/X448),
    /// Ed25519, Ed448, or a <see cref="KmsAlgorithms"/> post-quantum value (bits ignored).
    /// </summary>
    public static GeneratedKeyPair GenerateKeyPair(AlgorithmPolicy policy, CryptographicAlgorithm algorithm, int bits = 0, RecommendedCurve curve = 0)
    {
        policy.Check(new AlgorithmUse(CryptoUse.Generate, algorithm, bits, curve));
        switch (algorithm)
        {
            case CryptographicAlgorithm.RSA:
                if (bits is not (2048 or 3072 or 4096)) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "RSA key length must be 2048, 3072 or 4096 bits.");
                using (var rsa = RSA.Create(bits))
                    return Pair(rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
            case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDSA or CryptographicAlgorithm.ECDH:
                if (curve == RecommendedCurve.CURVE25519) return FromBc(new X25519KeyPairGenerator(), new X25519KeyGenerationParameters(Keys.Random));
                if (curve == RecommendedCurve.CURVE448) return FromBc(new X448KeyPairGenerator(), new X448KeyGenerationParameters(Keys.Random));
                using (var ec = ECDsa.Create(Curves.ToBcl(curve)))
                    return Pair(ec.ExportPkcs8PrivateKey(), ec.ExportSubjectPublicKeyInfo());
            case CryptographicAlgorithm.Ed25519:
                return FromBc(new Ed25519KeyPairGenerator(), new Ed25519KeyGenerationParameters(Keys.Random));
            case CryptographicAlgorithm.Ed448:
                return FromBc(new Ed448KeyPairGenerator(), new Ed448KeyGenerationParameters(Keys.Random));
            case KmsAlgorithms.MlKem512 or KmsAlgorithms.MlKem768 or KmsAlgorithms.MlKem1024:
                return FromBc(new MLKemKeyPairGenerator(), new MLKemKeyGenerationParameters(Keys.Random, Pq.MlKem(algorithm)));
            case KmsAlgorithms.MlDsa44 or KmsAlgorithms.MlDsa65 or KmsAlgorithms.MlDsa87:
                return FromBc(new MLDsaKeyPairGenerator(), new MLDsaKeyGenerationParameters(Keys.Random, Pq.MlDsa(algorithm)));
            default:
                if (KmsAlgorithms.IsSlhDsa(algorithm))
                    return FromBc(new SlhDsaKeyPairGenerator(), new SlhDsaKeyGenerationParameters(Keys.Random, Pq.SlhDsa(algorithm)));
                return CryptoFailure.Throw<GeneratedKeyPair>(CryptoFailureReason.UnsupportedParameters, "Asymmetric algorithm not supported for key pair generation.");
        }
    }

    private static GeneratedKeyPair FromBc(IAsymmetricCipherKeyPairGenerator generator, KeyGenerationParameters parameters)
    {
        generator.Init(parameters);
        var pair = generator.GenerateKeyPair();
        return Pair(Keys.ToPkcs8(pair.Private), Keys.ToSpki(pair.Public));
    }

    private static GeneratedKeyPair Pair(byte[] pkcs8, byte[] spki) => new(pkcs8, spki, KeyDescription.FromSpki(spki));
}

/// <summary>Maps the post-quantum extension algorithms to BouncyCastle parameter sets.</summary>
internal static class Pq
{
    internal static MLKemParameters MlKem(CryptographicAlgorithm a) => a switch
    {
        KmsAlgorithms.MlKem512 => MLKemParameters.ml_kem_512,
        KmsAlgorithms.MlKem768 => MLKemParameters.ml_kem_768,
        _ => MLKemParameters.ml_kem_1024,
    };

    internal static MLDsaParameters MlDsa(CryptographicAlgorithm a) => a switch
    {
        KmsAlgorithms.MlDsa44 => MLDsaParameters.ml_dsa_44,
        KmsAlgorithms.MlDsa65 => MLDsaParameters.ml_dsa_65,
        _ => MLDsaParameters.ml_dsa_87,
    };

    internal static SlhDsaParameters SlhDsa(CryptographicAlgorithm a) => a switch
    {
        KmsAlgorithms.SlhDsaSha2_128s => SlhDsaParameters.slh_dsa_sha2_128s,
        KmsAlgorithms.SlhDsaSha2_128f => SlhDsaParameters.slh_dsa_sha2_128f,
        KmsAlgorithms.SlhDsaShake_128f => SlhDsaParameters.slh_dsa_shake_128f,
        KmsAlgorithms.SlhDsaSha2_192f => SlhDsaParameters.slh_dsa_sha2_192f,
        _ => SlhDsaParameters.slh_dsa_sha2_256f,
    };
}
