using Kms.Ttlv;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kms.Engine.Crypto;

/// <summary>
/// ML-KEM (FIPS 203) encapsulation and decapsulation. KMIP 2.1 has no KEM operation; this is the
/// primitive behind Encrypt/Decrypt-style use of ML-KEM keys and the RSA-AES-like hybrid wraps.
/// </summary>
public static class Kem
{
    /// <summary>Encapsulates to an ML-KEM public key (SPKI); returns the ciphertext and the 32-byte shared secret.</summary>
    public static (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(AlgorithmPolicy policy, ReadOnlySpan<byte> publicKeySpki)
    {
        var d = KeyDescription.FromSpki(publicKeySpki);
        if (d.Kind != KeyKind.MlKem) CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "Encapsulation needs an ML-KEM key.");
        policy.Check(new AlgorithmUse(CryptoUse.Encrypt, d.Algorithm, d.Bits));
        var enc = new MLKemEncapsulator(Pq.MlKem(d.Algorithm));
        enc.Init(new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(Keys.PublicFromSpki(publicKeySpki), Keys.Random));
        var ct = new byte[enc.EncapsulationLength];
        var ss = new byte[enc.SecretLength];
        enc.Encapsulate(ct, ss);
        return (ct, ss);
    }

    /// <summary>Decapsulates with an ML-KEM private key (PKCS#8). A wrong ciphertext yields a pseudo-random secret (implicit rejection, FIPS 203 §6.3), not an error.</summary>
    public static byte[] Decapsulate(AlgorithmPolicy policy, ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> ciphertext)
    {
        var d = KeyDescription.FromPkcs8(privateKeyPkcs8);
        if (d.Kind != KeyKind.MlKem) CryptoFailure.Throw(CryptoFailureReason.IncompatibleKey, "Decapsulation needs an ML-KEM key.");
        policy.Check(new AlgorithmUse(CryptoUse.Decrypt, d.Algorithm, d.Bits));
        var dec = new MLKemDecapsulator(Pq.MlKem(d.Algorithm));
        dec.Init((MLKemPrivateKeyParameters)Keys.PrivateFromPkcs8(privateKeyPkcs8));
        if (ciphertext.Length != dec.EncapsulationLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "ML-KEM ciphertext has the wrong length.");
        var ss = new byte[dec.SecretLength];
        dec.Decapsulate(ciphertext, ss);
        return ss;
    }
}
