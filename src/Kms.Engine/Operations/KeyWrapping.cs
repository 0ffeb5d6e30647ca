using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Key Wrapping Specification on Get (KMIP 2.1 §2.1.5, §6.1.22): Wrapping Method Encrypt with Encryption Key
/// Information naming a KMS key that has the Wrap Key usage, is Active, and the caller may Encrypt with.
/// AES wrapping keys: NIST Key Wrap (RFC 3394), AES Key Wrap Padding (RFC 5649) or GCM (the IV travels in the
/// Key Wrapping Data); RSA public keys: OAEP, or OAEP + AES Key Wrap Padding (RSA-AES). Encoding Option: TTLV
/// Encoding (the default: the Key Value structure's TTLV bytes are wrapped) or No Encoding (the Key Material
/// bytes). The answer's Key Block holds the wrapped bytes as Key Value and the Key Wrapping Data.
/// MAC/Signature wrapping is Key Wrap Type Not Supported.
/// <see cref="Unwrap"/> is the inverse for Import (Key Wrap Type Not Wrapped) and Register (with
/// <see cref="EngineOptions.UnwrapOnRegister"/>): the Key Wrapping Data's Encryption Key Information must name a KMS
/// key the caller may Decrypt with that has the Unwrap Key usage (for an RSA public key or certificate: its linked
/// private key).
/// </summary>
internal static class KeyWrapping
{
    public static TtlvElement Wrap(OperationContext ctx, ManagedObject obj, TtlvElement value, TtlvElement spec)
    {
        if (spec.Find(Tag.WrappingMethod) is not { Type: ItemType.Enumeration } m) throw KmipFault.Missing("Wrapping Method is required");
        var method = (WrappingMethod)m.UInt32;
        if (method != WrappingMethod.Encrypt || spec.Find(Tag.MACSignatureKeyInformation) is not null)
            throw new KmipFault(ResultReason.KeyWrapTypeNotSupported, "Only the Encrypt wrapping method is supported", ResultReason.FeatureNotSupported);
        var eki = spec.Find(Tag.EncryptionKeyInformation) ?? throw KmipFault.Missing("Encryption Key Information is required");
        var encodingOption = spec.Find(Tag.EncodingOption);
        var encoding = encodingOption is { Type: ItemType.Enumeration } e ? (EncodingOption)e.UInt32 : EncodingOption.TTLVEncoding;
        var block = value.Find(Tag.KeyBlock) ?? throw new KmipFault(ResultReason.InvalidObjectType, "Only keys can be wrapped", ResultReason.InvalidField);
        if (block.Find(Tag.KeyWrappingData) is not null) throw new KmipFault(ResultReason.KeyWrapTypeNotSupported, "The key is already wrapped", ResultReason.FeatureNotSupported);
        var keyValue = block.Find(Tag.KeyValue) ?? throw KmipFault.Missing("The key has no Key Value");
        byte[] plain = encoding switch
        {
            EncodingOption.TTLVEncoding => keyValue.ToBytes(),
            EncodingOption.NoEncoding when keyValue.Find(Tag.KeyMaterial) is { Type: ItemType.ByteString } km => km.Bytes.ToArray(),
            EncodingOption.NoEncoding => throw new KmipFault(ResultReason.EncodingOptionError, "No Encoding needs byte key material", ResultReason.InvalidField),
            _ => throw new KmipFault(ResultReason.EncodingOptionError, "Unknown Encoding Option", ResultReason.InvalidField),
        };

        var subject = ctx.UniqueIdentifier;
        var wrapper = CryptoSupport.LoadKey(ctx, eki, Permission.Encrypt, CryptographicUsageMask.WrapKey, State.Active);
        ctx.UniqueIdentifier = subject;
        if (wrapper.Id == obj.Id) throw KmipFault.Invalid("A key cannot wrap itself");
        var p = Parameters(wrapper, eki);
        var policy = CryptoSupport.Policy(ctx);
        byte[] wrapped;
        byte[]? iv = null;
        try
        {
            if (wrapper.ObjectType is ObjectType.PublicKey or ObjectType.Certificate)
            {
                var spki = CryptoSupport.PublicKey(wrapper);
                var rsa = p with { Padding = p.Padding == 0 ? PaddingMethod.OAEP : p.Padding };
                wrapped = CryptoSupport.Run(() => KeyWrapper.WrapWithPublicKey(policy, rsa, spki, plain));
            }
            else
            {
                var kek = CryptoSupport.SymmetricKey(wrapper);
                var aes = p with { Mode = p.Mode == 0 ? BlockCipherMode.NISTKeyWrap : p.Mode };
                var w = CryptoSupport.Run(() => KeyWrapper.Wrap(policy, aes, kek, plain));
                wrapped = w.Data;
                iv = w.Iv;
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }

        var wrappingData = TtlvElement.Structure(Tag.KeyWrappingData,
            TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt), eki);
        if (iv is not null) wrappingData.Children.Add(TtlvElement.ByteString(Tag.IVCounterNonce, iv));
        // KMIP 2.1 §2.1.5: an absent Encoding Option means TTLV Encoding; it is echoed only when the client gave one (AX-M-2).
        if (encodingOption is not null) wrappingData.Children.Add(TtlvElement.Enumeration(Tag.EncodingOption, (uint)encoding));
        var newBlock = TtlvElement.Structure(Tag.KeyBlock);
        foreach (var c in block.Children)
        {
            if (c.Tag == Tag.KeyValue) newBlock.Children.Add(TtlvElement.ByteString(Tag.KeyValue, wrapped));
            else newBlock.Children.Add(c);
        }
        newBlock.Children.Add(wrappingData);
        var result = TtlvElement.Structure(value.Tag);
        foreach (var c in value.Children) result.Children.Add(c.Tag == Tag.KeyBlock ? newBlock : c);
        return result;
    }

