using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>
/// The parts of KMIP Cryptographic Parameters (KMIP 2.1 §2.1.7) that drive a symmetric cipher.
/// </summary>
/// <param name="Algorithm">AES, ChaCha20Poly1305 (or ChaCha20 with <see cref="BlockCipherMode.AEAD"/>), ChaCha20 (the plain stream cipher), or DES3.</param>
/// <param name="Mode">Block Cipher Mode: GCM, CCM, CBC, ECB, CTR, XTS (AES); AEAD/0 for ChaCha20-Poly1305; 0 for plain ChaCha20.</param>
/// <param name="Padding">Padding Method: None or PKCS5 for CBC/ECB; ignored otherwise.</param>
/// <param name="TagLength">Tag Length in bytes for GCM (12..16), CCM (4..16, even) and ChaCha20-Poly1305 (12..16, a truncated Poly1305 tag below 16).</param>
public readonly record struct SymmetricParameters(
    CryptographicAlgorithm Algorithm,
    BlockCipherMode Mode,
    PaddingMethod Padding = PaddingMethod.None,
    int TagLength = 16)
{
    /// <summary>True for AEAD modes, whose tag travels separately as the Authenticated Encryption Tag (KMIP 2.1 §2.1.7, §6.1.19).</summary>
    public bool IsAead => Mode is BlockCipherMode.GCM or BlockCipherMode.CCM || IsChaChaPoly;

    internal bool IsChaChaPoly => Algorithm is CryptographicAlgorithm.ChaCha20Poly1305
        || (Algorithm == CryptographicAlgorithm.ChaCha20 && Mode == BlockCipherMode.AEAD);

    /// <summary>The plain ChaCha20 stream cipher (a ChaCha20 key with no AEAD mode; OASIS CS-BC-M-CHACHA20-1/-2/-3).</summary>
    internal bool IsChaCha20Stream => Algorithm == CryptographicAlgorithm.ChaCha20 && Mode != BlockCipherMode.AEAD;

    /// <summary>Length in bytes of the IV/nonce a fresh encryption should get (KMIP Random IV), or 0 for ECB.</summary>
    public int DefaultIvLength => IsChaChaPoly || IsChaCha20Stream ? 12 : Mode switch
    {
        BlockCipherMode.GCM => 12,
        BlockCipherMode.CCM => 12,
        BlockCipherMode.ECB => 0,
        _ => Algorithm == CryptographicAlgorithm.DES3 ? 8 : 16,
    };

    /// <summary>
    /// False for an AEAD Tag Length no mode offers (outside 1..16 bytes): the request fails with General Failure before any
    /// work (OASIS CS-BC-M-GCM-1, CS-BC-M-CHACHA20POLY1305-1); each mode checks its own narrower range when it runs.
    /// </summary>
    public bool HasPossibleTagLength => !IsAead || TagLength is >= 1 and <= 16;

    internal AlgorithmUse Use(CryptoUse use, int keyBytes) =>
        new(use, IsChaChaPoly ? CryptographicAlgorithm.ChaCha20Poly1305 : Algorithm, keyBytes * 8, 0, Mode, Padding);
}
