using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>
/// One-shot symmetric Encrypt / Decrypt (KMIP 2.1 §6.1.19, §6.1.15): AES-GCM, AES-CCM, ChaCha20-Poly1305,
/// AES-CBC / AES-ECB (PKCS#5 or no padding), AES-CTR, AES-XTS, and 3DES CBC/ECB when the policy allows it.
/// For AEAD modes the tag is written to / read from a separate span (KMIP Authenticated Encryption Tag).
/// The key is borrowed for the call only; no key bytes are retained except by the per-thread AES-GCM
/// context cache (see <see cref="AesGcmCache"/>).
/// </summary>
public static class SymmetricCipher
{
    /// <summary>Exact output length of <see cref="Encrypt"/> for <paramref name="plaintextLength"/> input bytes (tag excluded).</summary>
    public static int GetCiphertextLength(in SymmetricParameters p, int plaintextLength)
    {
        if (p.Mode is BlockCipherMode.CBC or BlockCipherMode.ECB && p.Padding == PaddingMethod.PKCS5)
        {
            int block = BlockSize(p.Algorithm);
            return (plaintextLength / block + 1) * block;
        }
        return plaintextLength;
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (at least
    /// <see cref="GetCiphertextLength"/> bytes) and, for AEAD modes, writes the tag into
    /// <paramref name="tag"/> (exactly <see cref="SymmetricParameters.TagLength"/> bytes). Returns the
    /// ciphertext length. <paramref name="iv"/> is the IV/Counter/Nonce (use
    /// <see cref="RandomSource.Fill"/> with <see cref="SymmetricParameters.DefaultIvLength"/> for a random one).
    /// </summary>
    public static int Encrypt(AlgorithmPolicy policy, in SymmetricParameters p, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv,
        ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        policy.Check(p.Use(CryptoUse.Encrypt, key.Length));
        int outLen = GetCiphertextLength(p, plaintext.Length);
        if (ciphertext.Length < outLen) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
        ciphertext = ciphertext[..outLen];
        if (p.IsChaCha20Stream)
        {
            ChaCha20.Xor(key, iv, 0, 0, plaintext, ciphertext);
            return outLen;
        }
        if (p.IsChaChaPoly)
        {
            CheckKey(key, 32);
            CheckAead(p, iv, tag, 12, 12, 12, 16);
            using var c = new System.Security.Cryptography.ChaCha20Poly1305(key);
            if (tag.Length == 16) c.Encrypt(iv, plaintext, ciphertext, tag, aad);
            else
            {
                Span<byte> full = stackalloc byte[16];
                c.Encrypt(iv, plaintext, ciphertext, full, aad);
                full[..tag.Length].CopyTo(tag);
            }
            return outLen;
        }
        switch (p.Mode)
        {
            case BlockCipherMode.GCM:
                CheckAesKey(p, key);
                CheckAead(p, iv, tag, 1, 128, 12, 16);
                if (iv.Length == 12) AesGcmCache.Get(key, p.TagLength).Encrypt(iv, plaintext, ciphertext, tag, aad);
                else BcGcm(true, key, iv, aad, plaintext, ciphertext, tag);
                return outLen;
            case BlockCipherMode.CCM:
                CheckAesKey(p, key);
                CheckAead(p, iv, tag, 7, 13, 4, 16);
                using (var ccm = new AesCcm(key)) ccm.Encrypt(iv, plaintext, ciphertext, tag, aad);
                return outLen;
            case BlockCipherMode.XTS:
                Xts(true, p, key, iv, plaintext, ciphertext);
                return outLen;
            case BlockCipherMode.CTR:
                Ctr(p, key, iv, plaintext, ciphertext);
                return outLen;
            case BlockCipherMode.CBC or BlockCipherMode.ECB:
                using (var alg = CreateBlock(p, key))
                {
                    var mode = Padding(p, plaintext.Length, encrypt: true);
                    if (p.Mode == BlockCipherMode.CBC)
                        return alg.EncryptCbc(plaintext, CheckIv(p, iv), ciphertext, mode);
                    return alg.EncryptEcb(plaintext, ciphertext, mode);
                }
            default:
                return CryptoFailure.Throw<int>(CryptoFailureReason.UnsupportedParameters, "Block cipher mode not supported.");
        }
    }

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> into <paramref name="plaintext"/> (at least
    /// <paramref name="ciphertext"/>.Length bytes); returns the plaintext length. For AEAD modes
    /// <paramref name="tag"/> is verified (by the provider, in constant time) and a mismatch is
    /// <see cref="CryptoFailureReason.AuthenticationFailed"/>; no plaintext is released then (the output is zeroed).
    /// </summary>
    public static int Decrypt(AlgorithmPolicy policy, in SymmetricParameters p, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv,
        ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        policy.Check(p.Use(CryptoUse.Decrypt, key.Length));
        if (plaintext.Length < ciphertext.Length) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
        try
        {
            if (p.IsChaCha20Stream)
            {
                ChaCha20.Xor(key, iv, 0, 0, ciphertext, plaintext[..ciphertext.Length]);
                return ciphertext.Length;
            }
            if (p.IsChaChaPoly)
            {
                CheckKey(key, 32);
                CheckAead(p, iv, tag, 12, 12, 12, 16);
                if (tag.Length == 16)
                {
                    using var c = new System.Security.Cryptography.ChaCha20Poly1305(key);
                    c.Decrypt(iv, ciphertext, tag, plaintext[..ciphertext.Length], aad);
                }
                else ChaChaPolyTruncatedDecrypt(key, iv, aad, ciphertext, tag, plaintext[..ciphertext.Length]);
                return ciphertext.Length;
            }
            switch (p.Mode)
            {
                case BlockCipherMode.GCM:
                    CheckAesKey(p, key);
                    CheckAead(p, iv, tag, 1, 128, 12, 16);
                    if (iv.Length == 12) AesGcmCache.Get(key, tag.Length).Decrypt(iv, ciphertext, tag, plaintext[..ciphertext.Length], aad);
                    else BcGcmDecrypt(key, iv, aad, ciphertext, tag, plaintext[..ciphertext.Length]);
                    return ciphertext.Length;
                case BlockCipherMode.CCM:
                    CheckAesKey(p, key);
                    CheckAead(p, iv, tag, 7, 13, 4, 16);
                    using (var ccm = new AesCcm(key)) ccm.Decrypt(iv, ciphertext, tag, plaintext[..ciphertext.Length], aad);
                    return ciphertext.Length;
                case BlockCipherMode.XTS:
                    Xts(false, p, key, iv, ciphertext, plaintext[..ciphertext.Length]);
                    return ciphertext.Length;
                case BlockCipherMode.CTR:
                    Ctr(p, key, iv, ciphertext, plaintext);
                    return ciphertext.Length;
                case BlockCipherMode.CBC or BlockCipherMode.ECB:
                    using (var alg = CreateBlock(p, key))
                    {
                        int block = BlockSize(p.Algorithm);
                        if (ciphertext.Length % block != 0 || (p.Padding == PaddingMethod.PKCS5 && ciphertext.IsEmpty))
                            CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Ciphertext length is not a multiple of the block size.");
                        var mode = p.Padding == PaddingMethod.PKCS5 ? PaddingMode.PKCS7 : Padding(p, ciphertext.Length, encrypt: false);
                        return p.Mode == BlockCipherMode.CBC
                            ? alg.DecryptCbc(ciphertext, CheckIv(p, iv), plaintext, mode)
                            : alg.DecryptEcb(ciphertext, plaintext, mode);
                    }
                default:
                    return CryptoFailure.Throw<int>(CryptoFailureReason.UnsupportedParameters, "Block cipher mode not supported.");
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return CryptoFailure.Throw<int>(CryptoFailureReason.AuthenticationFailed, "Authenticated decryption failed: the tag does not match.");
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return CryptoFailure.Throw<int>(p.Mode is BlockCipherMode.CBC or BlockCipherMode.ECB ? CryptoFailureReason.BadPadding : CryptoFailureReason.Failed,
                p.Mode is BlockCipherMode.CBC or BlockCipherMode.ECB ? "Decryption failed: bad padding." : "Decryption failed.");
        }
    }

    /// <summary>
    /// ChaCha20-Poly1305 (RFC 8439 §2.8) with a tag shorter than 16 bytes, which the BCL refuses: the full tag is computed
    /// over the AAD and ciphertext and its first bytes compared in constant time before anything is decrypted.
    /// </summary>
    private static void ChaChaPolyTruncatedDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> otk = stackalloc byte[32];
        Span<byte> acc = stackalloc byte[AeadMac.PolyStateSize];
        Span<byte> block = stackalloc byte[16];
        Span<byte> full = stackalloc byte[16];
        try
        {
            otk.Clear();
            acc.Clear();
            ChaCha20.Xor(key, nonce, 0, 0, otk, otk);
            PolyPadded(acc, otk, aad, block);
            PolyPadded(acc, otk, ciphertext, block);
            BinaryPrimitives.WriteUInt64LittleEndian(block, (ulong)aad.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(block[8..], (ulong)ciphertext.Length);
            AeadMac.Poly1305(acc, otk, block);
            AeadMac.Poly1305Finish(acc, otk, full);
            if (!CryptographicOperations.FixedTimeEquals(full[..tag.Length], tag)) throw new AuthenticationTagMismatchException();
            ChaCha20.Xor(key, nonce, 1, 0, ciphertext, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(otk);
            CryptographicOperations.ZeroMemory(full);
        }
    }

    private static void PolyPadded(Span<byte> acc, ReadOnlySpan<byte> otk, ReadOnlySpan<byte> part, Span<byte> block)
    {
        int whole = part.Length / 16 * 16;
        AeadMac.Poly1305(acc, otk, part[..whole]);
        if (whole == part.Length) return;
        block.Clear();
        part[whole..].CopyTo(block);
        AeadMac.Poly1305(acc, otk, block);
    }

    internal static int BlockSize(CryptographicAlgorithm a) => a == CryptographicAlgorithm.DES3 ? 8 : 16;

    private static PaddingMode Padding(in SymmetricParameters p, int length, bool encrypt)
    {
        switch (p.Padding)
        {
            case PaddingMethod.PKCS5: return PaddingMode.PKCS7;
            case PaddingMethod.None or 0:
                if (length % BlockSize(p.Algorithm) != 0)
                    CryptoFailure.Throw(CryptoFailureReason.BadParameters, encrypt ? "Data length must be a multiple of the block size without padding." : "Ciphertext length is not a multiple of the block size.");
                return PaddingMode.None;
            default: return CryptoFailure.Throw<PaddingMode>(CryptoFailureReason.UnsupportedParameters, "Padding method not supported for this mode.");
        }
    }

    private static ReadOnlySpan<byte> CheckIv(in SymmetricParameters p, ReadOnlySpan<byte> iv)
    {
        if (iv.IsEmpty) CryptoFailure.Throw(CryptoFailureReason.MissingIv, "This mode needs an IV.");
        if (iv.Length != BlockSize(p.Algorithm)) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "IV length must equal the block size.");
        return iv;
    }

    private static void CheckKey(ReadOnlySpan<byte> key, int length)
    {
        if (key.Length != length) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "Key length does not fit the algorithm.");
    }

    private static void CheckAesKey(in SymmetricParameters p, ReadOnlySpan<byte> key)
    {
        if (p.Algorithm != CryptographicAlgorithm.AES) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "This mode needs an AES key.");
        if (key.Length is not (16 or 24 or 32)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES key must be 16, 24 or 32 bytes.");
    }

    private static void CheckAead(in SymmetricParameters p, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> tag, int ivMin, int ivMax, int tagMin, int tagMax)
    {
        if (iv.IsEmpty) CryptoFailure.Throw(CryptoFailureReason.MissingIv, "This mode needs a nonce.");
        if (iv.Length < ivMin || iv.Length > ivMax) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Nonce length not valid for this mode.");
        if (tag.Length < tagMin || tag.Length > tagMax || (p.Mode == BlockCipherMode.CCM && tag.Length % 2 != 0))
            CryptoFailure.Throw(CryptoFailureReason.BadTagLength, "Tag length not valid for this mode.");
    }

    internal static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.SetKey(key);
        return aes;
    }

    private static SymmetricAlgorithm CreateBlock(in SymmetricParameters p, ReadOnlySpan<byte> key)
    {
        if (p.Algorithm == CryptographicAlgorithm.DES3)
        {
            if (key.Length is not (16 or 24)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "3DES key must be 16 or 24 bytes.");
            var des = TripleDES.Create();
            des.SetKey(key);
            return des;
        }
        CheckAesKey(p, key);
        return CreateAes(key);
    }

    /// <summary>CTR keystream XOR (SP 800-38A §6.5) with a full 128-bit big-endian counter. <paramref name="offset"/> is the
    /// position inside the current counter block (for multi-part calls); the counter is advanced in place.</summary>
    /// <summary>One-shot AES-CTR (SP 800-38A §6.5): encryption and decryption are the same keystream XOR.</summary>
    private static void Ctr(in SymmetricParameters p, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        CheckAesKey(p, key);
        if (iv.Length != 16) CryptoFailure.Throw(iv.IsEmpty ? CryptoFailureReason.MissingIv : CryptoFailureReason.BadParameters, "AES-CTR needs a 16-byte initial counter block.");
        using var aes = CreateAes(key);
        Span<byte> counter = stackalloc byte[16];
        iv.CopyTo(counter);
        int offset = 0;
        CtrXor(aes, counter, ref offset, input, output);
        CryptographicOperations.ZeroMemory(counter);
    }

    internal static void CtrXor(Aes aes, Span<byte> counter, ref int offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        const int Chunk = 512;
        Span<byte> blocks = stackalloc byte[Chunk];
        Span<byte> stream = stackalloc byte[Chunk];
        int done = 0;
        while (done < input.Length)
        {
            // Build counter blocks covering the bytes still needed, starting at the current block.
            int need = offset + (input.Length - done);
            int nBlocks = Math.Min(Chunk / 16, (need + 15) / 16);
            for (int b = 0; b < nBlocks; b++)
            {
                counter.CopyTo(blocks.Slice(b * 16, 16));
                if (b + 1 < nBlocks) Increment(counter);
            }
            aes.EncryptEcb(blocks[..(nBlocks * 16)], stream, PaddingMode.None);
            int avail = nBlocks * 16 - offset;
            int take = Math.Min(avail, input.Length - done);
            for (int i = 0; i < take; i++) output[done + i] = (byte)(input[done + i] ^ stream[offset + i]);
            done += take;
            int end = offset + take; // position after the last used byte, within the generated blocks
            if (end % 16 == 0) { Increment(counter); offset = 0; }
            else offset = end % 16;
        }
        CryptographicOperations.ZeroMemory(stream);
    }

    private static void Increment(Span<byte> counter)
    {
        for (int i = 15; i >= 0; i--)
            if (++counter[i] != 0) break;
    }

    /// <summary>XTS-AES (IEEE 1619-2007, SP 800-38E) with ciphertext stealing. Key = Key1 || Key2; IV = 16-byte tweak.</summary>
    private static void Xts(bool encrypt, in SymmetricParameters p, ReadOnlySpan<byte> key, ReadOnlySpan<byte> tweak, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (p.Algorithm != CryptographicAlgorithm.AES) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "XTS needs an AES key.");
        if (key.Length is not (32 or 64)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES-XTS key must be 32 or 64 bytes (two AES keys).");
        if (key[..(key.Length / 2)].SequenceEqual(key[(key.Length / 2)..])) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES-XTS key halves must differ.");
        if (tweak.Length != 16) CryptoFailure.Throw(tweak.IsEmpty ? CryptoFailureReason.MissingIv : CryptoFailureReason.BadParameters, "AES-XTS needs a 16-byte tweak.");
        if (input.Length < 16) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "AES-XTS data must be at least 16 bytes.");
        int half = key.Length / 2;
        using var k1 = CreateAes(key[..half]);
        using var k2 = CreateAes(key[half..]);
        Span<byte> t = stackalloc byte[16];
        k2.EncryptEcb(tweak, t, PaddingMode.None);
        int full = input.Length / 16, rem = input.Length % 16;
        int normal = rem == 0 ? full : full - 1; // blocks processed without stealing
        Span<byte> buf = stackalloc byte[16];
        for (int j = 0; j < normal; j++)
        {
            XtsBlock(encrypt, k1, t, input.Slice(j * 16, 16), output.Slice(j * 16, 16), buf);
            MulAlpha(t);
        }
        if (rem != 0)
        {
            int last = normal * 16;
            Span<byte> t2 = stackalloc byte[16];
            t.CopyTo(t2);
            MulAlpha(t2);
            Span<byte> cc = stackalloc byte[16];
            Span<byte> pp = stackalloc byte[16];
            if (encrypt)
            {
                XtsBlock(true, k1, t, input.Slice(last, 16), cc, buf);
                input.Slice(last + 16, rem).CopyTo(pp);
                cc[rem..].CopyTo(pp[rem..]);
                cc[..rem].CopyTo(output.Slice(last + 16, rem));
                XtsBlock(true, k1, t2, pp, output.Slice(last, 16), buf);
            }
            else
            {
                XtsBlock(false, k1, t2, input.Slice(last, 16), pp, buf);
                input.Slice(last + 16, rem).CopyTo(cc);
                pp[rem..].CopyTo(cc[rem..]);
                pp[..rem].CopyTo(output.Slice(last + 16, rem));
                XtsBlock(false, k1, t, cc, output.Slice(last, 16), buf);
            }
            CryptographicOperations.ZeroMemory(pp);
            CryptographicOperations.ZeroMemory(cc);
        }
        CryptographicOperations.ZeroMemory(buf);
    }

    private static void XtsBlock(bool encrypt, Aes k1, ReadOnlySpan<byte> t, ReadOnlySpan<byte> input, Span<byte> output, Span<byte> buf)
    {
        for (int i = 0; i < 16; i++) buf[i] = (byte)(input[i] ^ t[i]);
        if (encrypt) k1.EncryptEcb(buf, output, PaddingMode.None);
        else k1.DecryptEcb(buf, output, PaddingMode.None);
        for (int i = 0; i < 16; i++) output[i] ^= t[i];
    }

    /// <summary>Multiplies the tweak by α in GF(2^128), little-endian byte order (IEEE 1619 §5.2).</summary>
    private static void MulAlpha(Span<byte> t)
    {
        int carry = 0;
        for (int i = 0; i < 16; i++)
        {
            int next = t[i] >> 7;
            t[i] = (byte)((t[i] << 1) | carry);
            carry = next;
        }
        if (carry != 0) t[0] ^= 0x87;
    }

    /// <summary>AES-GCM with a nonce that is not 96 bits (SP 800-38D §7.1 GHASH-derived J0), which the BCL does not offer.</summary>
    private static void BcGcm(bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> input, Span<byte> output, Span<byte> tag)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        var keyArr = key.ToArray();
        try
        {
            gcm.Init(encrypt, new AeadParameters(new KeyParameter(keyArr), tag.Length * 8, iv.ToArray(), aad.ToArray()));
            int outSize = gcm.GetOutputSize(input.Length);
            var buf = ArrayPool<byte>.Shared.Rent(Math.Max(outSize, 1));
            try
            {
                int n = gcm.ProcessBytes(input, buf);
                n += gcm.DoFinal(buf.AsSpan(n));
                if (encrypt)
                {
                    buf.AsSpan(0, input.Length).CopyTo(output);
                    buf.AsSpan(input.Length, tag.Length).CopyTo(tag);
                }
                else buf.AsSpan(0, n).CopyTo(output);
            }
            catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
            {
                throw new AuthenticationTagMismatchException();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(buf);
                ArrayPool<byte>.Shared.Return(buf);
            }
        }
        finally { CryptographicOperations.ZeroMemory(keyArr); }
    }

    private static void BcGcmDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> input, ReadOnlySpan<byte> tag, Span<byte> output)
    {
        // BouncyCastle expects ciphertext || tag as one input; the tag span only gives the MAC size here.
        var joined = ArrayPool<byte>.Shared.Rent(input.Length + tag.Length);
        try
        {
            input.CopyTo(joined);
            tag.CopyTo(joined.AsSpan(input.Length));
            Span<byte> tagSize = stackalloc byte[tag.Length];
            BcGcm(false, key, iv, aad, joined.AsSpan(0, input.Length + tag.Length), output, tagSize);
        }
        finally { ArrayPool<byte>.Shared.Return(joined); }
    }
}
