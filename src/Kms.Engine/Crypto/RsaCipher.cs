using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;

namespace Kms.Engine.Crypto;

/// <summary>RSA encryption parameters (KMIP 2.1 §2.1.7 Cryptographic Parameters).</summary>
/// <param name="Padding">OAEP or PKCS1V1_5 (the latter only when the policy allows it).</param>
/// <param name="Hash">OAEP hash; 0 means SHA-1 (the PKCS#1 default).</param>
/// <param name="MaskGeneratorHash">MGF1 hash; 0 means the same as <paramref name="Hash"/> (what OpenSSL does).</param>
/// <param name="Label">The OAEP label (KMIP P Source, RFC 8017 §7.1 L); null or empty means the empty label.</param>
public readonly record struct RsaEncryptionParameters(PaddingMethod Padding = PaddingMethod.OAEP, HashingAlgorithm Hash = 0, HashingAlgorithm MaskGeneratorHash = 0, byte[]? Label = null)
{
    internal HashingAlgorithm OaepHash => Hash == 0 ? HashingAlgorithm.SHA_1 : Hash;
    internal HashingAlgorithm MgfHash => MaskGeneratorHash == 0 ? OaepHash : MaskGeneratorHash;
}

/// <summary>RSA Encrypt / Decrypt (KMIP 2.1 §6.1.19, §6.1.15): OAEP (RFC 8017 §7.1) with SHA-1/SHA-2 and an MGF1 hash of choice; PKCS#1 v1.5 (§7.2) behind the policy.</summary>
public static class RsaCipher
{
    /// <summary>Encrypts with an RSA public key (SubjectPublicKeyInfo DER). Data too long for the key and padding is <see cref="CryptoFailureReason.BadParameters"/>.</summary>
    public static byte[] Encrypt(AlgorithmPolicy policy, in RsaEncryptionParameters p, ReadOnlySpan<byte> publicKeySpki, ReadOnlySpan<byte> plaintext, CryptoUse use = CryptoUse.Encrypt)
        => Transform(encrypt: true, policy, p, publicKeySpki, plaintext, use);

    /// <summary>Decrypts with an RSA private key (PKCS#8 DER). A padding check failure (wrong key, corrupted data) is <see cref="CryptoFailureReason.BadPadding"/>.</summary>
    public static byte[] Decrypt(AlgorithmPolicy policy, in RsaEncryptionParameters p, ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> ciphertext, CryptoUse use = CryptoUse.Decrypt)
        => Transform(encrypt: false, policy, p, privateKeyPkcs8, ciphertext, use);

    /// <summary>The one body of <see cref="Encrypt"/> and <see cref="Decrypt"/>: the BCL, or BouncyCastle for what the BCL lacks (OAEP hash pairs, labels).</summary>
    private static byte[] Transform(bool encrypt, AlgorithmPolicy policy, in RsaEncryptionParameters p, ReadOnlySpan<byte> keyDer, ReadOnlySpan<byte> input, CryptoUse use)
    {
        var d = encrypt ? KeyDescription.FromSpki(keyDer) : KeyDescription.FromPkcs8(keyDer);
        Check(policy, p, d, use);
        try
        {
            if (UseBouncyCastle(p))
            {
                var oaep = Bc(p);
                oaep.Init(encrypt, encrypt ? Keys.PublicFromSpki(keyDer) : Keys.PrivateFromPkcs8(keyDer));
                return oaep.ProcessBlock(input.ToArray(), 0, input.Length);
            }
            return encrypt
                ? KeyObjectCache<RSA>.Get(keyDer, BclKeys.RsaPublic).Encrypt(input, Padding(p))
                : KeyObjectCache<RSA>.Get(keyDer, BclKeys.RsaPrivate).Decrypt(input, Padding(p));
        }
        catch (Exception e) when (e is CryptographicException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException)
        {
            return encrypt
                ? CryptoFailure.Throw<byte[]>(CryptoFailureReason.BadParameters, "RSA encryption failed: the data is too long for the key and padding.")
                : CryptoFailure.Throw<byte[]>(CryptoFailureReason.BadPadding, "RSA decryption failed.");
        }
    }

    private static void Check(AlgorithmPolicy policy, in RsaEncryptionParameters p, KeyDescription d, CryptoUse use)
    {
        if (d.Kind != KeyKind.Rsa) CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "RSA encryption needs an RSA key.");
        policy.Check(new AlgorithmUse(use, CryptographicAlgorithm.RSA, d.Bits, Padding: p.Padding, Hash: p.Padding == PaddingMethod.OAEP ? p.OaepHash : 0));
        if (p.Padding == PaddingMethod.OAEP) policy.Check(new AlgorithmUse(use, CryptographicAlgorithm.RSA, d.Bits, Padding: p.Padding, Hash: p.MgfHash));
        if (p.Padding is not (PaddingMethod.OAEP or PaddingMethod.PKCS1V1_5))
            CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "RSA encryption supports OAEP and PKCS#1 v1.5 padding only.");
    }

    private static bool UseBouncyCastle(in RsaEncryptionParameters p) =>
        p.Padding == PaddingMethod.OAEP && (p.OaepHash != p.MgfHash || p.Label is { Length: > 0 } || !KmsAlgorithms.TryBclHash(p.OaepHash, out _));

    private static OaepEncoding Bc(in RsaEncryptionParameters p) =>
        new(new RsaBlindedEngine(), BcDigests.Create(p.OaepHash), BcDigests.Create(p.MgfHash), p.Label is { Length: > 0 } label ? label : null);

    private static RSAEncryptionPadding Padding(in RsaEncryptionParameters p) =>
        p.Padding == PaddingMethod.PKCS1V1_5 ? RSAEncryptionPadding.Pkcs1 : RSAEncryptionPadding.CreateOaep(KmsAlgorithms.BclHash(p.OaepHash));
}
