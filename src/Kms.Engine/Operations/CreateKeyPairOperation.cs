using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Create Key Pair (KMIP 2.1 §6.1.8; 1.4 §4.2): generates a Private Key (stored PKCS#8; RSA: PKCS#1) and a Public Key
/// (stored X.509 SubjectPublicKeyInfo; RSA: PKCS#1) through <see cref="KeyGenerator"/> after the algorithm policy:
/// RSA 2048/3072/4096; EC/ECDSA/ECDH on P-256/384/521 or secp256k1 (Recommended Curve, or a length of
/// 256/384/521); X25519/X448 (EC with CURVE25519/CURVE448); Ed25519/Ed448; ML-KEM, ML-DSA and SLH-DSA
/// (extension algorithm values, see <see cref="KmsAlgorithms"/>). Attributes: 1.x Common/Private Key/Public
/// Key Template-Attribute, 2.x Common/Private Key/Public Key Attributes (the specific ones win over the
/// common ones). Each key links to the other (Public Key Link / Private Key Link). The ID Placeholder is
/// the private key. Needs the create right.
/// </summary>
internal sealed class CreateKeyPairOperation : IKmipOperation
{
    public Operation Operation => Operation.CreateKeyPair;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        var common = ReadSection(ctx, payload, ctx.Is1x ? Tag.CommonTemplateAttribute : Tag.CommonAttributes);
        var privateOnly = ReadSection(ctx, payload, ctx.Is1x ? Tag.PrivateKeyTemplateAttribute : Tag.PrivateKeyAttributes);
        var publicOnly = ReadSection(ctx, payload, ctx.Is1x ? Tag.PublicKeyTemplateAttribute : Tag.PublicKeyAttributes);

        var priv = ObjectBuilder.NewObject(ctx, ObjectType.PrivateKey);
        var pub = ObjectBuilder.NewObject(ctx, ObjectType.PublicKey);
        ObjectBuilder.ApplyClientAttributes(ctx, priv, Merge(common, privateOnly));
        ObjectBuilder.ApplyClientAttributes(ctx, pub, Merge(common, publicOnly));

        if (CryptoSupport.Algorithm(priv) is not (var alg and not 0)) throw KmipFault.Missing("Cryptographic Algorithm is required");
        int bits = priv.Get(Tag.CryptographicLength)?.Int32 ?? 0;
        var curve = CryptoSupport.Curve(priv);
        if (alg is CryptographicAlgorithm.EC or CryptographicAlgorithm.ECDSA or CryptographicAlgorithm.ECDH or CryptographicAlgorithm.ECMQV && curve == 0)
        {
            curve = bits switch
            {
                256 => RecommendedCurve.P_256,
                384 => RecommendedCurve.P_384,
                521 => RecommendedCurve.P_521,
                _ => throw KmipFault.Missing("Recommended Curve or Cryptographic Length is required"),
            };
        }
        if (alg == CryptographicAlgorithm.RSA && bits == 0) throw KmipFault.Missing("Cryptographic Length is required");

        var pair = CryptoSupport.Run(() => KeyGenerator.GenerateKeyPair(CryptoSupport.Policy(ctx), alg, bits, curve));
        SetValues(priv, pub, pair, alg);
        priv.AddInstance(Link(LinkType.PublicKeyLink, pub.Id));
        pub.AddInstance(Link(LinkType.PrivateKeyLink, priv.Id));

        ObjectBuilder.Finish(ctx, pub);
        ObjectBuilder.Finish(ctx, priv);
        ctx.Save(priv, touch: false);
        ctx.Save(pub, touch: false);
        ctx.Batch.IdPlaceholder = priv.Id;
        return TtlvElement.Structure(Tag.ResponsePayload,
            TtlvElement.TextString(Tag.PrivateKeyUniqueIdentifier, priv.Id),
            TtlvElement.TextString(Tag.PublicKeyUniqueIdentifier, pub.Id));
    }

    /// <summary>Stores the generated pair in the two objects (RSA as PKCS#1, the others PKCS#8 / SPKI) with length and curve.</summary>
    internal static void SetValues(ManagedObject priv, ManagedObject pub, GeneratedKeyPair pair, CryptographicAlgorithm alg)
    {
        var d = pair.Description;
        // RSA keys are stored PKCS#1 (the KMIP default format for RSA, which the OASIS AKLC cases expect), the others PKCS#8 / SPKI.
        if (alg == CryptographicAlgorithm.RSA)
        {
            var rsaPrivate = CryptoSupport.Run(() => KeyFormats.PrivateFromPkcs8(pair.PrivateKeyPkcs8, KeyFormatType.PKCS_1));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pair.PrivateKeyPkcs8);
            priv.Value = KeyObject(Tag.PrivateKey, KeyFormatType.PKCS_1, rsaPrivate, alg, d.Bits);
            pub.Value = KeyObject(Tag.PublicKey, KeyFormatType.PKCS_1, CryptoSupport.Run(() => KeyFormats.PublicFromSpki(pair.PublicKeySpki, KeyFormatType.PKCS_1)), alg, d.Bits);
        }
        else
        {
            priv.Value = KeyObject(Tag.PrivateKey, KeyFormatType.PKCS_8, pair.PrivateKeyPkcs8, alg, d.Bits);
            pub.Value = KeyObject(Tag.PublicKey, KeyFormatType.X_509, pair.PublicKeySpki, alg, d.Bits);
        }
        foreach (var o in (ReadOnlySpan<ManagedObject>)[priv, pub])
        {
            if (o.Get(Tag.CryptographicLength) is null) o.AddInstance(TtlvElement.Integer(Tag.CryptographicLength, d.Bits));
            if (d.Curve != 0 && o.Get(Tag.CryptographicDomainParameters) is null)
                o.AddInstance(TtlvElement.Structure(Tag.CryptographicDomainParameters, TtlvElement.Enumeration(Tag.RecommendedCurve, (uint)d.Curve)));
            // KMIP 1.3+ §3.44 / 2.1 §4.50: the generator the key pair came from (BouncyCastle over the OS CSPRNG, see Keys).
            if (o.Get(Tag.RandomNumberGenerator) is null) o.AddInstance(ObjectBuilder.GeneratorAttribute());
        }
    }

    /// <summary>A key object structure: Key Block {Key Format Type, Key Value {Key Material}, Algorithm, Length}.</summary>
    internal static TtlvElement KeyObject(Tag objectTag, KeyFormatType format, byte[] material, CryptographicAlgorithm alg, int bits)
        => TtlvElement.Structure(objectTag, TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)format),
            TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, material)),
            TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)alg),
            TtlvElement.Integer(Tag.CryptographicLength, bits)));

    internal static TtlvElement Link(LinkType type, string id) => TtlvElement.Structure(Tag.Link,
        TtlvElement.Enumeration(Tag.LinkType, (uint)type), TtlvElement.TextString(Tag.LinkedObjectIdentifier, id));

    internal static List<AttributeCodec.Incoming> ReadSection(OperationContext ctx, TtlvElement payload, Tag section)
    {
        var list = new List<AttributeCodec.Incoming>();
        if (payload.Find(section) is not { } s) return list;
        if (s.Type != ItemType.Structure) throw KmipFault.Invalid("Attributes must be a structure");
        foreach (var a in s.Children)
        {
            if (ctx.Is1x)
            {
                if (a.Tag == Tag.Attribute) list.Add(AttributeCodec.FromV1(a));
            }
            else list.Add(new(AttributeCodec.FromV2(a), null));
        }
        return list;
    }

    /// <summary>The specific attributes, then the common ones the specific list does not override (multi-valued ones are added).</summary>
    internal static List<AttributeCodec.Incoming> Merge(List<AttributeCodec.Incoming> common, List<AttributeCodec.Incoming> specific)
    {
        var merged = new List<AttributeCodec.Incoming>(specific);
        foreach (var c in common)
        {
            var key = AttributeKey.Of(c.Value);
            if (AttributeRules.IsMulti(c.Value.Tag) || !specific.Exists(s => AttributeKey.Of(s.Value) == key)) merged.Add(c);
        }
        return merged;
    }
}