    /// <summary>Whether the object structure holds a wrapped key block.</summary>
    public static bool IsWrapped(TtlvElement value) => value.Find(Tag.KeyBlock)?.Find(Tag.KeyWrappingData) is not null;

    /// <summary>
    /// Import with Key Wrap Type Not Wrapped (KMIP 2.1 §6.1.27): <see cref="TryUnwrap"/>, but a wrapping key that is not
    /// in this KMS (or that the caller may not see) is Object Not Found rather than a key kept wrapped.
    /// </summary>
    public static TtlvElement Unwrap(OperationContext ctx, TtlvElement value) => TryUnwrap(ctx, value)
        ?? throw new KmipFault(ResultReason.ObjectNotFound, "The wrapping key is not available", ResultReason.ItemNotFound);

    /// <summary>
    /// Register of a wrapped key (KMIP 2.1 §2.1.5 Key Wrapping Data, method Encrypt). When the Encryption Key Information
    /// names a key of this KMS that the caller can see, the key is unwrapped with it (the caller needs the Decrypt right, the
    /// wrapping key the Unwrap Key usage and a state that may process: Active, Deactivated or Compromised; a named Public
/// Key unwraps with its linked Private Key) and the clear
    /// Key Block returned, to be stored like any registered key; a failed integrity check is Cryptographic Failure.
    /// Otherwise (a wrapping key held elsewhere, a MAC/signature wrapping) the answer is null and the key is stored as received.
    /// </summary>
    public static TtlvElement? TryUnwrap(OperationContext ctx, TtlvElement value)
    {
        var block = value.Find(Tag.KeyBlock);
        var kwd = block?.Find(Tag.KeyWrappingData);
        if (block is null || kwd is null) return null;
        if (kwd.Find(Tag.WrappingMethod) is not { Type: ItemType.Enumeration } m || (WrappingMethod)m.UInt32 != WrappingMethod.Encrypt
            || kwd.Find(Tag.MACSignatureKeyInformation) is not null) return null;
        if (kwd.Find(Tag.EncryptionKeyInformation) is not { } eki || eki.Find(Tag.UniqueIdentifier) is not { Type: ItemType.TextString } wid) return null;
        if (!ctx.Work.TryLoad(wid.Text, out var candidate) || !AccessControl.MaySee(candidate, ctx.Caller.User)) return null;
        // Wrapped under one of our public keys: its private half (Private Key Link) unwraps.
        var unwrapWith = eki;
        if (candidate.ObjectType == ObjectType.PublicKey)
        {
            string? privateId = null;
            foreach (var l in candidate.All(new AttributeKey(Tag.Link, null, null)))
                if (l.Value.Find(Tag.LinkType) is { } lt && lt.UInt32 == (uint)LinkType.PrivateKeyLink && l.Value.Find(Tag.LinkedObjectIdentifier)?.Text is { } pid)
                    privateId = pid;
            if (privateId is null) return null;
            unwrapWith = TtlvElement.Structure(Tag.EncryptionKeyInformation, TtlvElement.TextString(Tag.UniqueIdentifier, privateId));
        }

        var subject = ctx.UniqueIdentifier;
        var wrapper = CryptoSupport.LoadKey(ctx, unwrapWith, Permission.Decrypt, CryptographicUsageMask.UnwrapKey, State.Active, State.Deactivated, State.Compromised);
        ctx.UniqueIdentifier = subject;
        if (block.Find(Tag.KeyValue) is not { Type: ItemType.ByteString } wrapped) throw KmipFault.Invalid("A wrapped Key Value must be a Byte String");
        var encoding = kwd.Find(Tag.EncodingOption) is { Type: ItemType.Enumeration } e ? (EncodingOption)e.UInt32 : EncodingOption.TTLVEncoding;
        if (encoding is not (EncodingOption.TTLVEncoding or EncodingOption.NoEncoding))
            throw new KmipFault(ResultReason.EncodingOptionError, "Unknown Encoding Option", ResultReason.InvalidField);
        var p = Parameters(wrapper, eki);
        var iv = CryptoSupport.Bytes(kwd, Tag.IVCounterNonce) ?? [];
        var policy = CryptoSupport.Policy(ctx);
        byte[] plain;
        if (wrapper.ObjectType == ObjectType.PrivateKey)
        {
            var pkcs8 = CryptoSupport.PrivateKey(wrapper);
            var rsa = p with { Padding = p.Padding == 0 ? PaddingMethod.OAEP : p.Padding };
            try { plain = CryptoSupport.Run(() => KeyWrapper.UnwrapWithPrivateKey(policy, rsa, pkcs8, wrapped.Bytes)); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8); }
        }
        else
        {
            var kek = CryptoSupport.SymmetricKey(wrapper);
            var aes = p with { Mode = p.Mode == 0 ? BlockCipherMode.NISTKeyWrap : p.Mode };
            plain = CryptoSupport.Run(() => KeyWrapper.Unwrap(policy, aes, kek, wrapped.Bytes, iv));
        }

