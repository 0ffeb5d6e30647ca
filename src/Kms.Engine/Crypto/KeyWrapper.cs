using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>
/// Cryptographic Parameters of a Key Wrapping Specification's Encryption Key Information (KMIP 2.1 §2.1.5, §2.1.6).
/// With an AES wrapping key: Mode NISTKeyWrap (RFC 3394), AESKeyWrapPadding (RFC 5649) or GCM.
/// With an RSA wrapping key: Padding OAEP (RSA-OAEP), or Padding OAEP + Mode AESKeyWrapPadding for
/// RSA-AES key wrap (PKCS#11 v2.40 CKM_RSA_AES_KEY_WRAP: an ephemeral AES-256 key wrapped with OAEP, then the key with KWP).
/// </summary>
/// <param name="Mode">Block Cipher Mode (see above).</param>
/// <param name="Padding">Padding Method: OAEP for RSA wrapping keys (PKCS1V1_5 only if the policy allows it).</param>
/// <param name="Hash">OAEP hash (0 = SHA-1).</param>
/// <param name="MaskGeneratorHash">MGF1 hash (0 = the OAEP hash).</param>
/// <param name="TagLength">GCM tag length in bytes (12..16).</param>
public readonly record struct WrapParameters(BlockCipherMode Mode = 0, PaddingMethod Padding = 0, HashingAlgorithm Hash = 0, HashingAlgorithm MaskGeneratorHash = 0, int TagLength = 16);

/// <summary>Wrapped key bytes and, for AES-GCM, the nonce (KMIP Key Wrapping Data IV/Counter/Nonce). For GCM the data is ciphertext || tag.</summary>
public sealed record WrappedKey(byte[] Data, byte[]? Iv);

/// <summary>
/// Key wrapping for Get/Export with a Key Wrapping Specification and Register/Import of wrapped keys
/// (KMIP 2.1 §2.1.5). The bytes wrapped are whatever the engine chose per the Encoding Option (the raw
/// key bytes, or the TTLV-encoded Key Value for TTLV Encoding). An integrity failure on unwrap is
/// <see cref="CryptoFailureReason.AuthenticationFailed"/>.
/// </summary>
public static class KeyWrapper
{
    /// <summary>AES RFC 3394 default IV (§2.2.3.1), used by the test vectors.</summary>
    private const int RsaAesEphemeralKeyBytes = 32;

