using System.Security.Cryptography;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Create (KMIP 2.1 §6.1.7; 1.4 §4.1): a Symmetric Key (AES 128/192/256, 3DES 112/168, HMAC-SHA1/224/256/384/512 with a
/// length that is a positive multiple of 8 up to 4096 bits, default the hash size) or Secret Data (Secret
/// Data Type Seed, Cryptographic Length bits, default 256) filled from <see cref="RandomNumberGenerator"/>,
/// stored Raw. Sets the ID Placeholder. Needs the create right (privileged users).
/// </summary>
internal sealed class CreateOperation : IKmipOperation
{
    private const int MaxSecretBits = 4096;

    public Operation Operation => Operation.Create;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        ObjectBuilder.RequireCreateRight(ctx);
        if (payload.Find(Tag.ObjectType) is not { Type: ItemType.Enumeration } typeElement) throw KmipFault.Missing("Object Type is required");
        var type = (ObjectType)typeElement.UInt32;
        if (type is not (ObjectType.SymmetricKey or ObjectType.SecretData))
            throw new KmipFault(ResultReason.InvalidObjectType, "Create makes Symmetric Keys and Secret Data", ResultReason.InvalidField);

        var obj = ObjectBuilder.NewObject(ctx, type);
        ObjectBuilder.ApplyClientAttributes(ctx, obj, AttributeCodec.ReadAttributes(payload, ctx.Version));
        if (type == ObjectType.SymmetricKey)
        {
            if (obj.Get(Tag.CryptographicAlgorithm) is not { } algElement) throw KmipFault.Missing("Cryptographic Algorithm is required");
            var alg = (CryptographicAlgorithm)algElement.UInt32;
            int? length = obj.Get(Tag.CryptographicLength)?.Int32;
            int bits = KeyLength(alg, length);
            if (length is null) obj.AddInstance(TtlvElement.Integer(Tag.CryptographicLength, bits));
            // QS-M-2: a quantum-safe key must be a 256-bit (or longer) symmetric key.
            if (obj.Get(Tag.QuantumSafe) is { Bool: true } && bits < 256)
                throw new KmipFault(ResultReason.GeneralFailure, "The key would not be quantum safe");
            // Every algorithm passes the policy first (3DES only when allowed); KeyGenerator covers the rest (ChaCha20, HMAC-SHA3 …).
            var material = CryptoSupport.Run((policy: CryptoSupport.Policy(ctx), alg, bits), static k =>
            {
                k.policy.Check(new Crypto.AlgorithmUse(Crypto.CryptoUse.Generate, k.alg, k.alg == CryptographicAlgorithm.DES3 ? 192 : k.bits));
                return k.alg is CryptographicAlgorithm.DES3 ? RandomNumberGenerator.GetBytes(k.bits / 8) : Crypto.KeyGenerator.GenerateSymmetric(k.policy, k.alg, k.bits);
            });
            obj.Value = TtlvElement.Structure(Tag.SymmetricKey, TtlvElement.Structure(Tag.KeyBlock,
                ObjectBuilder.RawFormat,
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, material)),
                TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)alg),
                TtlvElement.Integer(Tag.CryptographicLength, length ?? bits)));
        }
        else
        {
            int bits = obj.Get(Tag.CryptographicLength)?.Int32 ?? 256;
            if (bits <= 0 || bits % 8 != 0 || bits > MaxSecretBits) throw new KmipFault(ResultReason.InvalidAttributeValue, "Unsupported length", ResultReason.InvalidField);
            obj.Value = TtlvElement.Structure(Tag.SecretData,
                TtlvElement.Enumeration(Tag.SecretDataType, (uint)SecretDataType.Seed),
                TtlvElement.Structure(Tag.KeyBlock,
                    ObjectBuilder.RawFormat,
                    TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, RandomNumberGenerator.GetBytes(bits / 8)))));
        }
        // KMIP 1.3+ §3.44: the generator the key material came from.
        if (obj.Get(Tag.RandomNumberGenerator) is null) obj.AddInstance(ObjectBuilder.GeneratorAttribute());
        ObjectBuilder.Finish(ctx, obj);
        ctx.Save(obj, touch: false);
        ctx.Batch.IdPlaceholder = obj.Id;
        var response = TtlvElement.Structure(Tag.ResponsePayload,
            ObjectBuilder.ObjectTypeElement(type),
            TtlvElement.TextString(Tag.UniqueIdentifier, obj.Id));
        return response;
    }

    private static int KeyLength(CryptographicAlgorithm alg, int? length)
    {
        int? hashBits = alg switch
        {
            CryptographicAlgorithm.HMAC_SHA1 => 160,
            CryptographicAlgorithm.HMAC_SHA224 => 224,
            CryptographicAlgorithm.HMAC_SHA256 => 256,
            CryptographicAlgorithm.HMAC_SHA384 => 384,
            CryptographicAlgorithm.HMAC_SHA512 => 512,
            _ => null,
        };
        if (alg == CryptographicAlgorithm.DES3)
        {
            // KMIP counts 3DES key length without parity bits: 112 (two keys) or 168 (three keys); material has parity bytes.
            return length switch
            {
                112 => 128,
                168 or 192 => 192,
                null => throw KmipFault.Missing("Cryptographic Length is required"),
                _ => throw new KmipFault(ResultReason.InvalidAttributeValue, "3DES keys are 112 or 168 bits", ResultReason.InvalidField),
            };
        }
        if (alg == CryptographicAlgorithm.AES)
        {
            if (length is null) throw KmipFault.Missing("Cryptographic Length is required");
            if (length is not (128 or 192 or 256)) throw new KmipFault(ResultReason.InvalidAttributeValue, "AES keys are 128, 192 or 256 bits", ResultReason.InvalidField);
            return length.Value;
        }
        if (hashBits is { } h)
        {
            int bits = length ?? h;
            if (bits <= 0 || bits % 8 != 0 || bits > MaxSecretBits) throw new KmipFault(ResultReason.InvalidAttributeValue, "Unsupported HMAC key length", ResultReason.InvalidField);
            return bits;
        }
        // Other algorithms (ChaCha20, HMAC-SHA3 …): KeyGenerator validates the length.
        if (Crypto.KmsAlgorithms.HmacHash(alg) != 0) return length ?? Crypto.KmsAlgorithms.HashLength(Crypto.KmsAlgorithms.HmacHash(alg)) * 8;
        if (alg is CryptographicAlgorithm.ChaCha20 or CryptographicAlgorithm.ChaCha20Poly1305) return length ?? 256;
        throw new KmipFault(ResultReason.InvalidAttributeValue, "Unsupported Cryptographic Algorithm for Create", ResultReason.InvalidField);
    }
}
