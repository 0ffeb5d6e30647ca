using System.Diagnostics.CodeAnalysis;
using Kms.Ttlv;

namespace Kms.Engine.Crypto;

/// <summary>Why a cryptographic primitive refused or failed. Mapped to a KMIP <see cref="ResultReason"/>
/// by <see cref="CryptoFailure.ToResultReason"/>.</summary>
public enum CryptoFailureReason
{
    /// <summary>The algorithm policy forbids this algorithm, size, mode or padding (checked before any work).</summary>
    PolicyDenied,
    /// <summary>An algorithm, mode, padding, hash or size this layer does not implement.</summary>
    UnsupportedParameters,
    /// <summary>Parameters that are malformed or inconsistent (IV length, tag length, data length ...).</summary>
    BadParameters,
    /// <summary>A required IV / nonce / counter is missing.</summary>
    MissingIv,
    /// <summary>The key bytes are not a valid key of the required kind or length.</summary>
    InvalidKey,
    /// <summary>The key does not fit the operation (e.g. an EC key for RSA-OAEP, an X25519 key to sign, a non-CA issuer). Usage-mask checks are the engine's and come first.</summary>
    IncompatibleKey,
    /// <summary>The requested key format (or conversion) is not supported for this key.</summary>
    KeyFormatNotSupported,
    /// <summary>AEAD tag, MAC, or key-wrap integrity check failed.</summary>
    AuthenticationFailed,
    /// <summary>Padding was wrong after decryption (CBC PKCS#5, RSA OAEP/PKCS#1).</summary>
    BadPadding,
    /// <summary>A signature did not verify. Verify operations normally return false instead.</summary>
    InvalidSignature,
    /// <summary>The PKCS#12 password is wrong.</summary>
    BadPassword,
    /// <summary>A PKCS#10 request is malformed or its self-signature does not verify.</summary>
    InvalidCsr,
    /// <summary>A certificate is malformed.</summary>
    InvalidCertificate,
    /// <summary>A multi-part context is unknown, finished or corrupt.</summary>
    InvalidContext,
    /// <summary>Any other failure of the underlying provider.</summary>
    Failed,
    /// <summary>An AEAD Tag Length the mode does not offer (General Failure, as the OASIS cases CS-BC-M-GCM-1 and CS-BC-M-CHACHA20POLY1305-1 expect).</summary>
    BadTagLength,
}

/// <summary>
/// The only exception the crypto layer throws for bad input or failed operations. Its message is a fixed,
/// safe text: never key material, plaintext, or provider error text (which may echo inputs).
/// </summary>
public sealed class CryptoFailure : Exception
{
    /// <summary>Creates a failure with a reason and a safe message.</summary>
    public CryptoFailure(CryptoFailureReason reason, string safeMessage) : base(safeMessage) => Reason = reason;

    /// <summary>The reason, which decides the KMIP result reason.</summary>
    public CryptoFailureReason Reason { get; }

    /// <summary>KMIP 2.1 §11.1 result reason for this failure.</summary>
    public ResultReason ToResultReason() => Reason switch
    {
        CryptoFailureReason.PolicyDenied => ResultReason.PermissionDenied,
        CryptoFailureReason.UnsupportedParameters => ResultReason.UnsupportedCryptographicParameters,
        CryptoFailureReason.BadParameters => ResultReason.BadCryptographicParameters,
        CryptoFailureReason.MissingIv => ResultReason.MissingInitializationVector,
        CryptoFailureReason.InvalidKey => ResultReason.InvalidField,
        CryptoFailureReason.IncompatibleKey => ResultReason.InvalidField,
        CryptoFailureReason.KeyFormatNotSupported => ResultReason.KeyFormatTypeNotSupported,
        CryptoFailureReason.BadPassword => ResultReason.BadPassword,
        CryptoFailureReason.InvalidCsr => ResultReason.InvalidCSR,
        CryptoFailureReason.InvalidCertificate => ResultReason.InvalidField,
        CryptoFailureReason.InvalidContext => ResultReason.InvalidCorrelationValue,
        CryptoFailureReason.BadTagLength => ResultReason.GeneralFailure,
        _ => ResultReason.CryptographicFailure, // AuthenticationFailed, BadPadding, InvalidSignature, Failed
    };

    [DoesNotReturn]
    internal static void Throw(CryptoFailureReason reason, string safeMessage) => throw new CryptoFailure(reason, safeMessage);

    [DoesNotReturn]
    internal static T Throw<T>(CryptoFailureReason reason, string safeMessage) => throw new CryptoFailure(reason, safeMessage);
}
