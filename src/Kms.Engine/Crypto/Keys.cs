using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Kms.Engine.Crypto;

/// <summary>BouncyCastle key (de)serialisation with safe failures. Internal: the public surface speaks bytes.</summary>
internal static class Keys
{
    internal static AsymmetricKeyParameter PrivateFromPkcs8(ReadOnlySpan<byte> pkcs8)
    {
        var copy = pkcs8.ToArray();
        try { return PrivateKeyFactory.CreateKey(copy); }
        catch (Exception) { return CryptoFailure.Throw<AsymmetricKeyParameter>(CryptoFailureReason.InvalidKey, "Private key could not be decoded."); }
        finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(copy); }
    }

    internal static AsymmetricKeyParameter PublicFromSpki(ReadOnlySpan<byte> spki)
    {
        try { return PublicKeyFactory.CreateKey(spki.ToArray()); }
        catch (Exception) { return CryptoFailure.Throw<AsymmetricKeyParameter>(CryptoFailureReason.InvalidKey, "Public key could not be decoded."); }
    }

    /// <summary>PKCS#8 v1 (RFC 5208) DER: BouncyCastle writes v2 (RFC 5958, with the public key) for EdDSA/XDH, which OpenSSL 3.0 cannot read, so the public key is dropped.</summary>
    internal static byte[] ToPkcs8(AsymmetricKeyParameter privateKey)
    {
        var info = PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey);
        if (info.PublicKey is not null)
            info = new Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo(info.PrivateKeyAlgorithm, info.ParsePrivateKey());
        return info.GetDerEncoded();
    }

    internal static byte[] ToSpki(AsymmetricKeyParameter publicKey) =>
        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();

    /// <summary>
    /// One BouncyCastle random source that reads the OS CSPRNG (<see cref="System.Security.Cryptography.RandomNumberGenerator"/>,
    /// OpenSSL's CTR_DRBG on Linux) directly. Not <c>new SecureRandom()</c>, which would put BouncyCastle's own SHA-256
    /// digest generator in between: the Random Number Generator attribute of generated key pairs (see
    /// <c>ObjectBuilder.GeneratorAttribute</c>) names the generator their key material really came from.
    /// </summary>
    internal static readonly SecureRandom Random = new(new Org.BouncyCastle.Crypto.Prng.CryptoApiRandomGenerator());
}
