using Kms.Ttlv;
using System.Formats.Asn1;
using System.Security.Cryptography;

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
    /// <summary>Describes a PKCS#8 PrivateKeyInfo (RFC 5208 / RFC 5958).</summary>
    public static KeyDescription FromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        try
        {
            // PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }
            var outer = new AsnValueReader(pkcs8, AsnEncodingRules.BER);
            var seq = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            seq.ReadInteger();
            var (oid, curveOid) = ReadAlgorithm(ref seq);
            int rsaBits = 0;
            if (oid == RsaOid)
            {
                // RSAPrivateKey ::= SEQUENCE { version, modulus, ... }
                var inner = new AsnValueReader(seq.ReadOctetString(), AsnEncodingRules.BER).ReadSequence();
                inner.ReadInteger();
                rsaBits = ModulusBits(inner.ReadIntegerBytes());
            }
            return Describe(oid, curveOid, rsaBits);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.InvalidKey, "Private key is not a valid PKCS#8 structure.");
        }
    }

    /// <summary>Describes an X.509 SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</summary>
    public static KeyDescription FromSpki(ReadOnlySpan<byte> spki)
    {
        try
        {
            var outer = new AsnValueReader(spki, AsnEncodingRules.BER);
            var seq = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var (oid, curveOid) = ReadAlgorithm(ref seq);
            int rsaBits = 0;
            var key = seq.ReadBitString(out _);
            if (oid == RsaOid)
            {
                // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
                var inner = new AsnValueReader(key, AsnEncodingRules.BER).ReadSequence();
                rsaBits = ModulusBits(inner.ReadIntegerBytes());
            }
            return Describe(oid, curveOid, rsaBits);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            return CryptoFailure.Throw<KeyDescription>(CryptoFailureReason.InvalidKey, "Public key is not a valid SubjectPublicKeyInfo structure.");
        }
    }

    private const string RsaOid = "1.2.840.113549.1.1.1";

    private static (string Oid, string? CurveOid) ReadAlgorithm(ref AsnValueReader seq)
    {
        var alg = seq.ReadSequence();
        var oid = alg.ReadObjectIdentifier();
        string? curve = alg.HasData && alg.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? alg.ReadObjectIdentifier() : null;
        return (oid, curve);
    }

    private static int ModulusBits(ReadOnlySpan<byte> modulus)
    {
        while (modulus.Length > 0 && modulus[0] == 0) modulus = modulus[1..];
        return modulus.IsEmpty ? 0 : (modulus.Length - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount(modulus[0]));
    }

    private static KeyDescription Describe(string oid, string? curveOid, int rsaBits)
    {
        switch (oid)
        {
            case RsaOid:
                return new(KeyKind.Rsa, CryptographicAlgorithm.RSA, rsaBits, 0);
            case "1.2.840.10045.2.1":
                var (curve, bits) = Curves.FromOid(curveOid ?? "");
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

/// <summary>A minimal forward DER reader over a span, on the public <see cref="AsnDecoder"/> (no allocation but OID strings).</summary>
internal ref struct AsnValueReader(ReadOnlySpan<byte> data, AsnEncodingRules rules)
{
    private ReadOnlySpan<byte> _data = data;

    public readonly bool HasData => !_data.IsEmpty;

    public readonly Asn1Tag PeekTag() => Asn1Tag.Decode(_data, out _);

    public readonly void ThrowIfNotEmpty()
    {
        if (!_data.IsEmpty) throw new AsnContentException("Trailing data.");
    }

    public AsnValueReader ReadSequence()
    {
        AsnDecoder.ReadSequence(_data, rules, out int offset, out int length, out int consumed);
        var inner = new AsnValueReader(_data.Slice(offset, length), rules);
        _data = _data[consumed..];
        return inner;
    }

    public void ReadInteger() => ReadIntegerBytes();

    public ReadOnlySpan<byte> ReadIntegerBytes()
    {
        var v = AsnDecoder.ReadIntegerBytes(_data, rules, out int consumed);
        _data = _data[consumed..];
        return v;
    }

    public string ReadObjectIdentifier()
    {
        var v = AsnDecoder.ReadObjectIdentifier(_data, rules, out int consumed);
        _data = _data[consumed..];
        return v;
    }

    public ReadOnlySpan<byte> ReadOctetString()
    {
        if (!AsnDecoder.TryReadPrimitiveOctetString(_data, rules, out var v, out int consumed))
            throw new AsnContentException("Constructed OCTET STRING not expected.");
        _data = _data[consumed..];
        return v;
    }

    public ReadOnlySpan<byte> ReadBitString(out int unusedBits)
    {
        if (!AsnDecoder.TryReadPrimitiveBitString(_data, rules, out unusedBits, out var v, out int consumed))
            throw new AsnContentException("Constructed BIT STRING not expected.");
        _data = _data[consumed..];
        return v;
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
