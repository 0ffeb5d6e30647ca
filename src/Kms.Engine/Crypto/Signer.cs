using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Signers;

namespace Kms.Engine.Crypto;

/// <summary>Signature parameters (KMIP 2.1 §2.1.7: Digital Signature Algorithm, or Hashing Algorithm + Padding Method).</summary>
/// <param name="Hash">Digest for RSA and ECDSA; 0 picks SHA-256 (ECDSA: the curve's matching SHA-2). Ignored by EdDSA, ML-DSA, SLH-DSA.</param>
/// <param name="Padding">RSA: PKCS1V1_5 (default) or PSS (MGF1 with the same hash).</param>
/// <param name="Prehashed">True when the data is already the digest (KMIP Digested Data); RSA and ECDSA only.</param>
/// <param name="SaltLength">
/// PSS salt length in bytes (KMIP 2.1 §2.1.7 Salt Length). Negative (the default): signing uses the hash length, and
/// verifying accepts the hash length or the largest salt the key allows (RFC 8017 §9.1.1: emLen − hLen − 2, what
/// OpenSSL signs with by default; OASIS CS-AC-M-2 carries such a signature).
/// </param>
public readonly record struct SignatureParameters(HashingAlgorithm Hash = 0, PaddingMethod Padding = 0, bool Prehashed = false, int SaltLength = -1)
{
    /// <summary>Maps a KMIP Digital Signature Algorithm (KMIP 2.1 §11.16) to parameters.</summary>
    public static SignatureParameters From(DigitalSignatureAlgorithm dsa, bool prehashed = false) => dsa switch
    {
        DigitalSignatureAlgorithm.SHA_1WithRSAEncryption => new(HashingAlgorithm.SHA_1, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA_224WithRSAEncryption => new(HashingAlgorithm.SHA_224, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA_256WithRSAEncryption => new(HashingAlgorithm.SHA_256, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA_384WithRSAEncryption => new(HashingAlgorithm.SHA_384, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA_512WithRSAEncryption => new(HashingAlgorithm.SHA_512, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA3_256WithRSAEncryption => new(HashingAlgorithm.SHA3_256, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA3_384WithRSAEncryption => new(HashingAlgorithm.SHA3_384, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.SHA3_512WithRSAEncryption => new(HashingAlgorithm.SHA3_512, PaddingMethod.PKCS1V1_5, prehashed),
        DigitalSignatureAlgorithm.RSASSA_PSS => new(HashingAlgorithm.SHA_256, PaddingMethod.PSS, prehashed),
        DigitalSignatureAlgorithm.ECDSAWithSHA_1 => new(HashingAlgorithm.SHA_1, 0, prehashed),
        DigitalSignatureAlgorithm.ECDSAWithSHA224 => new(HashingAlgorithm.SHA_224, 0, prehashed),
        DigitalSignatureAlgorithm.ECDSAWithSHA256 => new(HashingAlgorithm.SHA_256, 0, prehashed),
        DigitalSignatureAlgorithm.ECDSAWithSHA384 => new(HashingAlgorithm.SHA_384, 0, prehashed),
        DigitalSignatureAlgorithm.ECDSAWithSHA512 => new(HashingAlgorithm.SHA_512, 0, prehashed),
        _ => CryptoFailure.Throw<SignatureParameters>(CryptoFailureReason.UnsupportedParameters, "Digital signature algorithm not supported."),
    };
}

/// <summary>
/// Sign / Signature Verify (KMIP 2.1 §6.1.47, §6.1.48): RSA PKCS#1 v1.5 and PSS (RFC 8017), ECDSA with
/// DER-encoded (RFC 3279 Dss-Sig-Value) signatures as OpenSSL produces, Ed25519/Ed448 (RFC 8032, pure),
/// ML-DSA (FIPS 204) and SLH-DSA (FIPS 205) (pure, hedged). Keys are PKCS#8 (sign) and SPKI (verify).
/// </summary>
public static class Signer
{
    /// <summary>Signs <paramref name="data"/> (or the digest, if <see cref="SignatureParameters.Prehashed"/>).</summary>
    public static byte[] Sign(AlgorithmPolicy policy, in SignatureParameters p, ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> data)
    {
        var d = KeyDescription.FromPkcs8(privateKeyPkcs8);
        var hash = Check(policy, CryptoUse.Sign, p, d, data);
        try
        {
            switch (d.Kind)
            {
                case KeyKind.Rsa:
                {
                    if (p.Padding == PaddingMethod.PSS && p.SaltLength >= 0 && p.SaltLength != KmsAlgorithms.HashLength(hash))
                        return BcPss(true, hash, p.SaltLength, p.Prehashed, KeyObjectCache<AsymmetricKeyParameter>.Get(privateKeyPkcs8, Keys.PrivateFromPkcs8), data).GenerateSignature();
                    var rsa = KeyObjectCache<RSA>.Get(privateKeyPkcs8, BclKeys.RsaPrivate);
                    return p.Prehashed ? rsa.SignHash(data, KmsAlgorithms.BclHash(hash), RsaPadding(p)) : rsa.SignData(data, KmsAlgorithms.BclHash(hash), RsaPadding(p));
                }
                case KeyKind.Ec:
                {
                    var ec = KeyObjectCache<ECDsa>.Get(privateKeyPkcs8, BclKeys.EcPrivate);
                    return p.Prehashed
                        ? ec.SignHash(data, DSASignatureFormat.Rfc3279DerSequence)
                        : ec.SignData(data, KmsAlgorithms.BclHash(hash), DSASignatureFormat.Rfc3279DerSequence);
                }
                default:
                    var signer = BcSigner(d);
                    signer.Init(true, KeyObjectCache<AsymmetricKeyParameter>.Get(privateKeyPkcs8, Keys.PrivateFromPkcs8));
                    signer.BlockUpdate(data);
                    return signer.GenerateSignature();
            }
        }
        catch (CryptographicException)
        {
            return CryptoFailure.Throw<byte[]>(CryptoFailureReason.Failed, "Signing failed.");
        }
    }

    /// <summary>True if <paramref name="signature"/> is valid for <paramref name="data"/> (or digest) under the public key. Malformed signatures are simply invalid.</summary>
    public static bool Verify(AlgorithmPolicy policy, in SignatureParameters p, ReadOnlySpan<byte> publicKeySpki, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var d = KeyDescription.FromSpki(publicKeySpki);
        var hash = Check(policy, CryptoUse.Verify, p, d, data);
        try
        {
            switch (d.Kind)
            {
                case KeyKind.Rsa:
                {
                    int hLen = KmsAlgorithms.HashLength(hash);
                    if (p.Padding == PaddingMethod.PSS && p.SaltLength >= 0 && p.SaltLength != hLen)
                        return BcPssVerify(hash, p.SaltLength, p.Prehashed, publicKeySpki, data, signature);
                    var rsa = KeyObjectCache<RSA>.Get(publicKeySpki, BclKeys.RsaPublic);
                    bool ok = p.Prehashed
                        ? rsa.VerifyHash(data, signature, KmsAlgorithms.BclHash(hash), RsaPadding(p))
                        : rsa.VerifyData(data, signature, KmsAlgorithms.BclHash(hash), RsaPadding(p));
                    if (ok || p.Padding != PaddingMethod.PSS || p.SaltLength >= 0) return ok;
                    int maxSalt = (d.Bits - 1 + 7) / 8 - hLen - 2;
                    return maxSalt > hLen && BcPssVerify(hash, maxSalt, p.Prehashed, publicKeySpki, data, signature);
                }
                case KeyKind.Ec:
                {
                    var ec = KeyObjectCache<ECDsa>.Get(publicKeySpki, BclKeys.EcPublic);
                    return p.Prehashed
                        ? ec.VerifyHash(data, signature, DSASignatureFormat.Rfc3279DerSequence)
                        : ec.VerifyData(data, signature, KmsAlgorithms.BclHash(hash), DSASignatureFormat.Rfc3279DerSequence);
                }
                default:
                    var signer = BcSigner(d);
                    signer.Init(false, KeyObjectCache<AsymmetricKeyParameter>.Get(publicKeySpki, Keys.PublicFromSpki));
                    signer.BlockUpdate(data);
                    return signer.VerifySignature(signature.ToArray());
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static HashingAlgorithm Check(AlgorithmPolicy policy, CryptoUse use, in SignatureParameters p, KeyDescription d, ReadOnlySpan<byte> data)
    {
        HashingAlgorithm hash = 0;
        switch (d.Kind)
        {
            case KeyKind.Rsa:
                hash = p.Hash == 0 ? HashingAlgorithm.SHA_256 : p.Hash;
                if (p.Padding is not (0 or PaddingMethod.PKCS1V1_5 or PaddingMethod.PSS))
                    CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "RSA signatures support PKCS#1 v1.5 and PSS padding only.");
                break;
            case KeyKind.Ec:
                hash = p.Hash != 0 ? p.Hash : d.Bits switch { 384 => HashingAlgorithm.SHA_384, 521 => HashingAlgorithm.SHA_512, _ => HashingAlgorithm.SHA_256 };
                break;
            case KeyKind.Ed25519 or KeyKind.Ed448 or KeyKind.MlDsa or KeyKind.SlhDsa:
                if (p.Prehashed) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Pre-digested data is supported for RSA and ECDSA only.");
                break;
            default:
                CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "This key type cannot sign.");
                break;
        }
        policy.Check(new AlgorithmUse(use, d.Algorithm, d.Bits, d.Curve, Padding: p.Padding, Hash: hash));
        if (hash != 0)
        {
            KmsAlgorithms.BclHash(hash); // only BCL-supported digests for RSA/ECDSA
            if (p.Prehashed && data.Length != KmsAlgorithms.HashLength(hash))
                CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Digested data length does not match the hashing algorithm.");
        }
        return hash;
    }

    /// <summary>RSASSA-PSS (RFC 8017 §8.1) with a salt length the BCL cannot take (it always uses the hash length): a BouncyCastle signer, initialised and fed.</summary>
    private static PssSigner BcPss(bool sign, HashingAlgorithm hash, int saltLength, bool prehashed, AsymmetricKeyParameter key, ReadOnlySpan<byte> data)
    {
        var pss = prehashed
            ? PssSigner.CreateRawSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(), BcDigests.Create(hash), BcDigests.Create(hash), saltLength, PssSigner.TrailerImplicit)
            : new PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(), BcDigests.Create(hash), saltLength);
        pss.Init(sign, key);
        pss.BlockUpdate(data);
        return pss;
    }

    private static bool BcPssVerify(HashingAlgorithm hash, int saltLength, bool prehashed, ReadOnlySpan<byte> publicKeySpki, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return BcPss(false, hash, saltLength, prehashed, KeyObjectCache<AsymmetricKeyParameter>.Get(publicKeySpki, Keys.PublicFromSpki), data).VerifySignature(signature.ToArray());
        }
        catch (Exception e) when (e is CryptoException or ArgumentException)
        {
            return false;
        }
    }

    private static RSASignaturePadding RsaPadding(in SignatureParameters p) =>
        p.Padding == PaddingMethod.PSS ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    private static ISigner BcSigner(KeyDescription d) => d.Kind switch
    {
        KeyKind.Ed25519 => new Ed25519Signer(),
        KeyKind.Ed448 => new Ed448Signer([]),
        KeyKind.MlDsa => new MLDsaSigner(Pq.MlDsa(d.Algorithm), deterministic: false),
        _ => new SlhDsaSigner(Pq.SlhDsa(d.Algorithm), deterministic: false),
    };
}
