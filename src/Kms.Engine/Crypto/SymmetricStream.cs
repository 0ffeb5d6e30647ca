using System.Buffers.Binary;
using System.Security.Cryptography;
using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>
/// Multi-part Encrypt / Decrypt for KMIP 2.x streaming (KMIP 2.1 §6.1.19/§6.1.15: Init Indicator,
/// Final Indicator, Correlation Value) in AES/3DES CBC and ECB (PKCS#5 or no padding) and AES-CTR.
/// The context never holds the key: every call borrows it again, so the engine only keeps this object
/// (or its <see cref="Export"/> bytes) under a server-chosen Correlation Value. The state holds buffered
/// plaintext for encryption, so it is a secret: keep it server-side, never hand it to a client, and
/// <see cref="Dispose"/> it (which zeroes it). AEAD modes have their own multi-part state, <see cref="AeadStream"/>.
/// </summary>
public sealed class SymmetricStream : IDisposable
{
    private const byte FormatVersion = 1;
    private readonly byte[] _chain = new byte[16];   // CBC: previous ciphertext block; CTR: counter block
    private readonly byte[] _pending = new byte[32]; // unprocessed bytes (< 1 block, or 1 held-back block on padded decrypt)
    private int _pendingLength;
    private int _ctrOffset;
    private bool _finished;

    private SymmetricStream(SymmetricParameters p, bool encrypt)
    {
        Parameters = p;
        IsEncrypt = encrypt;
    }

    /// <summary>The cipher parameters fixed at Init.</summary>
    public SymmetricParameters Parameters { get; }

    /// <summary>True for Encrypt, false for Decrypt.</summary>
    public bool IsEncrypt { get; }

