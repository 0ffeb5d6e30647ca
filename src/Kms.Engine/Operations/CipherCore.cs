using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// The common body of Encrypt (KMIP 2.1 §6.1.18) and Decrypt (§6.1.11). Symmetric keys: AES GCM/CCM/CBC/ECB/CTR/XTS,
/// ChaCha20-Poly1305 (3DES when the policy allows it), the Cryptographic Parameters of the request over
/// the object's attribute; Encrypt generates the IV/Counter/Nonce when none is given (returned in the
/// response); AEAD modes take Authenticated Encryption Additional Data and return (Encrypt) or check
/// (Decrypt) the Authenticated Encryption Tag. RSA keys: OAEP (Hashing Algorithm, MGF1 hash) and PKCS#1 v1.5
/// when the policy allows it. Multi-part (CBC/ECB/CTR: <see cref="SymmetricStream"/>; GCM and ChaCha20-Poly1305:
/// <see cref="AeadStream"/>, AAD with the first part, tag with the last): Init Indicator starts, Correlation Value
/// continues, Final Indicator ends. Encrypt needs an Active key; Decrypt also accepts Deactivated and Compromised keys
/// (KMIP 2.1 §3.1: those may still process protected data).
/// </summary>
internal static class CipherCore
{
    public static TtlvElement Run(OperationContext ctx, TtlvElement payload, bool encrypt, CorrelationTable<IDisposable> streams)
    {
        var obj = encrypt
            ? CryptoSupport.LoadKey(ctx, payload, Permission.Encrypt, CryptographicUsageMask.Encrypt, State.Active)
            : CryptoSupport.LoadKey(ctx, payload, Permission.Decrypt, CryptographicUsageMask.Decrypt, State.Active, State.Deactivated, State.Compromised);
        var parameters = CryptoSupport.Parameters(obj, payload);
        var data = CryptoSupport.Bytes(payload, Tag.Data);
        var policy = CryptoSupport.Policy(ctx);
        var response = OperationContext.PayloadWithId(obj.Id);
        if (encrypt) UsageLimits.Consume(ctx, obj, data?.Length ?? 0);

        if (obj.ObjectType is ObjectType.PublicKey or ObjectType.PrivateKey)
        {
            if (data is null) throw KmipFault.Missing("Data is required");
            var p = new RsaEncryptionParameters(
                CryptoSupport.Enum<PaddingMethod>(parameters, Tag.PaddingMethod) is var pm and not 0 ? pm : PaddingMethod.OAEP,
                CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.HashingAlgorithm),
                CryptoSupport.Enum<HashingAlgorithm>(parameters, Tag.MaskGeneratorHashingAlgorithm),
                CryptoSupport.Bytes(parameters, Tag.PSource));
            byte[] result;
            if (encrypt)
            {
                if (obj.ObjectType != ObjectType.PublicKey) throw new KmipFault(ResultReason.InvalidObjectType, "Encrypt needs the public key", ResultReason.InvalidField);
                var spki = CryptoSupport.PublicKey(obj);
                result = CryptoSupport.Run(() => RsaCipher.Encrypt(policy, p, spki, data));
            }
            else
            {
                if (obj.ObjectType != ObjectType.PrivateKey) throw new KmipFault(ResultReason.InvalidObjectType, "Decrypt needs the private key", ResultReason.InvalidField);
                var pkcs8 = CryptoSupport.PrivateKey(obj);
                try { result = CryptoSupport.Run(() => RsaCipher.Decrypt(policy, p, pkcs8, data)); }
                finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8); }
            }
            response.Children.Add(TtlvElement.ByteString(Tag.Data, result));
            return response;
        }

        var key = CryptoSupport.SymmetricKey(obj);
        var alg = CryptoSupport.Enum<CryptographicAlgorithm>(parameters, Tag.CryptographicAlgorithm) is var a and not 0 ? a : CryptoSupport.Algorithm(obj);
        var sp = new SymmetricParameters(alg,
            CryptoSupport.Enum<BlockCipherMode>(parameters, Tag.BlockCipherMode),
            CryptoSupport.Enum<PaddingMethod>(parameters, Tag.PaddingMethod),
            CryptoSupport.Int(parameters, Tag.TagLength) ?? 16);
        var iv = CryptoSupport.Bytes(payload, Tag.IVCounterNonce);
        var correlation = CryptoSupport.Bytes(payload, Tag.CorrelationValue);
        bool init = payload.Find(Tag.InitIndicator) is { Bool: true };
        bool final = payload.Find(Tag.FinalIndicator) is { Bool: true };

        // OASIS CS-BC-M-GCM-1 / CS-BC-M-CHACHA20POLY1305-1 (steps 7, 8): a Tag Length no AEAD mode offers is General Failure.
        if (!sp.HasPossibleTagLength) throw CryptoSupport.Fault(new CryptoFailure(CryptoFailureReason.BadTagLength, "Tag length not valid for this mode."));
        // OASIS CS-BC-M-11/-12/-13 (1.4 and 2.1): Decrypt without the IV/Counter/Nonce a mode needs is Invalid Message.
        if (!encrypt && iv is null && correlation is null && sp.DefaultIvLength > 0)
            throw new KmipFault(ResultReason.InvalidMessage, "The IV/Counter/Nonce is missing");

        if (init || correlation is not null)
            return Stream(ctx, obj, key, sp, iv, data ?? [], payload, init, final, correlation, encrypt, streams, response);

        if (data is null) throw KmipFault.Missing("Data is required");
        var aad = CryptoSupport.Bytes(payload, Tag.AuthenticatedEncryptionAdditionalData) ?? [];
        if (encrypt)
        {
            bool generated = false;
            if (iv is null && sp.DefaultIvLength > 0)
            {
                iv = new byte[sp.DefaultIvLength];
                RandomSource.FillNonce(iv);
                generated = true;
            }
            var output = new byte[SymmetricCipher.GetCiphertextLength(sp, data.Length)];
            var tag = new byte[sp.IsAead ? sp.TagLength : 0];
            int n = CryptoSupport.Run(() => SymmetricCipher.Encrypt(policy, sp, key, iv ?? [], aad, data, output, tag));
            response.Children.Add(TtlvElement.ByteString(Tag.Data, n == output.Length ? output : output[..n]));
            if (generated) response.Children.Add(TtlvElement.ByteString(Tag.IVCounterNonce, iv!));
            if (sp.IsAead) response.Children.Add(TtlvElement.ByteString(Tag.AuthenticatedEncryptionTag, tag));
        }
        else
        {
            byte[] tag = [];
            if (sp.IsAead) tag = CryptoSupport.Bytes(payload, Tag.AuthenticatedEncryptionTag) ?? throw KmipFault.Missing("Authenticated Encryption Tag is required");
            var output = new byte[data.Length];
            int n = CryptoSupport.Run(() => SymmetricCipher.Decrypt(policy, sp with { TagLength = sp.IsAead ? tag.Length : sp.TagLength }, key, iv ?? [], aad, data, tag, output));
            response.Children.Add(TtlvElement.ByteString(Tag.Data, output[..n]));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(output);
        }
        return response;
    }

    private static TtlvElement Stream(OperationContext ctx, ManagedObject obj, byte[] key, SymmetricParameters sp, byte[]? iv, byte[] data,
        TtlvElement payload, bool init, bool final, byte[]? correlation, bool encrypt, CorrelationTable<IDisposable> streams, TtlvElement response)
    {
        var policy = CryptoSupport.Policy(ctx);
        var aad = CryptoSupport.Bytes(payload, Tag.AuthenticatedEncryptionAdditionalData);
        IDisposable stream;
        bool generated = false;
        if (init)
        {
            if (correlation is not null) throw KmipFault.Invalid("Init Indicator and Correlation Value are exclusive");
            if (encrypt && iv is null && sp.DefaultIvLength > 0)
            {
                iv = new byte[sp.DefaultIvLength];
                RandomSource.FillNonce(iv);
                generated = true;
            }
            var ivCopy = iv ?? [];
            stream = sp.IsAead
                ? CryptoSupport.Run(() => AeadStream.Begin(policy, sp, encrypt, key, ivCopy, aad ?? []))
                : CryptoSupport.Run(() => SymmetricStream.Begin(policy, sp, encrypt, key, ivCopy));
        }
        else
        {
            stream = streams.Take(correlation!, ctx.Caller.User, obj.Id, ctx.Now);
            bool isEncrypt = stream is AeadStream a ? a.IsEncrypt : ((SymmetricStream)stream).IsEncrypt;
            if (isEncrypt != encrypt)
            {
                stream.Dispose();
                throw new KmipFault(ResultReason.InvalidCorrelationValue, "Correlation Value belongs to another operation", ResultReason.InvalidField);
            }
            if (aad is not null)
            {
                stream.Dispose();
                throw KmipFault.Invalid("Authenticated Encryption Additional Data goes with the Init Indicator");
            }
        }
        byte[] output;
        byte[]? tag = null;
        try
        {
            int n;
            if (stream is AeadStream aead)
            {
                if (final && encrypt) tag = new byte[aead.Parameters.TagLength];
                var tagIn = final && !encrypt
                    ? CryptoSupport.Bytes(payload, Tag.AuthenticatedEncryptionTag) ?? throw KmipFault.Missing("Authenticated Encryption Tag is required")
                    : null;
                output = new byte[final ? aead.GetFinalOutputLength(data.Length) : aead.GetUpdateOutputLength(data.Length)];
                n = CryptoSupport.Run(() => final ? aead.Final(policy, key, data, output, encrypt ? tag : tagIn) : aead.Update(key, data, output));
            }
            else
            {
                var block = (SymmetricStream)stream;
                output = new byte[final ? block.GetFinalOutputLength(data.Length) : block.GetUpdateOutputLength(data.Length)];
                n = CryptoSupport.Run(() => final ? block.Final(key, data, output) : block.Update(key, data, output));
            }
            var result = output[..n];
            if (!encrypt) System.Security.Cryptography.CryptographicOperations.ZeroMemory(output);
            output = result;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        response.Children.Add(TtlvElement.ByteString(Tag.Data, output));
        if (generated) response.Children.Add(TtlvElement.ByteString(Tag.IVCounterNonce, iv!));
        if (final)
        {
            // KMIP 2.1 §6.1.18: the final response ends the operation; it carries the tag (AEAD) and no Correlation Value (OASIS CS-BC-M-GCM-3).
            stream.Dispose();
            if (tag is not null) response.Children.Add(TtlvElement.ByteString(Tag.AuthenticatedEncryptionTag, tag));
        }
        else
        {
            if (init) correlation = streams.Add(stream, ctx.Caller.User, obj.Id, ctx.Now);
            else streams.Put(correlation!, stream, ctx.Caller.User, obj.Id, ctx.Now);
            response.Children.Add(TtlvElement.ByteString(Tag.CorrelationValue, correlation!));
        }
        return response;
    }
}
