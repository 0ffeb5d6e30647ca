using System.Buffers.Binary;
using System.Security.Cryptography;
using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>
/// Multi-part AES-GCM and ChaCha20-Poly1305 (KMIP 2.1 §6.1.18/§6.1.11 Init Indicator, Final Indicator, Correlation
/// Value; the Authenticated Encryption Additional Data comes with the first part, the Authenticated Encryption Tag is
/// returned with (Encrypt) or given with (Decrypt) the final part).
/// <para>Encrypt streams: each part returns its ciphertext; the state is the counter position and the GHASH / Poly1305
/// accumulator (<see cref="AeadMac"/>), never the key (it is borrowed at each call and H, or the Poly1305 one-time key,
/// re-derived from it).</para>
/// <para>Decrypt releases nothing before the tag is checked: parts are buffered (at most <see cref="MaxDecryptBytes"/>
/// per operation and <see cref="MaxBufferedBytes"/> for the whole process) and the final part runs the one-shot
/// <see cref="SymmetricCipher.Decrypt"/>, which returns the plaintext only when the tag matches.</para>
/// </summary>
public sealed class AeadStream : IDisposable
{
    /// <summary>Largest ciphertext one multi-part AEAD Decrypt may buffer.</summary>
    public const int MaxDecryptBytes = 1 << 20;

    /// <summary>Largest total of ciphertext buffered by all multi-part AEAD Decrypts at once.</summary>
    public const long MaxBufferedBytes = 64L << 20;

    private const long GcmMaxData = (1L << 36) - 32; // SP 800-38D §5.2.1.1: at most 2^39 - 256 bits of plaintext
    private static long s_buffered;

    private readonly byte[] _iv;
    private readonly byte[] _j0 = new byte[16];                    // GCM pre-counter block
    private readonly byte[] _acc = new byte[AeadMac.PolyStateSize]; // GHASH X (16 bytes) or the Poly1305 accumulator
    private readonly byte[] _partial = new byte[16];               // ciphertext not yet authenticated (< 1 block)
    private int _partialLength;
    private readonly long _aadLength;
    private long _dataLength;
    private readonly byte[] _aad;                                   // Decrypt: kept for the one-shot at Final
    private byte[] _buffer = [];                                    // Decrypt: ciphertext so far
    private bool _finished;

    private AeadStream(SymmetricParameters p, bool encrypt, byte[] iv, byte[] aad)
    {
        Parameters = p;
        IsEncrypt = encrypt;
        _iv = iv;
        _aad = encrypt ? [] : aad;
        _aadLength = aad.Length;
    }

    /// <summary>The cipher parameters fixed at Init.</summary>
    public SymmetricParameters Parameters { get; }

    /// <summary>True for Encrypt, false for Decrypt.</summary>
    public bool IsEncrypt { get; }

    /// <summary>True once <see cref="Final"/> ran or a failure ended the stream.</summary>
    public bool IsFinished => _finished;

    private bool IsGcm => !Parameters.IsChaChaPoly;

    /// <summary>Begins a multi-part AEAD operation (Init Indicator = true). Checks the policy, key, nonce and tag length; the key is not kept.</summary>
    public static AeadStream Begin(AlgorithmPolicy policy, in SymmetricParameters p, bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad)
    {
        policy.Check(p.Use(encrypt ? CryptoUse.Encrypt : CryptoUse.Decrypt, key.Length));
        if (p.IsChaChaPoly)
        {
            if (key.Length != 32) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "Key length does not fit the algorithm.");
            if (iv.Length != 12) CryptoFailure.Throw(iv.IsEmpty ? CryptoFailureReason.MissingIv : CryptoFailureReason.BadParameters, "Nonce length not valid for this mode.");
        }
        else if (p.Mode == BlockCipherMode.GCM && p.Algorithm == CryptographicAlgorithm.AES)
        {
            if (key.Length is not (16 or 24 or 32)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES key must be 16, 24 or 32 bytes.");
            if (iv.Length is < 1 or > 128) CryptoFailure.Throw(iv.IsEmpty ? CryptoFailureReason.MissingIv : CryptoFailureReason.BadParameters, "Nonce length not valid for this mode.");
        }
        else CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Multi-part AEAD supports AES-GCM and ChaCha20-Poly1305.");
        if (p.TagLength is < 12 or > 16) CryptoFailure.Throw(CryptoFailureReason.BadTagLength, "Tag length not valid for this mode.");

        var s = new AeadStream(p, encrypt, iv.ToArray(), aad.ToArray());
        if (!encrypt) return s;
        Span<byte> macKey = stackalloc byte[32];
        using var aes = s.IsGcm ? SymmetricCipher.CreateAes(key) : null;
        try
        {
            s.MacKey(aes, key, macKey);
            if (s.IsGcm)
            {
                if (iv.Length == 12)
                {
                    iv.CopyTo(s._j0);
                    s._j0[15] = 1;
                }
                else
                {
                    // SP 800-38D §7.1 step 2: J0 = GHASH_H(IV || 0^(s+64) || [len(IV)]_64).
                    int padded = (iv.Length + 15) / 16 * 16;
                    Span<byte> block = stackalloc byte[padded + 16];
                    block.Clear();
                    iv.CopyTo(block);
                    BinaryPrimitives.WriteUInt64BigEndian(block[(padded + 8)..], (ulong)iv.Length * 8);
                    AeadMac.Ghash(s._j0, macKey, block);
                }
            }
            s.Authenticate(macKey, aad);
            s.PadPartial(macKey);
        }
        finally { CryptographicOperations.ZeroMemory(macKey); }
        return s;
    }

