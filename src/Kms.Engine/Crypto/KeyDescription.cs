using Kms.Ttlv;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace Kms.Engine.Crypto;

/// <summary>The family of an asymmetric key, as found from its PKCS#8 / SPKI algorithm identifier.</summary>
public enum KeyKind
{
    /// <summary>Not an asymmetric key this layer knows.</summary>
    Unknown,
    /// <summary>RSA (PKCS#1).</summary>
    Rsa,
    /// <summary>EC over a prime curve (P-256/384/521, secp256k1): ECDSA and ECDH.</summary>
    Ec,
    /// <summary>Ed25519 (RFC 8032).</summary>
    Ed25519,
    /// <summary>Ed448 (RFC 8032).</summary>
    Ed448,
    /// <summary>X25519 (RFC 7748).</summary>
    X25519,
    /// <summary>X448 (RFC 7748).</summary>
    X448,
    /// <summary>ML-KEM (FIPS 203).</summary>
    MlKem,
    /// <summary>ML-DSA (FIPS 204).</summary>
    MlDsa,
    /// <summary>SLH-DSA (FIPS 205).</summary>
    SlhDsa,
}

/// <summary>
/// What an asymmetric key is, in KMIP terms: Cryptographic Algorithm, Cryptographic Length (bits) and
/// Recommended Curve (KMIP 2.1 §4.5, §4.6, §4.55). The engine uses it to fill those attributes on
/// Register/Import and the policy uses it before any work.
/// </summary>
/// <param name="Kind">Key family.</param>
/// <param name="Algorithm">KMIP algorithm (EC keys report <see cref="CryptographicAlgorithm.EC"/>).</param>
/// <param name="Bits">Modulus size, curve field size, or the nominal size of the EdDSA/XDH/PQ key.</param>
/// <param name="Curve">Curve for EC, Ed*, X* keys; 0 otherwise.</param>
public readonly record struct KeyDescription(KeyKind Kind, CryptographicAlgorithm Algorithm, int Bits, RecommendedCurve Curve)
{
    /// <summary>Describes a PKCS#8 PrivateKeyInfo.</summary>
    public static KeyDescription FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        PrivateKeyInfo info;
        try { info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(pkcs8.ToArray())); }
        catch (Exception) { return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.InvalidKey, "Private key is not a valid PKCS#8 structure."); }
        return Describe(info.PrivateKeyAlgorithm, info, null);
    }

    /// <summary>Describes an X.509 SubjectPublicKeyInfo.</summary>
    public static KeyDescription FromSpki(ReadOnlySpan<byte> spki)
    {
        SubjectPublicKeyInfo info;
        try { info = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spki.ToArray())); }
        catch (Exception) { return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.InvalidKey, "Public key is not a valid SubjectPublicKeyInfo structure."); }
        return Describe(info.Algorithm, null, info);
    }

    private static KeyDescription Describe(AlgorithmIdentifier alg, PrivateKeyInfo? priv, SubjectPublicKeyInfo? pub)
    {
        string oid = alg.Algorithm.Id;
        switch (oid)
        {
            case "1.2.840.113549.1.1.1":
                int rsaBits;
                try
                {
                    rsaBits = priv is not null
                        ? RsaPrivateKeyStructure.GetInstance(priv.ParsePrivateKey()).Modulus.BitLength
                        : RsaPublicKeyStructure.GetInstance(pub!.ParsePublicKey()).Modulus.BitLength;
                }
                catch (Exception) { return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.InvalidKey, "RSA key could not be decoded."); }
                return new(KeyKind.Rsa, CryptographicAlgorithm.RSA, rsaBits, 0);
            case "1.2.840.10045.2.1":
                var curveOid = alg.Parameters is DerObjectIdentifier c ? c.Id : "";
                var (curve, bits) = Curves.FromOid(curveOid);
                if (curve == 0) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "EC curve not supported.");
                return new(KeyKind.Ec, CryptographicAlgorithm.EC, bits, curve);
            case "1.3.101.112": return new(KeyKind.Ed25519, CryptographicAlgorithm.Ed25519, 256, RecommendedCurve.CURVE25519);
            case "1.3.101.113": return new(KeyKind.Ed448, CryptographicAlgorithm.Ed448, 448, RecommendedCurve.CURVE448);
            case "1.3.101.110": return new(KeyKind.X25519, CryptographicAlgorithm.EC, 256, RecommendedCurve.CURVE25519);
            case "1.3.101.111": return new(KeyKind.X448, CryptographicAlgorithm.EC, 448, RecommendedCurve.CURVE448);
            case "2.16.840.1.101.3.4.4.1": return new(KeyKind.MlKem, KmsAlgorithms.MlKem512, 512, 0);
            case "2.16.840.1.101.3.4.4.2": return new(KeyKind.MlKem, KmsAlgorithms.MlKem768, 768, 0);
            case "2.16.840.1.101.3.4.4.3": return new(KeyKind.MlKem, KmsAlgorithms.MlKem1024, 1024, 0);
            case "2.16.840.1.101.3.4.3.17": return new(KeyKind.MlDsa, KmsAlgorithms.MlDsa44, 44, 0);
            case "2.16.840.1.101.3.4.3.18": return new(KeyKind.MlDsa, KmsAlgorithms.MlDsa65, 65, 0);
            case "2.16.840.1.101.3.4.3.19": return new(KeyKind.MlDsa, KmsAlgorithms.MlDsa87, 87, 0);
            case "2.16.840.1.101.3.4.3.20": return new(KeyKind.SlhDsa, KmsAlgorithms.SlhDsaSha2_128s, 128, 0);
            case "2.16.840.1.101.3.4.3.21": return new(KeyKind.SlhDsa, KmsAlgorithms.SlhDsaSha2_128f, 128, 0);
            case "2.16.840.1.101.3.4.3.23": return new(KeyKind.SlhDsa, KmsAlgorithms.SlhDsaSha2_192f, 192, 0);
            case "2.16.840.1.101.3.4.3.25": return new(KeyKind.SlhDsa, KmsAlgorithms.SlhDsaSha2_256f, 256, 0);
            case "2.16.840.1.101.3.4.3.27": return new(KeyKind.SlhDsa, KmsAlgorithms.SlhDsaShake_128f, 128, 0);
            default: return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.UnsupportedParameters, "Key algorithm not supported.");
        }
    }
}

