using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

/// <summary>Keys generated once per test class (RSA generation is slow).</summary>
public sealed class KeyFixture
{
    public GeneratedKeyPair Rsa { get; } = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.RSA, 2048);
    public GeneratedKeyPair P256 { get; } = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.EC, curve: RecommendedCurve.P_256);
    public GeneratedKeyPair Ed25519 { get; } = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.Ed25519);
}