        TtlvElement keyValue;
        if (encoding == EncodingOption.NoEncoding) keyValue = TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, plain));
        else
        {
            bool ok = TtlvElement.TryDecode(plain, out var decoded, out _, out _);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
            if (!ok || decoded is not { Tag: Tag.KeyValue, Type: ItemType.Structure })
                throw new KmipFault(ResultReason.EncodingOptionError, "The unwrapped bytes are not a TTLV Key Value", ResultReason.InvalidField);
            keyValue = decoded;
        }
        var clear = TtlvElement.Structure(Tag.KeyBlock);
        foreach (var c in block.Children)
        {
            if (c.Tag == Tag.KeyValue) clear.Children.Add(keyValue);
            else if (c.Tag != Tag.KeyWrappingData) clear.Children.Add(c);
        }
        var result = TtlvElement.Structure(value.Tag);
        foreach (var c in value.Children) result.Children.Add(c.Tag == Tag.KeyBlock ? clear : c);
        return result;
    }

    /// <summary>The wrapping parameters: the Encryption Key Information's Cryptographic Parameters over the wrapping key's attribute.</summary>
    private static WrapParameters Parameters(ManagedObject wrapper, TtlvElement eki)
    {
        var parameters = CryptoSupport.Parameters(wrapper, eki);
        return new WrapParameters(
            CryptoSupport.Enum<BlockCipherMode>(parameters, Tag.BlockCipherMode),
            CryptoSupport.Enum<PaddingMethod>(parameters, Tag.PaddingMethod),
            CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.HashingAlgorithm),
            CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.MaskGeneratorHashingAlgorithm),
            CryptoSupport.Int(parameters, Tag.TagLength) ?? 16);
    }
}