/// <summary>Named prime curves supported for EC keys (KMIP 2.1 §11.33 Recommended Curve).</summary>
public static class Curves
{
    /// <summary>The curve's OID and field size in bits, or ("", 0).</summary>
    public static (string Oid, int Bits) ToOid(RecommendedCurve curve) => curve switch
    {
        RecommendedCurve.P_256 => ("1.2.840.10045.3.1.7", 256),
        RecommendedCurve.P_384 => ("1.3.132.0.34", 384),
        RecommendedCurve.P_521 => ("1.3.132.0.35", 521),
        RecommendedCurve.SECP256K1 => ("1.3.132.0.10", 256),
        _ => ("", 0),
    };

    /// <summary>The KMIP curve and field size of an OID, or (0, 0).</summary>
    public static (RecommendedCurve Curve, int Bits) FromOid(string oid) => oid switch
    {
        "1.2.840.10045.3.1.7" => (RecommendedCurve.P_256, 256),
        "1.3.132.0.34" => (RecommendedCurve.P_384, 384),
        "1.3.132.0.35" => (RecommendedCurve.P_521, 521),
        "1.3.132.0.10" => (RecommendedCurve.SECP256K1, 256),
        _ => (0, 0),
    };

    /// <summary>The BCL curve for a KMIP curve (OpenSSL provides all four, including secp256k1).</summary>
    internal static System.Security.Cryptography.ECCurve ToBcl(RecommendedCurve curve)
    {
        var (oid, _) = ToOid(curve);
        if (oid.Length == 0) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "EC curve not supported.");
        return System.Security.Cryptography.ECCurve.CreateFromValue(oid);
    }
}
