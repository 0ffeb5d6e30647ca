using Kms.Ttlv;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Kms.Engine.Crypto;

/// <summary>BouncyCastle digests for the hashes the BCL lacks here (SHA-224, SHA-512/224, SHA-512/256, SHA3-224) and for BC-only paths (OAEP with a distinct MGF1 hash).</summary>
internal static class BcDigests
{
    internal static IDigest Create(HashingAlgorithm h) => h switch
    {
        HashingAlgorithm.SHA_1 => new Sha1Digest(),
        HashingAlgorithm.SHA_224 => new Sha224Digest(),
        HashingAlgorithm.SHA_256 => new Sha256Digest(),
        HashingAlgorithm.SHA_384 => new Sha384Digest(),
        HashingAlgorithm.SHA_512 => new Sha512Digest(),
        HashingAlgorithm.SHA_512_224 => new Sha512tDigest(224),
        HashingAlgorithm.SHA_512_256 => new Sha512tDigest(256),
        HashingAlgorithm.SHA3_224 => new Sha3Digest(224),
        HashingAlgorithm.SHA3_256 => new Sha3Digest(256),
        HashingAlgorithm.SHA3_384 => new Sha3Digest(384),
        HashingAlgorithm.SHA3_512 => new Sha3Digest(512),
        _ => CryptoFailure.Throw<IDigest>(CryptoFailureReason.UnsupportedParameters, "Hashing algorithm not supported."),
    };
}
