using System.Security.Cryptography;

namespace Kms.Engine.Crypto;

/// <summary>BCL key objects from PKCS#8 / SPKI bytes with safe failures. The caller disposes them.</summary>
internal static class BclKeys
{
    internal static RSA RsaPrivate(ReadOnlySpan<byte> pkcs8)
    {
        var rsa = RSA.Create();
        try { rsa.ImportPkcs8PrivateKey(pkcs8, out _); return rsa; }
        catch (CryptographicException) { rsa.Dispose(); return CryptoFailure.Throw<RSA>(CryptoFailureReason.InvalidKey, "RSA private key could not be decoded."); }
    }

    internal static RSA RsaPublic(ReadOnlySpan<byte> spki)
    {
        var rsa = RSA.Create();
        try { rsa.ImportSubjectPublicKeyInfo(spki, out _); return rsa; }
        catch (CryptographicException) { rsa.Dispose(); return CryptoFailure.Throw<RSA>(CryptoFailureReason.InvalidKey, "RSA public key could not be decoded."); }
    }

    internal static ECDsa EcPrivate(ReadOnlySpan<byte> pkcs8)
    {
        var ec = ECDsa.Create();
        try { ec.ImportPkcs8PrivateKey(pkcs8, out _); return ec; }
        catch (CryptographicException) { ec.Dispose(); return CryptoFailure.Throw<ECDsa>(CryptoFailureReason.InvalidKey, "EC private key could not be decoded."); }
    }

    internal static ECDsa EcPublic(ReadOnlySpan<byte> spki)
    {
        var ec = ECDsa.Create();
        try { ec.ImportSubjectPublicKeyInfo(spki, out _); return ec; }
        catch (CryptographicException) { ec.Dispose(); return CryptoFailure.Throw<ECDsa>(CryptoFailureReason.InvalidKey, "EC public key could not be decoded."); }
    }
}
