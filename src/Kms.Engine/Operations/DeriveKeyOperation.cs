using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Derive Key (KMIP 2.1 §6.1.10; 1.4 §4.6): a new Symmetric Key or Secret Data from one base object (Symmetric
/// Key or Secret Data with the Derive Key usage, Active) by PBKDF2 (the base key is the password; Salt,
/// Iteration Count, PRF = Cryptographic Parameters' Hashing Algorithm, default SHA-256), HKDF (Salt,
/// Derivation Data = info) or HMAC (HMAC of the Derivation Data, at most the hash length). The new object's attributes come from 2.x Attributes / 1.x Template-Attribute;
/// Cryptographic Length (bits) is required. Links: Derivation Base Object Link on the new object, Derived
/// Key Link on the base. Needs the create right and the Get right on the base (deriving is as strong as reading).
/// </summary>
internal sealed class DeriveKeyOperation : IKmipOperation
{
    public Operation Operation => Operation.DeriveKey;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        if (payload.Find(Tag.ObjectType) is not { Type: ItemType.Enumeration } typeElement) throw KmipFault.Missing("Object Type is required");
        var type = (ObjectType)typeElement.UInt32;
        if (type is not (ObjectType.SymmetricKey or ObjectType.SecretData))
            throw new KmipFault(ResultReason.InvalidObjectType, "Derive Key makes Symmetric Keys and Secret Data", ResultReason.InvalidField);
        if (payload.FindAll(Tag.UniqueIdentifier).Count() > 1) throw new KmipFault(ResultReason.FeatureNotSupported, "One base object only");
        var baseObj = CryptoSupport.LoadKey(ctx, payload, Permission.Get, CryptographicUsageMask.DeriveKey, State.Active);
        var secret = CryptoSupport.SymmetricKey(baseObj);
        if (payload.Find(Tag.DerivationMethod) is not { Type: ItemType.Enumeration } methodElement) throw KmipFault.Missing("Derivation Method is required");
        var method = (DerivationMethod)methodElement.UInt32;
        var dp = payload.Find(Tag.DerivationParameters) ?? throw KmipFault.Missing("Derivation Parameters are required");
        var hash = dp.Find(Tag.CryptographicParameters) is { } cp ? CryptoSupport.Enum<HashingAlgorithm>(cp, Tag.HashingAlgorithm) : 0;
        if (hash == 0) hash = HashingAlgorithm.SHA_256;
        var salt = CryptoSupport.Bytes(dp, Tag.Salt) ?? [];

        var obj = ObjectBuilder.NewObject(ctx, type);
        ObjectBuilder.ApplyClientAttributes(ctx, obj, AttributeCodec.ReadAttributes(payload, ctx.Version));
        int bits = obj.Get(Tag.CryptographicLength)?.Int32 ?? throw KmipFault.Missing("Cryptographic Length is required");
        if (bits <= 0 || bits % 8 != 0) throw new KmipFault(ResultReason.InvalidAttributeValue, "Cryptographic Length must be a positive multiple of 8", ResultReason.InvalidField);
        var policy = CryptoSupport.Policy(ctx);
        byte[] material = method switch
        {
            DerivationMethod.PBKDF2 => CryptoSupport.Run(() => KeyDerivation.Pbkdf2(policy, hash, secret, salt,
                CryptoSupport.Int(dp, Tag.IterationCount) ?? throw KmipFault.Missing("Iteration Count is required"), bits / 8)),
            DerivationMethod.HKDF => CryptoSupport.Run(() => KeyDerivation.Hkdf(policy, hash, secret, salt, CryptoSupport.Bytes(dp, Tag.DerivationData) ?? [], bits / 8)),
            DerivationMethod.HMAC => Hmac(policy, hash, secret, CryptoSupport.Bytes(dp, Tag.DerivationData) ?? throw KmipFault.Missing("Derivation Data is required"), bits / 8),
            _ => throw new KmipFault(ResultReason.InvalidField, "Derivation Method not supported"),
        };
        if (type == ObjectType.SymmetricKey)
        {
            if (obj.Get(Tag.CryptographicAlgorithm) is not { } alg) throw KmipFault.Missing("Cryptographic Algorithm is required");
            CryptoSupport.Run(() =>
            {
                policy.Check(new AlgorithmUse(CryptoUse.Generate, (CryptographicAlgorithm)alg.UInt32, bits));
                return 0;
            });
            obj.Value = CreateKeyPairOperation.KeyObject(Tag.SymmetricKey, KeyFormatType.Raw, material, (CryptographicAlgorithm)alg.UInt32, bits);
        }
        else
        {
            obj.Value = TtlvElement.Structure(Tag.SecretData,
                TtlvElement.Enumeration(Tag.SecretDataType, (uint)SecretDataType.Seed),
                TtlvElement.Structure(Tag.KeyBlock,
                    TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw),
                    TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, material))));
        }
        return ctx.SaveDerived(obj, baseObj, LinkType.DerivationBaseObjectLink, LinkType.DerivedKeyLink);
    }

    /// <summary>KMIP HMAC derivation (KMIP 1.4 §4.6): HMAC-hash(base key, Derivation Data), its first length bytes (at most the hash length).</summary>
    private static byte[] Hmac(AlgorithmPolicy policy, HashingAlgorithm hash, byte[] key, byte[] data, int length)
    {
        var alg = hash switch
        {
            HashingAlgorithm.SHA_1 => CryptographicAlgorithm.HMAC_SHA1,
            HashingAlgorithm.SHA_224 => CryptographicAlgorithm.HMAC_SHA224,
            HashingAlgorithm.SHA_256 => CryptographicAlgorithm.HMAC_SHA256,
            HashingAlgorithm.SHA_384 => CryptographicAlgorithm.HMAC_SHA384,
            HashingAlgorithm.SHA_512 => CryptographicAlgorithm.HMAC_SHA512,
            _ => throw new KmipFault(ResultReason.UnsupportedCryptographicParameters, "Hashing Algorithm not supported for HMAC derivation", ResultReason.CryptographicFailure),
        };
        var mac = CryptoSupport.Run(() => MacCalculator.Compute(policy, alg, key, data));
        if (length > mac.Length) throw new KmipFault(ResultReason.BadCryptographicParameters, "HMAC derivation gives at most the hash length", ResultReason.CryptographicFailure);
        return mac[..length];
    }
}
