using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Kms.Engine;
using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Benchmarks.Crypto;

/// <summary>
/// AES-256-GCM Encrypt of 64 B and 4 KiB, three ways side by side (issue 4): raw <see cref="AesGcm"/> with a pre-built
/// context and a fresh random 12-byte nonce per call from <see cref="RandomSource.FillNonce"/>, the engine's own nonce
/// source (the baseline), the crypto layer (<see cref="SymmetricCipher"/>:
/// policy and parameter checks, per-thread context cache) with the same fresh nonce, and the whole engine message
/// (<see cref="KmsEngine.Process"/>: a KMIP Encrypt request in, the response with Data, IV and tag out, through
/// Messages/FastPath.cs on a real FASTER store). Target: engine ≥ 0.8× raw at 4 KiB, 0 B allocated per call (outputs
/// are pre-allocated).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MinColumn] // on a shared, loaded box the fastest iteration is the steadier figure; Ratio is of the means
public class AesGcmEncryptBench
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _plain64 = RandomNumberGenerator.GetBytes(64);
    private readonly byte[] _plain4K = RandomNumberGenerator.GetBytes(4096);
    private readonly byte[] _cipher = new byte[4096];
    private readonly ArrayBufferWriter<byte> _output = new(8192);
    private readonly CallerIdentity _caller = new("bench", "socket", null);
    private static readonly SymmetricParameters Gcm = new(CryptographicAlgorithm.AES, BlockCipherMode.GCM, TagLength: 16);
    private AesGcm _raw = null!;
    private BenchEngine _bench = null!;
    private byte[] _encrypt64 = [];
    private byte[] _encrypt4K = [];

    [GlobalSetup]
    public void Setup()
    {
        _raw = new AesGcm(_key, 16);
        _bench = new BenchEngine("aes-gcm");
        string id = EngineBenchmarks.CreateActiveAesKey(_bench.Engine, _output, _caller);
        _encrypt64 = EngineBenchmarks.Message(Operation.Encrypt, EngineBenchmarks.CipherPayload(id, new byte[64]));
        _encrypt4K = EngineBenchmarks.Message(Operation.Encrypt, EngineBenchmarks.CipherPayload(id, new byte[4096]));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _bench.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("64 B")]
    public void Raw64() => Raw(_plain64);

    [Benchmark, BenchmarkCategory("64 B")]
    public int Layer64() => Layer(_plain64);

    [Benchmark, BenchmarkCategory("64 B")]
    public int Engine64() => Engine(_encrypt64);

    [Benchmark(Baseline = true), BenchmarkCategory("4 KiB")]
    public void Raw4K() => Raw(_plain4K);

    [Benchmark, BenchmarkCategory("4 KiB")]
    public int Layer4K() => Layer(_plain4K);

    [Benchmark, BenchmarkCategory("4 KiB")]
    public int Engine4K() => Engine(_encrypt4K);

    private void Raw(byte[] plaintext)
    {
        RandomSource.FillNonce(_nonce);
        _raw.Encrypt(_nonce, plaintext, _cipher.AsSpan(0, plaintext.Length), _tag);
    }

    private int Layer(byte[] plaintext)
    {
        RandomSource.FillNonce(_nonce);
        return SymmetricCipher.Encrypt(AlgorithmPolicy.Default, Gcm, _key, _nonce, default, plaintext, _cipher, _tag);
    }

    private int Engine(byte[] request)
    {
        _output.ResetWrittenCount();
        _bench.Engine.Process(request, _output, _caller);
        return _output.WrittenCount;
    }
}

/// <summary>Sign 32 bytes through the crypto layer with keys held as PKCS#8 (as the engine stores them).</summary>
[MemoryDiagnoser]
public class SignBench
{
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(32);
    private byte[] _ed25519 = [];
    private byte[] _p256 = [];
    private static readonly SignatureParameters EcdsaSha256 = new(HashingAlgorithm.SHA_256);

    [GlobalSetup]
    public void Setup()
    {
        _ed25519 = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.Ed25519).PrivateKeyPkcs8;
        _p256 = KeyGenerator.GenerateKeyPair(AlgorithmPolicy.Default, CryptographicAlgorithm.EC, curve: RecommendedCurve.P_256).PrivateKeyPkcs8;
    }

    [Benchmark]
    public byte[] Ed25519Sign() => Signer.Sign(AlgorithmPolicy.Default, default, _ed25519, _data);

    [Benchmark]
    public byte[] EcdsaP256Sign() => Signer.Sign(AlgorithmPolicy.Default, EcdsaSha256, _p256, _data);
}

/// <summary>
/// The code paths added without a BCL primitive: plain ChaCha20 (scalar block function) and multi-part AEAD Encrypt
/// (<see cref="AeadStream"/>: keystream plus the key-free GHASH / Poly1305 accumulators) over 4 KiB in four parts,
/// next to the one-shot layer call over the same 4 KiB.
/// </summary>
[MemoryDiagnoser]
public class AeadStreamBench
{
    private const int Size = 4096;
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _chachaKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(12);
    private readonly byte[] _plaintext = RandomNumberGenerator.GetBytes(Size);
    private readonly byte[] _ciphertext = new byte[Size];
    private readonly byte[] _tag = new byte[16];
    private static readonly SymmetricParameters Gcm = new(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
    private static readonly SymmetricParameters ChaChaPoly = new(CryptographicAlgorithm.ChaCha20Poly1305, BlockCipherMode.AEAD);
    private static readonly SymmetricParameters ChaCha = new(CryptographicAlgorithm.ChaCha20, 0);

    [Benchmark(Baseline = true)]
    public int OneShotAesGcm() => SymmetricCipher.Encrypt(AlgorithmPolicy.Default, Gcm, _aesKey, _nonce, default, _plaintext, _ciphertext, _tag);

    [Benchmark]
    public int MultiPartAesGcm() => Parts(Gcm, _aesKey);

    [Benchmark]
    public int OneShotChaCha20Poly1305() => SymmetricCipher.Encrypt(AlgorithmPolicy.Default, ChaChaPoly, _chachaKey, _nonce, default, _plaintext, _ciphertext, _tag);

    [Benchmark]
    public int MultiPartChaCha20Poly1305() => Parts(ChaChaPoly, _chachaKey);

    [Benchmark]
    public int PlainChaCha20() => SymmetricCipher.Encrypt(AlgorithmPolicy.Default, ChaCha, _chachaKey, _nonce, default, _plaintext, _ciphertext, default);

    private int Parts(in SymmetricParameters p, byte[] key)
    {
        using var s = AeadStream.Begin(AlgorithmPolicy.Default, p, true, key, _nonce, default);
        int n = 0;
        for (int i = 0; i < 3; i++) n += s.Update(key, _plaintext.AsSpan(i * 1024, 1024), _ciphertext.AsSpan(n));
        return n + s.Final(AlgorithmPolicy.Default, key, _plaintext.AsSpan(3072), _ciphertext.AsSpan(n), _tag);
    }
}
