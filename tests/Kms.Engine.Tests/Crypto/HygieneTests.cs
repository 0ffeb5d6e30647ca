using Kms.Engine.Crypto;
using Kms.Ttlv;

namespace Kms.Engine.Tests.Crypto;

/// <summary>No key material in failure messages: every failing call below uses a recognisable key and data, and the message must hold none of it.</summary>
public class HygieneTests(KeyFixture keys) : IClassFixture<KeyFixture>
{
    private static readonly AlgorithmPolicy Policy = AlgorithmPolicy.Default;
    private static readonly byte[] Key = Convert.FromHexString("DEADBEEFCAFEBABE0123456789ABCDEFDEADBEEFCAFEBABE0123456789ABCDEF");

    private static void AssertSafe(CryptoFailure e)
    {
        foreach (var needle in new[] { "DEADBEEF", "deadbeef", Convert.ToBase64String(Key)[..8], "3q2+7w" /* base64 of DEADBEEF */ })
            Assert.DoesNotContain(needle, e.Message);
        Assert.Null(e.InnerException); // provider exceptions (whose texts may echo inputs) are not chained
    }

    [Fact]
    public void Failure_messages_hold_no_key_material()
    {
        var failures = new List<CryptoFailure>();
        void Catch(Action a)
        {
            var e = Assert.Throws<CryptoFailure>(a);
            failures.Add(e);
        }
        var gcm = new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.GCM);
        Catch(() => SymmetricCipher.Decrypt(Policy, gcm, Key, new byte[12], default, Key, new byte[16], new byte[64]));
        Catch(() => SymmetricCipher.Decrypt(Policy, new SymmetricParameters(CryptographicAlgorithm.AES, BlockCipherMode.CBC, PaddingMethod.PKCS5), Key, new byte[16], default, Key, default, new byte[64]));
        Catch(() => KeyWrapper.Unwrap(Policy, new WrapParameters(BlockCipherMode.NISTKeyWrap), Key, Key));
        Catch(() => KeyWrapper.Unwrap(Policy, new WrapParameters(BlockCipherMode.AESKeyWrapPadding), Key, Key));
        Catch(() => KeyFormats.PrivateToPkcs8(KeyFormatType.PKCS_8, Key));
        Catch(() => KeyFormats.PrivateToPkcs8(KeyFormatType.PKCS_1, Key));
        Catch(() => KeyFormats.PrivateToPkcs8(KeyFormatType.ECPrivateKey, Key));
        Catch(() => KeyFormats.PrivateToPkcs8(KeyFormatType.Raw, Key[..5], CryptographicAlgorithm.Ed25519));
        Catch(() => KeyFormats.PublicToSpki(KeyFormatType.X_509, Key));
        Catch(() => RsaCipher.Decrypt(Policy, new RsaEncryptionParameters(PaddingMethod.OAEP), keys.Rsa.PrivateKeyPkcs8, new byte[256]));
        Catch(() => Signer.Sign(Policy, default, Key, Key));
        Catch(() => Pkcs12Codec.Import(Key, "pw"));
        Catch(() => Certificates.Parse(Key));
        Catch(() => Certificates.ParseRequest(Key));
        Catch(() => SymmetricStream.Import(Key));
        Assert.All(failures, AssertSafe);
    }
}
