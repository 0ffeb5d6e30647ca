using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>
/// Raw Diffie-Hellman shared secrets (SP 800-56A §5.7.1.2 ECC CDH for prime curves; RFC 7748 §6 for
/// X25519/X448), the input of Derive Key with an asymmetric key. Run the result through
/// <see cref="KeyDerivation.Hkdf"/> before using it as a key.
/// </summary>
public static class KeyAgreement
{
    /// <summary>The shared secret of our private key (PKCS#8) and the peer's public key (SPKI). Both must be the same kind and curve.</summary>
    public static byte[] SharedSecret(AlgorithmPolicy policy, ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> peerPublicKeySpki)
    {
        var mine = KeyDescription.FromPkcs8(privateKeyPkcs8);
        var peer = KeyDescription.FromSpki(peerPublicKeySpki);
        if (mine.Kind != peer.Kind || mine.Curve != peer.Curve || mine.Kind is not (KeyKind.Ec or KeyKind.X25519 or KeyKind.X448))
            CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "Key agreement needs two EC, X25519 or X448 keys on the same curve.");
        policy.Check(new AlgorithmUse(CryptoUse.Derive, mine.Algorithm, mine.Bits, mine.Curve));
        if (mine.Kind == KeyKind.Ec)
        {
            using var ours = ECDiffieHellman.Create();
            using var theirs = ECDiffieHellman.Create();
            try
            {
                ours.ImportPkcs8PrivateKey(privateKeyPkcs8, out _);
                theirs.ImportSubjectPublicKeyInfo(peerPublicKeySpki, out _);
                return ours.DeriveRawSecretAgreement(theirs.PublicKey);
            }
            catch (CryptographicException) { return CryptoFailure.Throw<byte[]>(CryptoFailureReason.InvalidKey, "Key agreement failed."); }
        }
        IRawAgreement agreement = mine.Kind == KeyKind.X25519 ? new X25519Agreement() : new X448Agreement();
        agreement.Init(Keys.PrivateFromPkcs8(privateKeyPkcs8));
        var secret = new byte[agreement.AgreementSize];
        try { agreement.CalculateAgreement(Keys.PublicFromSpki(peerPublicKeySpki), secret, 0); }
        catch (InvalidOperationException) { return CryptoFailure.Throw<byte[]>(CryptoFailureReason.InvalidKey, "Key agreement failed: low-order public key."); }
        return secret;
    }
}
