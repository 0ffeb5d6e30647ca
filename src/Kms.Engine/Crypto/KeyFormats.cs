using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC.Multiplier;

namespace Kms.Engine.Crypto;

/// <summary>Transparent RSA Private Key components (KMIP 2.1 §2.1.4): unsigned big-endian magnitudes.</summary>
public sealed record RsaPrivateComponents(byte[] Modulus, byte[] PublicExponent, byte[] PrivateExponent, byte[] P, byte[] Q, byte[] PrimeExponentP, byte[] PrimeExponentQ, byte[] CrtCoefficient);

/// <summary>Transparent RSA Public Key components (KMIP 2.1 §2.1.4): unsigned big-endian magnitudes.</summary>
public sealed record RsaPublicComponents(byte[] Modulus, byte[] PublicExponent);

/// <summary>Transparent EC Private Key (KMIP 2.1 §2.1.4): curve and the private scalar D (unsigned big-endian).</summary>
public sealed record EcPrivateComponents(RecommendedCurve Curve, byte[] D);

/// <summary>Transparent EC Public Key (KMIP 2.1 §2.1.4): curve and Q String, the uncompressed point (SEC 1 §2.3.3).</summary>
public sealed record EcPublicComponents(RecommendedCurve Curve, byte[] Q);

/// <summary>
/// Key Format Type conversions (KMIP 2.1 §2.1.4, §11.13) for asymmetric keys. The canonical forms are
/// PKCS#8 for private keys and X.509 SubjectPublicKeyInfo for public keys; every other format converts
/// to and from them: PKCS#1 (RSA), ECPrivateKey (SEC1, RFC 5915), Raw (Ed25519/Ed448/X25519/X448 key
/// bytes of RFC 8410, ML-KEM/ML-DSA/SLH-DSA encodings of FIPS 203/204/205, the EC public point), and the
/// Transparent RSA / EC structures (component values for the engine to write as Big Integers / Byte Strings).
/// Symmetric keys need no conversion: Raw and Transparent Symmetric Key both carry the key bytes.
/// Unsupported combinations are <see cref="CryptoFailureReason.KeyFormatNotSupported"/>.
/// </summary>
public static class KeyFormats
{
    /// <summary>Converts a private key in <paramref name="format"/> to PKCS#8. <paramref name="algorithm"/> and <paramref name="curve"/> are needed only for Raw.</summary>
    public static byte[] PrivateToPkcs8(KeyFormatType format, ReadOnlySpan<byte> key, CryptographicAlgorithm algorithm = 0, RecommendedCurve curve = 0)
    {
        switch (format)
        {
            case KeyFormatType.PKCS_8:
                KeyDescription.FromPkcs8(key);
                Keys.PrivateFromPkcs8(key);
                return key.ToArray();
            case KeyFormatType.PKCS_1:
                using (var rsa = RSA.Create())
                {
                    try { rsa.ImportRSAPrivateKey(key, out _); }
                    catch (CryptographicException) { return Invalid(); }
                    return rsa.ExportPkcs8PrivateKey();
                }
            case KeyFormatType.ECPrivateKey:
                using (var ec = ECDsa.Create())
                {
                    try { ec.ImportECPrivateKey(key, out _); }
                    catch (CryptographicException) { return Invalid(); }
                    return ec.ExportPkcs8PrivateKey();
                }
            case KeyFormatType.Raw:
                return Keys.ToPkcs8(RawPrivate(key, algorithm, curve));
            default:
                return NotSupported();
        }
    }

