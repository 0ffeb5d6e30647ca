using System.Numerics;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Key Format Type conversion on Get / Export (KMIP 2.1 §6.1.22 Key Format Type, §2.1.3 Key Block, §2.1.4
/// Key Value): Symmetric Key / Secret Data Raw ↔ Transparent Symmetric Key; Private Key to PKCS#1 (RSA), PKCS#8,
/// ECPrivateKey (SEC1), Raw, Transparent RSA / EC Private Key; Public Key to X.509 (SubjectPublicKeyInfo),
/// PKCS#1 (RSA), Raw, Transparent RSA / EC Public Key. Anything else is Key Format Type Not Supported.
/// </summary>
internal static class KeyFormatConversion
{
    /// <summary>The object structure with its key block in <paramref name="target"/> (the stored one when it already is).</summary>
    public static TtlvElement Convert(ManagedObject obj, KeyFormatType target)
    {
        var value = obj.Value!;
        var block = value.Find(Tag.KeyBlock) ?? throw NotSupported();
        if (block.Find(Tag.KeyFormatType) is { } stored && stored.UInt32 == (uint)target) return value;
        if (block.Find(Tag.KeyWrappingData) is not null) throw NotSupported();
        TtlvElement material = obj.ObjectType switch
        {
            ObjectType.SymmetricKey or ObjectType.SecretData => target switch
            {
                KeyFormatType.Raw => TtlvElement.ByteString(Tag.KeyMaterial, CryptoSupport.SymmetricKey(obj)),
                KeyFormatType.TransparentSymmetricKey when obj.ObjectType == ObjectType.SymmetricKey
                    => TtlvElement.Structure(Tag.KeyMaterial, TtlvElement.ByteString(Tag.Key, CryptoSupport.SymmetricKey(obj))),
                _ => throw NotSupported(),
            },
            ObjectType.PrivateKey => Private(CryptoSupport.PrivateKey(obj), target),
            ObjectType.PublicKey => Public(CryptoSupport.PublicKey(obj), target),
            _ => throw NotSupported(),
        };
        var newBlock = TtlvElement.Structure(Tag.KeyBlock, TtlvElement.Enumeration(Tag.KeyFormatType, (uint)target));
        var keyValue = TtlvElement.Structure(Tag.KeyValue, material);
        newBlock.Children.Add(keyValue);
        foreach (var c in block.Children)
            if (c.Tag is Tag.CryptographicAlgorithm or Tag.CryptographicLength) newBlock.Children.Add(c);
        var result = TtlvElement.Structure(value.Tag);
        foreach (var c in value.Children) result.Children.Add(c.Tag == Tag.KeyBlock ? newBlock : c);
        return result;
    }

    private static TtlvElement Private(byte[] pkcs8, KeyFormatType target)
    {
        try
        {
            switch (target)
            {
                case KeyFormatType.TransparentRSAPrivateKey:
                    var r = CryptoSupport.Run(() => KeyFormats.ToRsaComponents(pkcs8));
                    return TtlvElement.Structure(Tag.KeyMaterial, Big(Tag.Modulus, r.Modulus), Big(Tag.PrivateExponent, r.PrivateExponent),
                        Big(Tag.PublicExponent, r.PublicExponent), Big(Tag.P, r.P), Big(Tag.Q, r.Q), Big(Tag.PrimeExponentP, r.PrimeExponentP),
                        Big(Tag.PrimeExponentQ, r.PrimeExponentQ), Big(Tag.CRTCoefficient, r.CrtCoefficient));
                case KeyFormatType.TransparentECPrivateKey:
                    var e = CryptoSupport.Run(() => KeyFormats.ToEcComponents(pkcs8));
                    return TtlvElement.Structure(Tag.KeyMaterial, TtlvElement.Enumeration(Tag.RecommendedCurve, (uint)e.Curve), Big(Tag.D, e.D));
                case KeyFormatType.PKCS_1 or KeyFormatType.PKCS_8 or KeyFormatType.ECPrivateKey or KeyFormatType.Raw:
                    return TtlvElement.ByteString(Tag.KeyMaterial, CryptoSupport.Run(() => KeyFormats.PrivateFromPkcs8(pkcs8, target)));
                default:
                    throw NotSupported();
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static TtlvElement Public(byte[] spki, KeyFormatType target)
    {
        switch (target)
        {
            case KeyFormatType.TransparentRSAPublicKey:
                var r = CryptoSupport.Run(() => KeyFormats.ToRsaPublicComponents(spki));
                return TtlvElement.Structure(Tag.KeyMaterial, Big(Tag.Modulus, r.Modulus), Big(Tag.PublicExponent, r.PublicExponent));
            case KeyFormatType.TransparentECPublicKey:
                var e = CryptoSupport.Run(() => KeyFormats.ToEcPublicComponents(spki));
                return TtlvElement.Structure(Tag.KeyMaterial, TtlvElement.Enumeration(Tag.RecommendedCurve, (uint)e.Curve), TtlvElement.ByteString(Tag.QString, e.Q));
            case KeyFormatType.X_509 or KeyFormatType.PKCS_1 or KeyFormatType.Raw:
                return TtlvElement.ByteString(Tag.KeyMaterial, CryptoSupport.Run(() => KeyFormats.PublicFromSpki(spki, target)));
            default:
                throw NotSupported();
        }
    }

    /// <summary>A Big Integer item from unsigned big-endian bytes.</summary>
    private static TtlvElement Big(Tag tag, byte[] unsignedBigEndian) => TtlvElement.BigInteger(tag, new BigInteger(unsignedBigEndian, isUnsigned: true, isBigEndian: true));

    private static KmipFault NotSupported() => new(ResultReason.KeyFormatTypeNotSupported, "Key format conversion not supported for this object", ResultReason.KeyFormatTypeNotSupported);
}