    /// <summary>Wraps <paramref name="keyMaterial"/> under an AES wrapping key.</summary>
    public static WrappedKey Wrap(AlgorithmPolicy policy, in WrapParameters p, ReadOnlySpan<byte> wrappingKey, ReadOnlySpan<byte> keyMaterial, ReadOnlySpan<byte> aad = default)
    {
        CheckAes(policy, CryptoUse.Wrap, p, wrappingKey);
        switch (p.Mode)
        {
            case BlockCipherMode.NISTKeyWrap:
                if (keyMaterial.Length < 16 || keyMaterial.Length % 8 != 0)
                    CryptoFailure.Throw(CryptoFailureReason.BadParameters, "RFC 3394 key wrap needs a multiple of 8 bytes, at least 16.");
                return new(Rfc3394(true, wrappingKey, keyMaterial), null);
            case BlockCipherMode.AESKeyWrapPadding:
                if (keyMaterial.IsEmpty) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Nothing to wrap.");
                using (var aes = SymmetricCipher.CreateAes(wrappingKey)) return new(aes.EncryptKeyWrapPadded(keyMaterial), null);
            case BlockCipherMode.GCM:
                var gcm = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: p.TagLength);
                var iv = RandomSource.Get(12);
                var output = new byte[keyMaterial.Length + p.TagLength];
                SymmetricCipher.Encrypt(policy, gcm, wrappingKey, iv, aad, keyMaterial, output, output.AsSpan(keyMaterial.Length));
                return new(output, iv);
            default:
                return CryptoFailure.Throw<WrappedKey>(CryptoFailureReason.UnsupportedParameters, "Key wrapping mode not supported for an AES wrapping key.");
        }
    }

    /// <summary>Unwraps under an AES wrapping key. <paramref name="iv"/> is required for GCM. The caller zeroes the result when done.</summary>
    public static byte[] Unwrap(AlgorithmPolicy policy, in WrapParameters p, ReadOnlySpan<byte> wrappingKey, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> iv = default, ReadOnlySpan<byte> aad = default)
    {
        CheckAes(policy, CryptoUse.Unwrap, p, wrappingKey);
        switch (p.Mode)
        {
            case BlockCipherMode.NISTKeyWrap:
                if (wrapped.Length < 24 || wrapped.Length % 8 != 0) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Wrapped key length is not valid for RFC 3394.");
                return Rfc3394(false, wrappingKey, wrapped);
            case BlockCipherMode.AESKeyWrapPadding:
                if (wrapped.Length < 16 || wrapped.Length % 8 != 0) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Wrapped key length is not valid for RFC 5649.");
                using (var aes = SymmetricCipher.CreateAes(wrappingKey))
                {
                    try { return aes.DecryptKeyWrapPadded(wrapped); }
                    catch (CryptographicException) { return AuthFailed(); }
                }
            case BlockCipherMode.GCM:
                if (wrapped.Length < p.TagLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Wrapped key is shorter than the tag.");
                var gcm = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: p.TagLength);
                var output = new byte[wrapped.Length - p.TagLength];
                SymmetricCipher.Decrypt(policy, gcm, wrappingKey, iv, aad, wrapped[..output.Length], wrapped[output.Length..], output);
                return output;
            default:
                return CryptoFailure.Throw<byte[]>(CryptoFailureReason.UnsupportedParameters, "Key wrapping mode not supported for an AES wrapping key.");
        }
    }

    /// <summary>Wraps under an RSA public key: RSA-OAEP, or RSA-AES (Mode = AESKeyWrapPadding) whose output is OAEP(K) || KWP_K(key).</summary>
    public static byte[] WrapWithPublicKey(AlgorithmPolicy policy, in WrapParameters p, ReadOnlySpan<byte> publicKeySpki, ReadOnlySpan<byte> keyMaterial)
    {
        var rsaP = new RsaEncryptionParameters(p.Padding == 0 ? PaddingMethod.OAEP : p.Padding, p.Hash, p.MaskGeneratorHash);
        if (p.Mode == 0) return RsaCipher.Encrypt(policy, rsaP, publicKeySpki, keyMaterial, CryptoUse.Wrap);
        if (p.Mode != BlockCipherMode.AESKeyWrapPadding || rsaP.Padding != PaddingMethod.OAEP)
            return CryptoFailure.Throw<byte[]>(CryptoFailureReason.UnsupportedParameters, "RSA key wrapping supports OAEP and RSA-AES (OAEP + AES key wrap with padding).");
        policy.Check(new AlgorithmUse(CryptoUse.Wrap, CryptographicAlgorithm.AES, RsaAesEphemeralKeyBytes * 8, Mode: BlockCipherMode.AESKeyWrapPadding));
        var ephemeral = RandomSource.Get(RsaAesEphemeralKeyBytes);
        try
        {
            var c1 = RsaCipher.Encrypt(policy, rsaP, publicKeySpki, ephemeral, CryptoUse.Wrap);
            byte[] c2;
            using (var aes = SymmetricCipher.CreateAes(ephemeral)) c2 = aes.EncryptKeyWrapPadded(keyMaterial);
            var result = new byte[c1.Length + c2.Length];
            c1.CopyTo(result, 0);
            c2.CopyTo(result, c1.Length);
            return result;
        }
        finally { CryptographicOperations.ZeroMemory(ephemeral); }
    }

    /// <summary>Unwraps with an RSA private key (inverse of <see cref="WrapWithPublicKey"/>).</summary>
    public static byte[] UnwrapWithPrivateKey(AlgorithmPolicy policy, in WrapParameters p, ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> wrapped)
    {
        var rsaP = new RsaEncryptionParameters(p.Padding == 0 ? PaddingMethod.OAEP : p.Padding, p.Hash, p.MaskGeneratorHash);
        if (p.Mode == 0) return RsaCipher.Decrypt(policy, rsaP, privateKeyPkcs8, wrapped, CryptoUse.Unwrap);
        if (p.Mode != BlockCipherMode.AESKeyWrapPadding || rsaP.Padding != PaddingMethod.OAEP)
            return CryptoFailure.Throw<byte[]>(CryptoFailureReason.UnsupportedParameters, "RSA key wrapping supports OAEP and RSA-AES (OAEP + AES key wrap with padding).");
        int modulusBytes = (KeyDescription.FromPkcs8(privateKeyPkcs8).Bits + 7) / 8;
        if (wrapped.Length < modulusBytes + 16) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Wrapped key is too short for RSA-AES.");
        var ephemeral = RsaCipher.Decrypt(policy, rsaP, privateKeyPkcs8, wrapped[..modulusBytes], CryptoUse.Unwrap);
        try
        {
            if (ephemeral.Length is not (16 or 24 or 32)) return AuthFailed();
            using var aes = SymmetricCipher.CreateAes(ephemeral);
            try { return aes.DecryptKeyWrapPadded(wrapped[modulusBytes..]); }
            catch (CryptographicException) { return AuthFailed(); }
        }
        finally { CryptographicOperations.ZeroMemory(ephemeral); }
    }

    private static void CheckAes(AlgorithmPolicy policy, CryptoUse use, in WrapParameters p, ReadOnlySpan<byte> wrappingKey)
    {
        policy.Check(new AlgorithmUse(use, CryptographicAlgorithm.AES, wrappingKey.Length * 8, Mode: p.Mode));
        if (wrappingKey.Length is not (16 or 24 or 32)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES wrapping key must be 16, 24 or 32 bytes.");
    }

    private static byte[] Rfc3394(bool wrap, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var keyArr = key.ToArray();
        try
        {
            var engine = new AesWrapEngine();
            engine.Init(wrap, new KeyParameter(keyArr));
            var input = data.ToArray();
            try { return wrap ? engine.Wrap(input, 0, input.Length) : engine.Unwrap(input, 0, input.Length); }
            catch (InvalidCipherTextException) { return AuthFailed(); }
            finally { CryptographicOperations.ZeroMemory(input); }
        }
        finally { CryptographicOperations.ZeroMemory(keyArr); }
    }

    private static byte[] AuthFailed() =>
        CryptoFailure.Throw<byte[]>(CryptoFailureReason.AuthenticationFailed, "Key unwrap failed: integrity check did not pass.");
}