    /// <summary>Converts a PKCS#8 private key to <paramref name="format"/> (PKCS_8, PKCS_1 for RSA, ECPrivateKey for EC, Raw for EdDSA/XDH/PQ/EC).</summary>
    public static byte[] PrivateFromPkcs8(ReadOnlySpan<byte> pkcs8, KeyFormatType format)
    {
        var d = KeyDescription.FromPkcs8(pkcs8);
        switch (format)
        {
            case KeyFormatType.PKCS_8:
                return pkcs8.ToArray();
            case KeyFormatType.PKCS_1 when d.Kind == KeyKind.Rsa:
                using (var rsa = BclKeys.RsaPrivate(pkcs8)) return rsa.ExportRSAPrivateKey();
            case KeyFormatType.ECPrivateKey when d.Kind == KeyKind.Ec:
                using (var ec = BclKeys.EcPrivate(pkcs8)) return ec.ExportECPrivateKey();
            case KeyFormatType.Raw:
                var k = Keys.PrivateFromPkcs8(pkcs8);
                return k switch
                {
                    Ed25519PrivateKeyParameters e => e.GetEncoded(),
                    Ed448PrivateKeyParameters e => e.GetEncoded(),
                    X25519PrivateKeyParameters x => x.GetEncoded(),
                    X448PrivateKeyParameters x => x.GetEncoded(),
                    MLKemPrivateKeyParameters m => m.GetEncoded(),
                    MLDsaPrivateKeyParameters m => m.GetEncoded(),
                    SlhDsaPrivateKeyParameters s => s.GetEncoded(),
                    ECPrivateKeyParameters ec => Unsigned(ec.D, (d.Bits + 7) / 8),
                    _ => NotSupported(),
                };
            default:
                return NotSupported();
        }
    }

    /// <summary>Converts a public key in <paramref name="format"/> to SubjectPublicKeyInfo. <paramref name="algorithm"/>/<paramref name="curve"/> are needed only for Raw.</summary>
    public static byte[] PublicToSpki(KeyFormatType format, ReadOnlySpan<byte> key, CryptographicAlgorithm algorithm = 0, RecommendedCurve curve = 0)
    {
        switch (format)
        {
            case KeyFormatType.X_509:
                KeyDescription.FromSpki(key);
                Keys.PublicFromSpki(key);
                return key.ToArray();
            case KeyFormatType.PKCS_1:
                using (var rsa = RSA.Create())
                {
                    try { rsa.ImportRSAPublicKey(key, out _); }
                    catch (CryptographicException) { return Invalid(); }
                    return rsa.ExportSubjectPublicKeyInfo();
                }
            case KeyFormatType.Raw:
                return Keys.ToSpki(RawPublic(key, algorithm, curve));
            default:
                return NotSupported();
        }
    }

