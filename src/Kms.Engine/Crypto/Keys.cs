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
        try { return PrivateKeyFactory.CreateKey(pkcs8.ToArray()); }
        catch (Exception) { return CryptoFailure.Throw<AsymmetricKeyParameter>(CryptoFailureReason.InvalidKey, "Private key could not be decoded."); }
    }

    internal static AsymmetricKeyParameter PublicFromSpki(ReadOnlySpan<byte> spki)
    {
        try { return PublicKeyFactory.CreateKey(spki.ToArray()); }
        catch (Exception) { return CryptoFailure.Throw<AsymmetricKeyParameter>(CryptoFailureReason.InvalidKey, "Public key could not be decoded."); }
    }

    internal static byte[] ToPkcs8(AsymmetricKeyParameter privateKey) =>
        PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetDerEncoded();

    internal static byte[] ToSpki(AsymmetricKeyParameter publicKey) =>
        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();

    /// <summary>One BouncyCastle random source over the OS CSPRNG (<see cref="System.Security.Cryptography.RandomNumberGenerator"/>).</summary>
    internal static readonly SecureRandom Random = new();
}