    /// <summary>Bytes <see cref="Update"/> writes for <paramref name="inputLength"/> input bytes (Decrypt: none until Final).</summary>
    public int GetUpdateOutputLength(int inputLength) => IsEncrypt ? inputLength : 0;

    /// <summary>Bytes <see cref="Final"/> writes for <paramref name="inputLength"/> input bytes.</summary>
    public int GetFinalOutputLength(int inputLength) => IsEncrypt ? inputLength : _buffer.Length + inputLength;

    /// <summary>Processes one part (neither Init-only nor Final). Encrypt returns the ciphertext of the part; Decrypt buffers it and returns 0.</summary>
    public int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_finished) CryptoFailure.Throw(CryptoFailureReason.InvalidContext, "The multi-part operation is already finished.");
        if (!IsEncrypt)
        {
            Buffer(input);
            return 0;
        }
        if (IsGcm && _dataLength + input.Length > GcmMaxData) Fail(CryptoFailureReason.BadParameters, "AES-GCM data limit reached.");
        if (output.Length < input.Length) Fail(CryptoFailureReason.BadParameters, "Output buffer too small.");
        var ct = output[..input.Length];
        Span<byte> macKey = stackalloc byte[32];
        using var aes = IsGcm ? SymmetricCipher.CreateAes(key) : null;
        try
        {
            Keystream(aes, key, _dataLength, input, ct);
            _dataLength += input.Length;
            MacKey(aes, key, macKey);
            Authenticate(macKey, ct);
        }
        finally { CryptographicOperations.ZeroMemory(macKey); }
        return input.Length;
    }

    /// <summary>
    /// Processes the last part (Final Indicator = true). Encrypt writes its ciphertext and the tag
    /// (<see cref="SymmetricParameters.TagLength"/> bytes) into <paramref name="tag"/>; Decrypt checks
    /// <paramref name="tag"/> over everything buffered and then writes all the plaintext. The stream is finished afterwards.
    /// </summary>
    public int Final(AlgorithmPolicy policy, ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output, Span<byte> tag)
    {
        if (_finished) CryptoFailure.Throw(CryptoFailureReason.InvalidContext, "The multi-part operation is already finished.");
        try
        {
            if (!IsEncrypt)
            {
                Buffer(input);
                if (output.Length < _buffer.Length) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
                return SymmetricCipher.Decrypt(policy, Parameters with { TagLength = tag.Length }, key, _iv, _aad, _buffer, tag, output);
            }
            if (tag.Length != Parameters.TagLength) CryptoFailure.Throw(CryptoFailureReason.BadTagLength, "Tag length not valid for this mode.");
            int n = Update(key, input, output);
            Span<byte> macKey = stackalloc byte[32];
            Span<byte> full = stackalloc byte[16];
            using var aes = IsGcm ? SymmetricCipher.CreateAes(key) : null;
            try
            {
                MacKey(aes, key, macKey);
                PadPartial(macKey);
                Span<byte> lengths = stackalloc byte[16];
                if (IsGcm)
                {
                    BinaryPrimitives.WriteUInt64BigEndian(lengths, (ulong)_aadLength * 8);
                    BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], (ulong)_dataLength * 8);
                    AeadMac.Ghash(_acc, macKey, lengths);
                    // T = MSB_t(GCTR_K(J0, S)) = E_K(J0) ⊕ S.
                    aes!.EncryptEcb(_j0, full, PaddingMode.None);
                    for (int i = 0; i < 16; i++) full[i] ^= _acc[i];
                }
                else
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)_aadLength);
                    BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)_dataLength);
                    AeadMac.Poly1305(_acc, macKey, lengths);
                    AeadMac.Poly1305Finish(_acc, macKey, full);
                }
                full[..tag.Length].CopyTo(tag);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(macKey);
                CryptographicOperations.ZeroMemory(full);
            }
            return n;
        }
        finally { Finish(); }
    }

    /// <summary>GCM: H = E_K(0^128) in the first 16 bytes. ChaCha20-Poly1305: the one-time key, block 0 of the keystream (RFC 8439 §2.6).</summary>
    private void MacKey(Aes? aes, ReadOnlySpan<byte> key, Span<byte> macKey)
    {
        macKey.Clear();
        if (aes is not null) aes.EncryptEcb(macKey[..16], macKey[..16], PaddingMode.None);
        else ChaCha20.Xor(key, _iv, 0, 0, macKey, macKey);
    }

    /// <summary>The keystream from byte <paramref name="offset"/> of the payload: GCTR from inc32(J0) (SP 800-38D §6.5), or ChaCha20 from block 1 (RFC 8439 §2.8).</summary>
    private void Keystream(Aes? aes, ReadOnlySpan<byte> key, long offset, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (aes is null)
        {
            ChaCha20.Xor(key, _iv, 1, offset, input, output);
            return;
        }
        const int Blocks = 32;
        Span<byte> counters = stackalloc byte[Blocks * 16];
        Span<byte> stream = stackalloc byte[Blocks * 16];
        uint j0Low = BinaryPrimitives.ReadUInt32BigEndian(_j0.AsSpan(12));
        long block = offset / 16 + 1;
        int skip = (int)(offset % 16), done = 0;
        while (done < input.Length)
        {
            int n = Math.Min(Blocks, (skip + input.Length - done + 15) / 16);
            for (int b = 0; b < n; b++)
            {
                var c = counters.Slice(b * 16, 16);
                _j0.AsSpan(0, 12).CopyTo(c);
                BinaryPrimitives.WriteUInt32BigEndian(c[12..], unchecked(j0Low + (uint)(block + b))); // inc32: the low 32 bits wrap
            }
            aes.EncryptEcb(counters[..(n * 16)], stream, PaddingMode.None);
            int take = Math.Min(n * 16 - skip, input.Length - done);
            for (int i = 0; i < take; i++) output[done + i] = (byte)(input[done + i] ^ stream[skip + i]);
            done += take;
            block += n;
            skip = 0;
        }
        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>Feeds bytes to the authenticator, keeping a partial block for the next call.</summary>
    private void Authenticate(ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> data)
    {
        if (_partialLength > 0)
        {
            int take = Math.Min(16 - _partialLength, data.Length);
            data[..take].CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += take;
            data = data[take..];
            if (_partialLength < 16) return;
            Absorb(macKey, _partial);
            _partialLength = 0;
        }
        int whole = data.Length / 16 * 16;
        if (whole > 0) Absorb(macKey, data[..whole]);
        data[whole..].CopyTo(_partial);
        _partialLength = data.Length - whole;
    }

    /// <summary>Zero-pads and absorbs a partial block (the AAD and the ciphertext are each padded to 16 bytes in both modes).</summary>
    private void PadPartial(ReadOnlySpan<byte> macKey)
    {
        if (_partialLength == 0) return;
        _partial.AsSpan(_partialLength).Clear();
        Absorb(macKey, _partial);
        _partialLength = 0;
    }

    private void Absorb(ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> blocks)
    {
        if (IsGcm) AeadMac.Ghash(_acc.AsSpan(0, 16), macKey[..16], blocks);
        else AeadMac.Poly1305(_acc, macKey, blocks);
    }

    private void Buffer(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        if (_buffer.Length + (long)input.Length > MaxDecryptBytes) Fail(CryptoFailureReason.BadParameters, "Multi-part AEAD decryption is limited to 1 MiB.");
        if (Interlocked.Add(ref s_buffered, input.Length) > MaxBufferedBytes)
        {
            Interlocked.Add(ref s_buffered, -input.Length);
            Fail(CryptoFailureReason.Failed, "Too much multi-part AEAD data is buffered; try again later.");
        }
        var grown = new byte[_buffer.Length + input.Length];
        _buffer.CopyTo(grown, 0);
        input.CopyTo(grown.AsSpan(_buffer.Length));
        _buffer = grown;
    }

    private void Fail(CryptoFailureReason reason, string message)
    {
        Finish();
        CryptoFailure.Throw(reason, message);
    }

    private void Finish()
    {
        if (_finished) return;
        _finished = true;
        Interlocked.Add(ref s_buffered, -_buffer.Length);
        _buffer = [];
        CryptographicOperations.ZeroMemory(_acc);
        CryptographicOperations.ZeroMemory(_partial);
    }

    /// <summary>Ends the operation and releases its buffer.</summary>
    public void Dispose() => Finish();
}