    /// <summary>Converts a SubjectPublicKeyInfo to <paramref name="format"/> (X_509, PKCS_1 for RSA, Raw for EdDSA/XDH/PQ and the EC point).</summary>
    public static byte[] PublicFromSpki(ReadOnlySpan<byte> spki, KeyFormatType format)
    {
        var d = KeyDescription.FromSpki(spki);
        switch (format)
        {
            case KeyFormatType.X_509:
                return spki.ToArray();
            case KeyFormatType.PKCS_1 when d.Kind == KeyKind.Rsa:
                using (var rsa = BclKeys.RsaPublic(spki)) return rsa.ExportRSAPublicKey();
            case KeyFormatType.Raw:
                var info = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spki.ToArray()));
                if (d.Kind == KeyKind.Rsa) return NotSupported();
                return info.PublicKey.GetOctets(); // RFC 8410 §4 / FIPS 203-205 raw keys, or the SEC1 EC point
            default:
                return NotSupported();
        }
    }

    /// <summary>The SubjectPublicKeyInfo of the public half of a PKCS#8 private key.</summary>
    public static byte[] PublicFromPrivate(ReadOnlySpan<byte> pkcs8)
    {
        var k = Keys.PrivateFromPkcs8(pkcs8);
        AsymmetricKeyParameter pub = k switch
        {
            RsaPrivateCrtKeyParameters r => new RsaKeyParameters(false, r.Modulus, r.PublicExponent),
            ECPrivateKeyParameters e => new ECPublicKeyParameters("EC", new FixedPointCombMultiplier().Multiply(e.Parameters.G, e.D).Normalize(), e.PublicKeyParamSet),
            Ed25519PrivateKeyParameters e => e.GeneratePublicKey(),
            Ed448PrivateKeyParameters e => e.GeneratePublicKey(),
            X25519PrivateKeyParameters x => x.GeneratePublicKey(),
            X448PrivateKeyParameters x => x.GeneratePublicKey(),
            MLKemPrivateKeyParameters m => m.GetPublicKey(),
            MLDsaPrivateKeyParameters m => m.GetPublicKey(),
            SlhDsaPrivateKeyParameters s => s.GetPublicKey(),
            _ => NotSupported<AsymmetricKeyParameter>(),
        };
        return Keys.ToSpki(pub);
    }

    /// <summary>Transparent RSA Private Key components of a PKCS#8 RSA key.</summary>
    public static RsaPrivateComponents ToRsaComponents(ReadOnlySpan<byte> pkcs8)
    {
        if (KeyDescription.FromPkcs8(pkcs8).Kind != KeyKind.Rsa) return NotSupported<RsaPrivateComponents>();
        using var rsa = BclKeys.RsaPrivate(pkcs8);
        var p = rsa.ExportParameters(true);
        return new(p.Modulus!, p.Exponent!, p.D!, p.P!, p.Q!, p.DP!, p.DQ!, p.InverseQ!);
    }

    /// <summary>PKCS#8 from Transparent RSA Private Key components (all eight must be present).</summary>
    public static byte[] FromRsaComponents(RsaPrivateComponents c)
    {
        try
        {
            var k = new RsaPrivateCrtKeyParameters(Pos(c.Modulus), Pos(c.PublicExponent), Pos(c.PrivateExponent), Pos(c.P), Pos(c.Q),
                Pos(c.PrimeExponentP), Pos(c.PrimeExponentQ), Pos(c.CrtCoefficient));
            var pkcs8 = Keys.ToPkcs8(k);
            using (BclKeys.RsaPrivate(pkcs8)) { } // consistency check by the provider
            return pkcs8;
        }
        catch (ArgumentException) { return Invalid(); }
    }

    /// <summary>Transparent RSA Public Key components of an SPKI RSA key.</summary>
    public static RsaPublicComponents ToRsaPublicComponents(ReadOnlySpan<byte> spki)
    {
        if (KeyDescription.FromSpki(spki).Kind != KeyKind.Rsa) return NotSupported<RsaPublicComponents>();
        using var rsa = BclKeys.RsaPublic(spki);
        var p = rsa.ExportParameters(false);
        return new(p.Modulus!, p.Exponent!);
    }

    /// <summary>SPKI from Transparent RSA Public Key components.</summary>
    public static byte[] FromRsaPublicComponents(RsaPublicComponents c)
    {
        try { return Keys.ToSpki(new RsaKeyParameters(false, Pos(c.Modulus), Pos(c.PublicExponent))); }
        catch (ArgumentException) { return Invalid(); }
    }

    /// <summary>Transparent EC Private Key (curve, D) of a PKCS#8 EC key.</summary>
    public static EcPrivateComponents ToEcComponents(ReadOnlySpan<byte> pkcs8)
    {
        var d = KeyDescription.FromPkcs8(pkcs8);
        if (d.Kind != KeyKind.Ec) return NotSupported<EcPrivateComponents>();
        var k = (ECPrivateKeyParameters)Keys.PrivateFromPkcs8(pkcs8);
        return new(d.Curve, Unsigned(k.D, (d.Bits + 7) / 8));
    }

    /// <summary>PKCS#8 from a Transparent EC Private Key (the public point is recomputed).</summary>
    public static byte[] FromEcComponents(EcPrivateComponents c) =>
        Keys.ToPkcs8(RawPrivate(c.D, CryptographicAlgorithm.EC, c.Curve));

    /// <summary>Transparent EC Public Key (curve, uncompressed Q) of an SPKI EC key.</summary>
    public static EcPublicComponents ToEcPublicComponents(ReadOnlySpan<byte> spki)
    {
        var d = KeyDescription.FromSpki(spki);
        if (d.Kind != KeyKind.Ec) return NotSupported<EcPublicComponents>();
        var k = (ECPublicKeyParameters)Keys.PublicFromSpki(spki);
        return new(d.Curve, k.Q.GetEncoded(false));
    }

    /// <summary>SPKI from a Transparent EC Public Key.</summary>
    public static byte[] FromEcPublicComponents(EcPublicComponents c) => PublicToSpki(KeyFormatType.Raw, c.Q, CryptographicAlgorithm.EC, c.Curve);

    private static AsymmetricKeyParameter RawPrivate(ReadOnlySpan<byte> key, CryptographicAlgorithm algorithm, RecommendedCurve curve)
    {
        try
        {
            var bytes = key.ToArray();
            try
            {
                switch (algorithm)
                {
                    case CryptographicAlgorithm.Ed25519: return new Ed25519PrivateKeyParameters(bytes);
                    case CryptographicAlgorithm.Ed448: return new Ed448PrivateKeyParameters(bytes);
                    case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA when curve == RecommendedCurve.CURVE25519:
                        return new X25519PrivateKeyParameters(bytes);
                    case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA when curve == RecommendedCurve.CURVE448:
                        return new X448PrivateKeyParameters(bytes);
                    case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA:
                    {
                        var domain = Domain(curve);
                        var d = new BigInteger(1, bytes);
                        if (d.SignValue <= 0 || d.CompareTo(domain.N) >= 0) return Invalid<AsymmetricKeyParameter>();
                        return new ECPrivateKeyParameters("EC", d, domain);
                    }
                    default:
                        if (KmsAlgorithms.IsMlKem(algorithm)) return MLKemPrivateKeyParameters.FromEncoding(Pq.MlKem(algorithm), bytes);
                        if (KmsAlgorithms.IsMlDsa(algorithm)) return MLDsaPrivateKeyParameters.FromEncoding(Pq.MlDsa(algorithm), bytes);
                        if (KmsAlgorithms.IsSlhDsa(algorithm)) return SlhDsaPrivateKeyParameters.FromEncoding(Pq.SlhDsa(algorithm), bytes);
                        return NotSupported<AsymmetricKeyParameter>();
                }
            }
            finally { CryptographicOperations.ZeroMemory(bytes); }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            return Invalid<AsymmetricKeyParameter>();
        }
    }

    private static AsymmetricKeyParameter RawPublic(ReadOnlySpan<byte> key, CryptographicAlgorithm algorithm, RecommendedCurve curve)
    {
        var bytes = key.ToArray();
        try
        {
            switch (algorithm)
            {
                case CryptographicAlgorithm.Ed25519: return new Ed25519PublicKeyParameters(bytes);
                case CryptographicAlgorithm.Ed448: return new Ed448PublicKeyParameters(bytes);
                case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA when curve == RecommendedCurve.CURVE25519:
                    return new X25519PublicKeyParameters(bytes);
                case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA when curve == RecommendedCurve.CURVE448:
                    return new X448PublicKeyParameters(bytes);
                case CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECDSA:
                {
                    var domain = Domain(curve);
                    var q = domain.Curve.DecodePoint(bytes); // validates the point is on the curve
                    return new ECPublicKeyParameters("EC", q, domain);
                }
                default:
                    if (KmsAlgorithms.IsMlKem(algorithm)) return MLKemPublicKeyParameters.FromEncoding(Pq.MlKem(algorithm), bytes);
                    if (KmsAlgorithms.IsMlDsa(algorithm)) return MLDsaPublicKeyParameters.FromEncoding(Pq.MlDsa(algorithm), bytes);
                    if (KmsAlgorithms.IsSlhDsa(algorithm)) return SlhDsaPublicKeyParameters.FromEncoding(Pq.SlhDsa(algorithm), bytes);
                    return NotSupported<AsymmetricKeyParameter>();
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            return Invalid<AsymmetricKeyParameter>();
        }
    }

    private static ECNamedDomainParameters Domain(RecommendedCurve curve)
    {
        var (oid, _) = Curves.ToOid(curve);
        if (oid.Length == 0) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "EC curve not supported.");
        var o = new DerObjectIdentifier(oid);
        X9ECParameters x9 = ECNamedCurveTable.GetByOid(o) ?? SecNamedCurves.GetByOid(o);
        return new ECNamedDomainParameters(o, x9);
    }

    private static BigInteger Pos(byte[]? b) =>
        b is { Length: > 0 } ? new BigInteger(1, b) : Invalid<BigInteger>();

    private static byte[] Unsigned(BigInteger v, int length) => v.ToByteArrayUnsigned().Length == length
        ? v.ToByteArrayUnsigned()
        : Pad(v.ToByteArrayUnsigned(), length);

    private static byte[] Pad(byte[] b, int length)
    {
        if (b.Length >= length) return b;
        var r = new byte[length];
        b.CopyTo(r, length - b.Length);
        CryptographicOperations.ZeroMemory(b);
        return r;
    }

    private static byte[] Invalid() => Invalid<byte[]>();
    private static T Invalid<T>() => CryptoFailure.Throw<T>(CryptoFailureReason.InvalidKey, "Key material is not valid for the stated format and algorithm.");
    private static byte[] NotSupported() => NotSupported<byte[]>();
    private static T NotSupported<T>() => CryptoFailure.Throw<T>(CryptoFailureReason.KeyFormatNotSupported, "Key format type not supported for this key.");
}