    /// <summary>Begins a multi-part operation (Init Indicator = true). The key is checked for policy and length, not kept.</summary>
    public static SymmetricStream Begin(AlgorithmPolicy policy, in SymmetricParameters p, bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        policy.Check(p.Use(encrypt ? CryptoUse.Encrypt : CryptoUse.Decrypt, key.Length));
        if (p.Mode is not (BlockCipherMode.CBC or BlockCipherMode.ECB or BlockCipherMode.CTR) || p.IsAead)
            CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Multi-part operations support CBC, ECB and CTR only.");
        if (p.Mode == BlockCipherMode.CTR && p.Algorithm != CryptographicAlgorithm.AES)
            CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "CTR needs an AES key.");
        if (p.Padding is not (PaddingMethod.None or PaddingMethod.PKCS5 or 0) || (p.Mode == BlockCipherMode.CTR && p.Padding == PaddingMethod.PKCS5))
            CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Padding method not supported for this mode.");
        using (Create(p, key)) { }
        var s = new SymmetricStream(p, encrypt);
        int block = s.Block;
        if (p.Mode != BlockCipherMode.ECB)
        {
            int need = p.Mode == BlockCipherMode.CTR ? 16 : block;
            if (iv.IsEmpty) CryptoFailure.Throw(CryptoFailureReason.MissingIv, "This mode needs an IV.");
            if (iv.Length != need) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "IV length must equal the block size.");
            iv.CopyTo(s._chain);
        }
        return s;
    }

    private int Block => SymmetricCipher.BlockSize(Parameters.Algorithm);
    private bool Padded => Parameters.Padding == PaddingMethod.PKCS5;

    /// <summary>Upper bound of the bytes <see cref="Update"/> writes for <paramref name="inputLength"/> input bytes.</summary>
    public int GetUpdateOutputLength(int inputLength) => _pendingLength + inputLength;

    /// <summary>Upper bound of the bytes <see cref="Final"/> writes for <paramref name="inputLength"/> input bytes.</summary>
    public int GetFinalOutputLength(int inputLength) => _pendingLength + inputLength + Block;

    /// <summary>Processes one part (neither Init nor Final); returns bytes written. Partial blocks are carried to the next call.</summary>
    public int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) => Process(key, input, output, final: false);

    /// <summary>Processes the last part (Final Indicator = true), applying or removing padding; returns bytes written. The stream is finished afterwards.</summary>
    public int Final(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) => Process(key, input, output, final: true);

    private int Process(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output, bool final)
    {
        if (_finished) CryptoFailure.Throw(CryptoFailureReason.InvalidContext, "The multi-part operation is already finished.");
        if (output.Length < (final ? GetFinalOutputLength(input.Length) : GetUpdateOutputLength(input.Length)))
            CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Output buffer too small.");
        using var alg = Create(Parameters, key);
        if (Parameters.Mode == BlockCipherMode.CTR)
        {
            SymmetricCipher.CtrXor((Aes)alg, _chain, ref _ctrOffset, input, output);
            if (final) Finish();
            return input.Length;
        }

        int block = Block;
        int written = 0;
        // Bytes available = pending + input. Decide how many whole blocks to process now.
        int total = _pendingLength + input.Length;
        int keep = final ? 0 : total % block;
        if (!final && !IsEncrypt && Padded && keep == 0 && total > 0) keep = block; // hold back a possible padding block
        int processNow = total - keep;
        if (final)
        {
            if (IsEncrypt && !Padded && total % block != 0 || !IsEncrypt && (total % block != 0 || (Padded && total == 0)))
            {
                Finish();
                CryptoFailure.Throw(CryptoFailureReason.BadParameters, "Data length must be a multiple of the block size.");
            }
        }

        // Assemble the first chunk: pending bytes + the start of input up to a block boundary.
        int fromInput = processNow - _pendingLength;
        if (processNow > 0)
        {
            Span<byte> work = processNow <= 4096 ? stackalloc byte[processNow] : new byte[processNow];
            _pending.AsSpan(0, _pendingLength).CopyTo(work);
            input[..fromInput].CopyTo(work[_pendingLength..]);
            bool applyPadding = final && Padded;
            try
            {
                written = Transform(alg, work, output, applyPadding);
            }
            catch (CryptographicException)
            {
                Finish();
                CryptographicOperations.ZeroMemory(output);
                CryptoFailure.Throw(CryptoFailureReason.BadPadding, "Decryption failed: bad padding.");
            }
            finally { CryptographicOperations.ZeroMemory(work); }
        }
        else if (final && IsEncrypt && Padded)
        {
            written = Transform(alg, ReadOnlySpan<byte>.Empty, output, true);
        }
        else fromInput = 0;

        // Keep the remainder for the next call.
        if (processNow > 0)
        {
            CryptographicOperations.ZeroMemory(_pending);
            input[fromInput..].CopyTo(_pending);
            _pendingLength = input.Length - fromInput;
        }
        else { input.CopyTo(_pending.AsSpan(_pendingLength)); _pendingLength += input.Length; }
        if (final) Finish();
        return written;
    }

    private int Transform(SymmetricAlgorithm alg, ReadOnlySpan<byte> data, Span<byte> output, bool padding)
    {
        var mode = padding ? PaddingMode.PKCS7 : PaddingMode.None;
        int block = Block;
        int n;
        if (Parameters.Mode == BlockCipherMode.ECB)
            return IsEncrypt ? alg.EncryptEcb(data, output, mode) : alg.DecryptEcb(data, output, mode);
        if (IsEncrypt)
        {
            n = alg.EncryptCbc(data, _chain.AsSpan(0, block), output, mode);
            output.Slice(n - block, block).CopyTo(_chain);
        }
        else
        {
            Span<byte> nextChain = stackalloc byte[16];
            data.Slice(data.Length - block, block).CopyTo(nextChain);
            n = alg.DecryptCbc(data, _chain.AsSpan(0, block), output, mode);
            nextChain[..block].CopyTo(_chain);
        }
        return n;
    }

    private static SymmetricAlgorithm Create(in SymmetricParameters p, ReadOnlySpan<byte> key)
    {
        if (p.Algorithm == CryptographicAlgorithm.DES3)
        {
            if (key.Length is not (16 or 24)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "3DES key must be 16 or 24 bytes.");
            var des = TripleDES.Create();
            des.SetKey(key);
            return des;
        }
        if (p.Algorithm != CryptographicAlgorithm.AES) CryptoFailure.Throw(CryptoFailureReason.UnsupportedParameters, "Algorithm not supported for multi-part operations.");
        if (key.Length is not (16 or 24 or 32)) CryptoFailure.Throw(CryptoFailureReason.InvalidKey, "AES key must be 16, 24 or 32 bytes.");
        return SymmetricCipher.CreateAes(key);
    }

    private void Finish()
    {
        _finished = true;
        CryptographicOperations.ZeroMemory(_pending);
        CryptographicOperations.ZeroMemory(_chain);
        _pendingLength = 0;
    }

    /// <summary>True once <see cref="Final"/> ran or a failure ended the stream.</summary>
    public bool IsFinished => _finished;

    /// <summary>
    /// Serialises the state (no key): version, direction, algorithm, mode, padding, chain/counter block,
    /// CTR offset, pending bytes. Secret (may hold plaintext): keep it server-side and zero it after use.
    /// </summary>
    public byte[] Export()
    {
        if (_finished) CryptoFailure.Throw(CryptoFailureReason.InvalidContext, "The multi-part operation is already finished.");
        var b = new byte[1 + 1 + 4 + 4 + 4 + 16 + 1 + 1 + _pendingLength];
        b[0] = FormatVersion;
        b[1] = IsEncrypt ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(2), (uint)Parameters.Algorithm);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(6), (uint)Parameters.Mode);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(10), (uint)Parameters.Padding);
        _chain.CopyTo(b, 14);
        b[30] = (byte)_ctrOffset;
        b[31] = (byte)_pendingLength;
        _pending.AsSpan(0, _pendingLength).CopyTo(b.AsSpan(32));
        return b;
    }

    /// <summary>Restores a state produced by <see cref="Export"/>. Malformed input is <see cref="CryptoFailureReason.InvalidContext"/>.</summary>
    public static SymmetricStream Import(ReadOnlySpan<byte> state)
    {
        if (state.Length < 32 || state[0] != FormatVersion || state[1] > 1 || state[30] > 15 || state[31] > 32 || state.Length != 32 + state[31])
            return CryptoFailure.Throw<SymmetricStream>(CryptoFailureReason.InvalidContext, "Multi-part context is malformed.");
        var p = new SymmetricParameters(
            (CryptographicAlgorithm)BinaryPrimitives.ReadUInt32BigEndian(state[2..]),
            (BlockCipherMode)BinaryPrimitives.ReadUInt32BigEndian(state[6..]),
            (PaddingMethod)BinaryPrimitives.ReadUInt32BigEndian(state[10..]));
        if (p.Algorithm is not (CryptographicAlgorithm.AES or CryptographicAlgorithm.DES3) || p.Mode is not (BlockCipherMode.CBC or BlockCipherMode.ECB or BlockCipherMode.CTR))
            return CryptoFailure.Throw<SymmetricStream>(CryptoFailureReason.InvalidContext, "Multi-part context is malformed.");
        var s = new SymmetricStream(p, state[1] == 1);
        state.Slice(14, 16).CopyTo(s._chain);
        s._ctrOffset = state[30];
        s._pendingLength = state[31];
        state.Slice(32, s._pendingLength).CopyTo(s._pending);
        return s;
    }

    /// <summary>Zeroes the state.</summary>
    public void Dispose() => Finish();
}
