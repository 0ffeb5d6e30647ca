using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>The cryptographic operations (issue 4) through <see cref="KmsEngine.Process"/> on the FASTER store.</summary>
public sealed class CryptoOperationTests : IDisposable
{
    // Register unwraps keys wrapped under a KMS key here (EngineOptions.UnwrapOnRegister); the default, store as received, is tested in CertificateOperationTests.
    private readonly TestEngine _t = new(unwrapOnRegister: true);

    public void Dispose() => _t.Dispose();

    private static string Uid(TtlvElement payload) => payload.Find(Tag.UniqueIdentifier)!.Text;

    private static TtlvElement Curve(RecommendedCurve c) => TtlvElement.Structure(Tag.CryptographicDomainParameters, TtlvElement.Enumeration(Tag.RecommendedCurve, (uint)c));

    /// <summary>A 2.x Create Key Pair with common attributes and the masks of each half.</summary>
    internal static TtlvElement KeyPair2(CryptographicAlgorithm alg, int bits, RecommendedCurve curve = 0,
        CryptographicUsageMask privateMask = CryptographicUsageMask.Sign, CryptographicUsageMask publicMask = CryptographicUsageMask.Verify)
    {
        var common = Req.Attrs(Req.Alg(alg));
        if (bits != 0) common.Children.Add(Req.Len(bits));
        if (curve != 0) common.Children.Add(Curve(curve));
        return Req.Payload(common.WithTag(Tag.CommonAttributes),
            Req.Attrs(Req.Mask(privateMask)).WithTag(Tag.PrivateKeyAttributes),
            Req.Attrs(Req.Mask(publicMask)).WithTag(Tag.PublicKeyAttributes));
    }

    internal (string Private, string Public) Pair(CryptographicAlgorithm alg, int bits, RecommendedCurve curve = 0,
        CryptographicUsageMask privateMask = CryptographicUsageMask.Sign, CryptographicUsageMask publicMask = CryptographicUsageMask.Verify, bool activate = true)
    {
        var p = _t.Ok(Operation.CreateKeyPair, KeyPair2(alg, bits, curve, privateMask, publicMask));
        var ids = (p.Find(Tag.PrivateKeyUniqueIdentifier)!.Text, p.Find(Tag.PublicKeyUniqueIdentifier)!.Text);
        if (activate)
        {
            _t.Ok(Operation.Activate, Req.Payload(Req.Id(ids.Item1)));
            _t.Ok(Operation.Activate, Req.Payload(Req.Id(ids.Item2)));
        }
        return ids;
    }

    private TtlvElement Attribute(string id, Tag tag)
        => _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)tag))).Find(Tag.Attributes)!.Find(tag)!;

    [Theory]
    [InlineData(CryptographicAlgorithm.RSA, 2048, (RecommendedCurve)0, 2048)]
    [InlineData(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256, 256)]
    [InlineData(CryptographicAlgorithm.ECDSA, 384, (RecommendedCurve)0, 384)]
    [InlineData(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_521, 521)]
    [InlineData(CryptographicAlgorithm.EC, 0, RecommendedCurve.SECP256K1, 256)]
    [InlineData(CryptographicAlgorithm.Ed25519, 0, (RecommendedCurve)0, -1)]
    [InlineData(CryptographicAlgorithm.Ed448, 0, (RecommendedCurve)0, -1)]
    [InlineData(CryptographicAlgorithm.EC, 0, RecommendedCurve.CURVE25519, -1)]
    [InlineData(CryptographicAlgorithm.EC, 0, RecommendedCurve.CURVE448, -1)]
    [InlineData(KmsAlgorithms.MlKem768, 0, (RecommendedCurve)0, -1)]
    [InlineData(KmsAlgorithms.MlDsa44, 0, (RecommendedCurve)0, -1)]
    [InlineData(KmsAlgorithms.SlhDsaSha2_128f, 0, (RecommendedCurve)0, -1)]
    public void CreateKeyPair_makes_linked_private_and_public_keys(CryptographicAlgorithm alg, int bits, RecommendedCurve curve, int expectedBits)
    {
        var (priv, pub) = Pair(alg, bits, curve, activate: false);
        var privObj = _t.Ok(Operation.Get, Req.Payload(Req.Id(priv)));
        var pubObj = _t.Ok(Operation.Get, Req.Payload(Req.Id(pub)));
        Assert.Equal((uint)ObjectType.PrivateKey, privObj.Find(Tag.ObjectType)!.UInt32);
        Assert.Equal((uint)ObjectType.PublicKey, pubObj.Find(Tag.ObjectType)!.UInt32);
        var privFormat = (KeyFormatType)privObj.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32;
        var pubFormat = (KeyFormatType)pubObj.FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32;
        // RSA keys are stored PKCS#1 (KMIP's RSA default), the others PKCS#8 / SPKI.
        Assert.Equal(alg == CryptographicAlgorithm.RSA ? KeyFormatType.PKCS_1 : KeyFormatType.PKCS_8, privFormat);
        Assert.Equal(alg == CryptographicAlgorithm.RSA ? KeyFormatType.PKCS_1 : KeyFormatType.X_509, pubFormat);
        var pkcs8 = KeyFormats.PrivateToPkcs8(privFormat, privObj.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        var spki = KeyFormats.PublicToSpki(pubFormat, pubObj.FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes);
        Assert.Equal(KeyDescription.FromPkcs8(pkcs8).Algorithm, KeyDescription.FromSpki(spki).Algorithm);
        Assert.Equal(spki, KeyFormats.PublicFromPrivate(pkcs8));
        if (expectedBits > 0) Assert.Equal(expectedBits, Attribute(priv, Tag.CryptographicLength).Int32);

        var privLink = Attribute(priv, Tag.Link);
        Assert.Equal((uint)LinkType.PublicKeyLink, privLink.Find(Tag.LinkType)!.UInt32);
        Assert.Equal(pub, privLink.Find(Tag.LinkedObjectIdentifier)!.Text);
        var pubLink = Attribute(pub, Tag.Link);
        Assert.Equal((uint)LinkType.PrivateKeyLink, pubLink.Find(Tag.LinkType)!.UInt32);
        Assert.Equal(priv, pubLink.Find(Tag.LinkedObjectIdentifier)!.Text);
        Assert.Equal((int)CryptographicUsageMask.Sign, Attribute(priv, Tag.CryptographicUsageMask).Int32);
        Assert.Equal((int)CryptographicUsageMask.Verify, Attribute(pub, Tag.CryptographicUsageMask).Int32);
        // Both keys name the generator their material came from (KMIP 2.1 §4.50): the OS CSPRNG's CTR_DRBG, also for the
        // BouncyCastle-generated ones (Crypto.Keys.Random reads the OS CSPRNG directly).
        foreach (var id in new[] { priv, pub })
        {
            var rng = Attribute(id, Tag.RandomNumberGenerator);
            Assert.Equal((uint)RNGAlgorithm.DRBG, rng.Find(Tag.RNGAlgorithm)!.UInt32);
            Assert.Equal((uint)DRBGAlgorithm.CTR, rng.Find(Tag.DRBGAlgorithm)!.UInt32);
        }

        // System tags: _sk / _pk find the halves.
        var sk = _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Tags("_sk")))).FindAll(Tag.UniqueIdentifier).Select(e => e.Text).ToList();
        Assert.Equal([priv], sk);
        var pk = _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Tags("_pk")))).FindAll(Tag.UniqueIdentifier).Select(e => e.Text).ToList();
        Assert.Equal([pub], pk);
    }

    [Fact]
    public void CreateKeyPair_1x_template_attributes_and_owner_only_access()
    {
        var p = _t.Ok(Operation.CreateKeyPair, Req.Payload(
            TtlvElement.Structure(Tag.CommonTemplateAttribute,
                Req.Attr1("Cryptographic Algorithm", Req.Alg(CryptographicAlgorithm.RSA)), Req.Attr1("Cryptographic Length", Req.Len(2048))),
            TtlvElement.Structure(Tag.PrivateKeyTemplateAttribute,
                Req.Attr1("Name", Req.Name("k1-private")), Req.Attr1("Cryptographic Usage Mask", Req.Mask(CryptographicUsageMask.Sign))),
            TtlvElement.Structure(Tag.PublicKeyTemplateAttribute,
                Req.Attr1("Name", Req.Name("k1-public")), Req.Attr1("Cryptographic Usage Mask", Req.Mask(CryptographicUsageMask.Verify)))), Req.V1);
        var priv = p.Find(Tag.PrivateKeyUniqueIdentifier)!.Text;
        var located = _t.Ok(Operation.Locate, Req.Payload(Req.Attr1("Name", Req.Name("k1-public"))), Req.V1);
        Assert.Equal(p.Find(Tag.PublicKeyUniqueIdentifier)!.Text, Uid(located));
        // ID Placeholder = the private key.
        var response = _t.Send(Req.Message(Req.V2, [(Operation.CreateKeyPair, KeyPair2(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256)), (Operation.GetAttributes, Req.Payload())]));
        var items = response.FindAll(Tag.BatchItem).ToList();
        Assert.Equal(items[0].FindPath(Tag.ResponsePayload, Tag.PrivateKeyUniqueIdentifier)!.Text, items[1].FindPath(Tag.ResponsePayload, Tag.UniqueIdentifier)!.Text);
        // Another user cannot see the keys.
        _t.Fails(ResultReason.ItemNotFound, Operation.Get, Req.Payload(Req.Id(priv)), Req.V1, user: "bob");
    }

    [Fact]
    public void CreateKeyPair_refuses_bad_requests_with_exact_reasons()
    {
        _t.Fails(ResultReason.MissingData, Operation.CreateKeyPair, Req.Payload(Req.Attrs(Req.Len(2048)).WithTag(Tag.CommonAttributes)));
        // RSA-1024 is below the policy's minimum: refused before any work.
        _t.Fails(ResultReason.PermissionDenied, Operation.CreateKeyPair, KeyPair2(CryptographicAlgorithm.RSA, 1024));
        _t.Fails(ResultReason.UnsupportedCryptographicParameters, Operation.CreateKeyPair, KeyPair2(CryptographicAlgorithm.DSA, 2048));
        using var restricted = new TestEngine(privilegedUsers: ["admin"]);
        restricted.Fails(ResultReason.PermissionDenied, Operation.CreateKeyPair, KeyPair2(CryptographicAlgorithm.EC, 256));
    }

    [Fact]
    public void Create_chacha20_and_sha3_hmac_through_the_key_generator_and_3des_only_when_policy_allows()
    {
        var created = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Attrs(Req.Alg(CryptographicAlgorithm.ChaCha20))));
        var key = _t.Ok(Operation.Get, Req.Payload(Req.Id(Uid(created)))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.Equal(32, key.Length);
        var h = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Attrs(Req.Alg(CryptographicAlgorithm.HMAC_SHA3_256))));
        Assert.Equal(256, Attribute(Uid(h), Tag.CryptographicLength).Int32);
        _t.Fails(ResultReason.PermissionDenied, Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.DES3), Req.Len(168))));
    }

    // ---- Encrypt / Decrypt ----

    [Fact]
    public void Usage_limits_in_bytes_are_deducted_per_Encrypt_and_stored()
    {
        // OASIS CS-BC-M-7: a 16-byte budget covers one 16-byte Encrypt; the next fails with Permission Denied.
        var limits = TtlvElement.Structure(Tag.UsageLimits,
            TtlvElement.LongInteger(Tag.UsageLimitsTotal, 40), TtlvElement.Enumeration(Tag.UsageLimitsUnit, (uint)UsageLimitsUnit.Byte));
        var id = Key(CryptographicAlgorithm.AES, new byte[16], parameters: limits);
        var block = new byte[16];
        _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, block)));
        _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, block))); // Decrypt does not count
        Assert.Equal(24, Attribute(id, Tag.UsageLimits).Find(Tag.UsageLimitsCount)!.Number);
        _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, block)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, block)));
        var left = Attribute(id, Tag.UsageLimits);
        Assert.Equal(8, left.Find(Tag.UsageLimitsCount)!.Number);
        Assert.Equal(40, left.Find(Tag.UsageLimitsTotal)!.Number);
    }

    [Fact]
    public void Usage_limits_in_objects_count_each_MAC()
    {
        var limits = TtlvElement.Structure(Tag.UsageLimits,
            TtlvElement.LongInteger(Tag.UsageLimitsTotal, 2), TtlvElement.Enumeration(Tag.UsageLimitsUnit, (uint)UsageLimitsUnit.Object));
        var id = Key(CryptographicAlgorithm.HMAC_SHA256, new byte[32], CryptographicUsageMask.MACGenerate, limits);
        var mac = Req.Payload(Req.Id(id), Bytes(Tag.Data, new byte[1000]));
        _t.Ok(Operation.MAC, mac);
        _t.Ok(Operation.MAC, mac);
        _t.Fails(ResultReason.PermissionDenied, Operation.MAC, mac);
    }

    [Fact]
    public void Aead_tag_length_outside_the_mode_is_General_Failure()
    {
        // OASIS CS-BC-M-GCM-1 steps 7 and 8: Tag Length 1 and 32.
        var id = Key(CryptographicAlgorithm.AES, new byte[16]);
        foreach (int tagLength in new[] { 1, 32, 8 })
        {
            var p = TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)BlockCipherMode.GCM), TtlvElement.Integer(Tag.TagLength, tagLength));
            _t.Fails(ResultReason.GeneralFailure, Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, new byte[16]), Bytes(Tag.IVCounterNonce, new byte[12])));
        }
    }

    private string Key(CryptographicAlgorithm alg, byte[] material, CryptographicUsageMask mask = CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt,
        TtlvElement? parameters = null, bool activate = true)
    {
        var attrs = Req.Attrs(Req.Mask(mask));
        if (parameters is not null) attrs.Children.Add(parameters);
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), attrs, Req.RawKey(alg, material))));
        if (activate) _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        return id;
    }

    private static TtlvElement Params(BlockCipherMode mode, PaddingMethod padding = 0, int tagLength = 0)
    {
        var p = TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)mode));
        if (padding != 0) p.Children.Add(TtlvElement.Enumeration(Tag.PaddingMethod, (uint)padding));
        if (tagLength != 0) p.Children.Add(TtlvElement.Integer(Tag.TagLength, tagLength));
        return p;
    }

    private static TtlvElement Bytes(Tag tag, byte[] b) => TtlvElement.ByteString(tag, b);

    [Fact]
    public void Encrypt_AES_GCM_matches_the_NIST_vector_and_decrypts_with_AAD_and_tag()
    {
        // NIST GCM spec test case 2 (McGrew & Viega, "The Galois/Counter Mode of Operation", AES-128, K = 0, IV = 0, P = 0^128).
        var id = Key(CryptographicAlgorithm.AES, new byte[16]);
        var enc = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.GCM, tagLength: 16), Bytes(Tag.Data, new byte[16]), Bytes(Tag.IVCounterNonce, new byte[12])));
        Assert.Equal(Convert.FromHexString("0388dace60b6a392f328c2b971b2fe78"), enc.Find(Tag.Data)!.Bytes);
        Assert.Equal(Convert.FromHexString("ab6e47d42cec13bdf53a67b21257bddf"), enc.Find(Tag.AuthenticatedEncryptionTag)!.Bytes);
        Assert.Null(enc.Find(Tag.IVCounterNonce));

        // Generated nonce, AAD, tag; the round trip, then a bad tag and a bad AAD are Cryptographic Failure.
        var aad = "header"u8.ToArray();
        var plain = "attack at dawn"u8.ToArray();
        var e2 = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.GCM), Bytes(Tag.Data, plain), Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad)));
        var nonce = e2.Find(Tag.IVCounterNonce)!.Bytes;
        Assert.Equal(12, nonce.Length);
        var ct = e2.Find(Tag.Data)!.Bytes;
        var tag = e2.Find(Tag.AuthenticatedEncryptionTag)!.Bytes;
        TtlvElement Dec(byte[] t, byte[] a) => Req.Payload(Req.Id(id), Params(BlockCipherMode.GCM), Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, nonce),
            Bytes(Tag.AuthenticatedEncryptionAdditionalData, a), Bytes(Tag.AuthenticatedEncryptionTag, t));
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Dec(tag, aad)).Find(Tag.Data)!.Bytes);
        var bad = (byte[])tag.Clone();
        bad[0] ^= 1;
        _t.Fails(ResultReason.CryptographicFailure, Operation.Decrypt, Dec(bad, aad));
        _t.Fails(ResultReason.CryptographicFailure, Operation.Decrypt, Dec(tag, "other"u8.ToArray()));
        _t.Fails(ResultReason.MissingData, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.GCM), Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, nonce)));
    }

    [Theory]
    [InlineData(BlockCipherMode.CBC, PaddingMethod.PKCS5, 16, 23)]
    [InlineData(BlockCipherMode.CBC, PaddingMethod.None, 32, 32)]
    [InlineData(BlockCipherMode.ECB, PaddingMethod.PKCS5, 16, 5)]
    [InlineData(BlockCipherMode.CTR, (PaddingMethod)0, 32, 41)]
    [InlineData(BlockCipherMode.XTS, (PaddingMethod)0, 64, 40)]
    [InlineData(BlockCipherMode.CCM, (PaddingMethod)0, 16, 40)]
    public void Encrypt_Decrypt_round_trip_in_each_mode(BlockCipherMode mode, PaddingMethod padding, int keyBytes, int length)
    {
        var id = Key(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(keyBytes));
        var plain = System.Security.Cryptography.RandomNumberGenerator.GetBytes(length);
        var enc = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(mode, padding), Bytes(Tag.Data, plain)));
        var dec = Req.Payload(Req.Id(id), Params(mode, padding), Bytes(Tag.Data, enc.Find(Tag.Data)!.Bytes));
        if (enc.Find(Tag.IVCounterNonce) is { } iv) dec.Children.Add(iv);
        if (enc.Find(Tag.AuthenticatedEncryptionTag) is { } tag) dec.Children.Add(tag);
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, dec).Find(Tag.Data)!.Bytes);
    }

    [Fact]
    public void ChaCha20_Poly1305_matches_RFC8439_and_object_parameters_are_the_defaults()
    {
        // RFC 8439 §2.8.2 AEAD test vector.
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = Convert.FromHexString("070000004041424344454647");
        var aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        var plain = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
        var id = Key(CryptographicAlgorithm.ChaCha20Poly1305, key);
        var enc = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Bytes(Tag.Data, plain), Bytes(Tag.IVCounterNonce, nonce), Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad)));
        Assert.Equal(Convert.FromHexString("1ae10b594f09e26a7e902ecbd0600691"), enc.Find(Tag.AuthenticatedEncryptionTag)!.Bytes);
        Assert.StartsWith("d31a8d34648e60db7b86afbc53ef7ec2", Convert.ToHexStringLower(enc.Find(Tag.Data)!.Bytes));

        // The object's Cryptographic Parameters (CBC, PKCS5) apply when the request has none; the request's override them.
        var aes = Key(CryptographicAlgorithm.AES, new byte[32], parameters: Params(BlockCipherMode.CBC, PaddingMethod.PKCS5));
        var cbc = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(aes), Bytes(Tag.Data, new byte[5])));
        Assert.Equal(16, cbc.Find(Tag.Data)!.Bytes.Length);
        Assert.Equal(16, cbc.Find(Tag.IVCounterNonce)!.Bytes.Length);
        var ctr = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(aes), Params(BlockCipherMode.CTR), Bytes(Tag.Data, new byte[5])));
        Assert.Equal(5, ctr.Find(Tag.Data)!.Bytes.Length);
    }

    [Fact]
    public void Encrypt_Decrypt_checks_usage_mask_state_padding_and_access()
    {
        var plain = new byte[16];
        var signOnly = Key(CryptographicAlgorithm.AES, new byte[16], CryptographicUsageMask.Decrypt);
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Encrypt, Req.Payload(Req.Id(signOnly), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Encrypt, Req.Payload(Req.Id(signOnly), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)), Req.V1);

        var preActive = Key(CryptographicAlgorithm.AES, new byte[16], activate: false);
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Encrypt, Req.Payload(Req.Id(preActive), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Decrypt, Req.Payload(Req.Id(preActive), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)));

        // Deactivated: no more Encrypt, still Decrypt.
        var id = Key(CryptographicAlgorithm.AES, new byte[16]);
        var ct = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.CBC, PaddingMethod.PKCS5), Bytes(Tag.Data, plain), Bytes(Tag.IVCounterNonce, new byte[16]))).Find(Tag.Data)!.Bytes;
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.CessationOfOperation)));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)));
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.CBC, PaddingMethod.PKCS5), Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, new byte[16]))).Find(Tag.Data)!.Bytes);

        // Bad padding (wrong IV changes the last block's padding … use a truncated-and-garbled block instead).
        var garbled = (byte[])ct.Clone();
        garbled[^1] ^= 0x5A;
        _t.Fails(ResultReason.CryptographicFailure, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.CBC, PaddingMethod.PKCS5), Bytes(Tag.Data, garbled), Bytes(Tag.IVCounterNonce, new byte[16])));
        // Missing IV on Decrypt is Invalid Message (OASIS CS-BC-M-11/-12/-13); no right for bob.
        _t.Fails(ResultReason.InvalidMessage, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.CBC, PaddingMethod.PKCS5), Bytes(Tag.Data, ct)));
        _t.Fails(ResultReason.ObjectNotFound, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)), user: "bob");
        _t.Engine.Access.Grant(new CallerIdentity("alice", "socket", "127.0.0.1"), id, "bob", [Access.Permission.Decrypt]);
        _t.Fails(ResultReason.PermissionDenied, Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, plain)), user: "bob");
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.CBC, PaddingMethod.PKCS5), Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, new byte[16])), user: "bob").Find(Tag.Data)!.Bytes);
    }

    [Fact]
    public void Multi_part_CBC_encrypt_and_decrypt_with_correlation_values()
    {
        var id = Key(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var plain = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100);
        var iv = new byte[16];
        var p = Params(BlockCipherMode.CBC, PaddingMethod.PKCS5);
        var first = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[..30]), Bytes(Tag.IVCounterNonce, iv), TtlvElement.Boolean(Tag.InitIndicator, true)));
        var cv = first.Find(Tag.CorrelationValue)!.Bytes;
        var mid = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[30..70]), Bytes(Tag.CorrelationValue, cv)));
        var last = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[70..]), Bytes(Tag.CorrelationValue, cv), TtlvElement.Boolean(Tag.FinalIndicator, true)));
        byte[] ct = [.. first.Find(Tag.Data)!.Bytes, .. mid.Find(Tag.Data)!.Bytes, .. last.Find(Tag.Data)!.Bytes];
        Assert.Equal(112, ct.Length);
        // The one-shot decrypt agrees; the finished correlation value is gone.
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, iv))).Find(Tag.Data)!.Bytes);
        _t.Fails(ResultReason.InvalidCorrelationValue, Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain), Bytes(Tag.CorrelationValue, cv)));
        _t.Fails(ResultReason.InvalidCorrelationValue, Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain), Bytes(Tag.CorrelationValue, new byte[16])));

        // Multi-part decrypt.
        var d1 = _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[..50]), Bytes(Tag.IVCounterNonce, iv), TtlvElement.Boolean(Tag.InitIndicator, true)));
        var d2 = _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[50..]), Bytes(Tag.CorrelationValue, d1.Find(Tag.CorrelationValue)!.Bytes), TtlvElement.Boolean(Tag.FinalIndicator, true)));
        Assert.Equal(plain, (byte[])[.. d1.Find(Tag.Data)!.Bytes, .. d2.Find(Tag.Data)!.Bytes]);
    }

    [Fact]
    public void Multi_part_GCM_encrypt_returns_the_tag_at_Final_and_multi_part_decrypt_checks_it()
    {
        var id = Key(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var plain = System.Security.Cryptography.RandomNumberGenerator.GetBytes(100);
        var aad = "header"u8.ToArray();
        var p = Params(BlockCipherMode.GCM, tagLength: 16);
        // Encrypt: the server picks the nonce at Init; each part returns its ciphertext; the tag comes with the Final part only.
        var first = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[..30]), Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad), TtlvElement.Boolean(Tag.InitIndicator, true)));
        var iv = first.Find(Tag.IVCounterNonce)!.Bytes;
        var cv = first.Find(Tag.CorrelationValue)!.Bytes;
        Assert.Null(first.Find(Tag.AuthenticatedEncryptionTag));
        _t.Fails(ResultReason.InvalidField, Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain), Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad), Bytes(Tag.CorrelationValue, cv)));
        var first2 = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[..30]), Bytes(Tag.IVCounterNonce, iv), Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad), TtlvElement.Boolean(Tag.InitIndicator, true)));
        cv = first2.Find(Tag.CorrelationValue)!.Bytes;
        var last = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, plain[30..]), Bytes(Tag.CorrelationValue, cv), TtlvElement.Boolean(Tag.FinalIndicator, true)));
        Assert.Null(last.Find(Tag.CorrelationValue));
        byte[] ct = [.. first2.Find(Tag.Data)!.Bytes, .. last.Find(Tag.Data)!.Bytes];
        var tag = last.Find(Tag.AuthenticatedEncryptionTag)!.Bytes;

        // The one-shot decrypt agrees.
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct), Bytes(Tag.IVCounterNonce, iv),
            Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad), Bytes(Tag.AuthenticatedEncryptionTag, tag))).Find(Tag.Data)!.Bytes);

        // Multi-part decrypt: nothing before the tag is checked; a wrong tag ends the operation with Cryptographic Failure.
        TtlvElement Init() => _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[..50]), Bytes(Tag.IVCounterNonce, iv),
            Bytes(Tag.AuthenticatedEncryptionAdditionalData, aad), TtlvElement.Boolean(Tag.InitIndicator, true)));
        var d1 = Init();
        Assert.Empty(d1.Find(Tag.Data)!.Bytes);
        var d2 = _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[50..]), Bytes(Tag.CorrelationValue, d1.Find(Tag.CorrelationValue)!.Bytes),
            Bytes(Tag.AuthenticatedEncryptionTag, tag), TtlvElement.Boolean(Tag.FinalIndicator, true)));
        Assert.Equal(plain, d2.Find(Tag.Data)!.Bytes);
        var bad = (byte[])tag.Clone();
        bad[0] ^= 1;
        var d3 = Init();
        _t.Fails(ResultReason.CryptographicFailure, Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[50..]), Bytes(Tag.CorrelationValue, d3.Find(Tag.CorrelationValue)!.Bytes),
            Bytes(Tag.AuthenticatedEncryptionTag, bad), TtlvElement.Boolean(Tag.FinalIndicator, true)));
        _t.Fails(ResultReason.InvalidCorrelationValue, Operation.Decrypt, Req.Payload(Req.Id(id), p, Bytes(Tag.Data, ct[50..]), Bytes(Tag.CorrelationValue, d3.Find(Tag.CorrelationValue)!.Bytes),
            Bytes(Tag.AuthenticatedEncryptionTag, tag), TtlvElement.Boolean(Tag.FinalIndicator, true)));
    }

    [Fact]
    public void RSA_OAEP_encrypt_with_the_public_key_decrypt_with_the_private_key_and_PKCS1_behind_the_policy()
    {
        var (priv, pub) = Pair(CryptographicAlgorithm.RSA, 2048, privateMask: CryptographicUsageMask.Decrypt, publicMask: CryptographicUsageMask.Encrypt);
        var oaep = TtlvElement.Structure(Tag.CryptographicParameters,
            TtlvElement.Enumeration(Tag.PaddingMethod, (uint)PaddingMethod.OAEP), TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256),
            TtlvElement.Enumeration(Tag.MaskGeneratorHashingAlgorithm, (uint)HashingAlgorithm.SHA_1));
        var plain = "a secret"u8.ToArray();
        var ct = _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(pub), oaep, Bytes(Tag.Data, plain))).Find(Tag.Data)!.Bytes;
        Assert.Equal(256, ct.Length);
        Assert.Equal(plain, _t.Ok(Operation.Decrypt, Req.Payload(Req.Id(priv), oaep, Bytes(Tag.Data, ct))).Find(Tag.Data)!.Bytes);
        var garbled = (byte[])ct.Clone();
        garbled[10] ^= 1;
        _t.Fails(ResultReason.CryptographicFailure, Operation.Decrypt, Req.Payload(Req.Id(priv), oaep, Bytes(Tag.Data, garbled)));
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Encrypt, Req.Payload(Req.Id(priv), oaep, Bytes(Tag.Data, plain)));
        var pkcs1 = TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.PaddingMethod, (uint)PaddingMethod.PKCS1V1_5));
        _t.Fails(ResultReason.PermissionDenied, Operation.Encrypt, Req.Payload(Req.Id(pub), pkcs1, Bytes(Tag.Data, plain)));
    }

    // ---- Sign / Verify, MAC, Hash, RNG ----

    private static TtlvElement SigParams(DigitalSignatureAlgorithm dsa) => TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.DigitalSignatureAlgorithm, (uint)dsa));

    private static TtlvElement HashPad(HashingAlgorithm h, PaddingMethod pad) => TtlvElement.Structure(Tag.CryptographicParameters,
        TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)h), TtlvElement.Enumeration(Tag.PaddingMethod, (uint)pad));

    private ValidityIndicator Verify(string pub, TtlvElement? parameters, Tag dataTag, byte[] data, byte[] signature)
    {
        var p = Req.Payload(Req.Id(pub));
        if (parameters is not null) p.Children.Add(parameters);
        p.Children.Add(Bytes(dataTag, data));
        p.Children.Add(Bytes(Tag.SignatureData, signature));
        return (ValidityIndicator)_t.Ok(Operation.SignatureVerify, p).Find(Tag.ValidityIndicator)!.UInt32;
    }

    public static TheoryData<CryptographicAlgorithm, int, RecommendedCurve, int> SignCases => new()
    {
        { CryptographicAlgorithm.RSA, 2048, 0, 0 },
        { CryptographicAlgorithm.RSA, 2048, 0, 1 },
        { CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256, 2 },
        { CryptographicAlgorithm.Ed25519, 0, 0, 3 },
        { CryptographicAlgorithm.Ed448, 0, 0, 3 },
        { KmsAlgorithms.MlDsa44, 0, 0, 3 },
        { KmsAlgorithms.SlhDsaSha2_128f, 0, 0, 3 },
    };

    [Theory]
    [MemberData(nameof(SignCases))]
    public void Sign_then_SignatureVerify_valid_and_invalid(CryptographicAlgorithm alg, int bits, RecommendedCurve curve, int form)
    {
        var (priv, pub) = Pair(alg, bits, curve);
        TtlvElement? parameters = form switch
        {
            0 => SigParams(DigitalSignatureAlgorithm.SHA_256WithRSAEncryption),
            1 => HashPad(HashingAlgorithm.SHA_256, PaddingMethod.PSS),
            2 => SigParams(DigitalSignatureAlgorithm.ECDSAWithSHA256),
            _ => null,
        };
        var data = "the message"u8.ToArray();
        var p = Req.Payload(Req.Id(priv));
        if (parameters is not null) p.Children.Add(parameters);
        p.Children.Add(Bytes(Tag.Data, data));
        var sig = _t.Ok(Operation.Sign, p).Find(Tag.SignatureData)!.Bytes;
        Assert.Equal(ValidityIndicator.Valid, Verify(pub, parameters, Tag.Data, data, sig));
        Assert.Equal(ValidityIndicator.Invalid, Verify(pub, parameters, Tag.Data, "another"u8.ToArray(), sig));
        if (form is 0 or 2)
        {
            // Digested Data: the same signature verifies over SHA-256(data).
            Assert.Equal(ValidityIndicator.Valid, Verify(pub, parameters, Tag.DigestedData, System.Security.Cryptography.SHA256.HashData(data), sig));
        }
        // The public key cannot sign (wrong mask); the private key is not for Verify.
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Sign, Req.Payload(Req.Id(pub), Bytes(Tag.Data, data)));
    }

    [Fact]
    public void Ed25519_signature_matches_RFC8032_test_1_after_Register()
    {
        // RFC 8032 §7.1 TEST 1: secret key 9d61b1…, empty message.
        var seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        var pkcs8 = KeyFormats.PrivateToPkcs8(KeyFormatType.Raw, seed, CryptographicAlgorithm.Ed25519);
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.PrivateKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Sign)),
            TtlvElement.Structure(Tag.PrivateKey, TtlvElement.Structure(Tag.KeyBlock,
                TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_8),
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, pkcs8)),
                Req.Alg(CryptographicAlgorithm.Ed25519), Req.Len(256))))));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Sign, Req.Payload(Req.Id(id), Bytes(Tag.Data, [])));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        var sig = _t.Ok(Operation.Sign, Req.Payload(Req.Id(id), Bytes(Tag.Data, []))).Find(Tag.SignatureData)!.Bytes;
        Assert.Equal("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", Convert.ToHexStringLower(sig));
    }

    [Fact]
    public void MAC_matches_RFC4231_and_MAC_Verify_gives_the_validity()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        var id = Key(CryptographicAlgorithm.HMAC_SHA256, "Jefe"u8.ToArray(), CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify);
        var data = "what do ya want for nothing?"u8.ToArray();
        var mac = _t.Ok(Operation.MAC, Req.Payload(Req.Id(id), Bytes(Tag.Data, data))).Find(Tag.MACData)!.Bytes;
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));
        ValidityIndicator V(byte[] m) => (ValidityIndicator)_t.Ok(Operation.MACVerify, Req.Payload(Req.Id(id), Bytes(Tag.Data, data), Bytes(Tag.MACData, m))).Find(Tag.ValidityIndicator)!.UInt32;
        Assert.Equal(ValidityIndicator.Valid, V(mac));
        mac[3] ^= 1;
        Assert.Equal(ValidityIndicator.Invalid, V(mac));

        // AES-CMAC (RFC 4493 example 1: empty message).
        var aes = Key(CryptographicAlgorithm.AES, Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"), CryptographicUsageMask.MACGenerate);
        var cmac = _t.Ok(Operation.MAC, Req.Payload(Req.Id(aes), Bytes(Tag.Data, []))).Find(Tag.MACData)!.Bytes;
        Assert.Equal("bb1d6929e95937287fa37d129b756746", Convert.ToHexStringLower(cmac));
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.MACVerify, Req.Payload(Req.Id(aes), Bytes(Tag.Data, []), Bytes(Tag.MACData, cmac)));
    }

    [Fact]
    public void Hash_RNG_Retrieve_and_RNG_Seed()
    {
        var h = _t.Ok(Operation.Hash, Req.Payload(TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA3_256)),
            Bytes(Tag.Data, "abc"u8.ToArray())));
        // FIPS 202 example: SHA3-256("abc").
        Assert.Equal("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532", Convert.ToHexStringLower(h.Find(Tag.Data)!.Bytes));
        _t.Fails(ResultReason.MissingData, Operation.Hash, Req.Payload(Bytes(Tag.Data, [1])));

        var r1 = _t.Ok(Operation.RNGRetrieve, Req.Payload(TtlvElement.Integer(Tag.DataLength, 32)), Req.V1).Find(Tag.Data)!.Bytes;
        var r2 = _t.Ok(Operation.RNGRetrieve, Req.Payload(TtlvElement.Integer(Tag.DataLength, 32))).Find(Tag.Data)!.Bytes;
        Assert.Equal(32, r1.Length);
        Assert.NotEqual(r1, r2);
        _t.Fails(ResultReason.InvalidField, Operation.RNGRetrieve, Req.Payload(TtlvElement.Integer(Tag.DataLength, 0)));
        Assert.Equal(0, _t.Ok(Operation.RNGSeed, Req.Payload(Bytes(Tag.Data, new byte[5]))).Find(Tag.DataLength)!.Int32);
    }

    [Fact]
    public void Protect_Stop_Date_ends_Encrypt_and_Process_Start_Date_delays_Decrypt()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var attrs = Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt),
            TtlvElement.DateTime(Tag.ActivationDate, now - 3600), TtlvElement.DateTime(Tag.ProcessStartDate, now + 3600), TtlvElement.DateTime(Tag.ProtectStopDate, now - 3600));
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), attrs, Req.RawKey(CryptographicAlgorithm.AES, new byte[16]))));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, new byte[16])));
        _t.Fails(ResultReason.WrongKeyLifecycleState, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, new byte[16])));
        _t.Fails(ResultReason.PermissionDenied, Operation.Decrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, new byte[16])), Req.V1);
    }

    [Fact]
    public void Derive_Key_HKDF_RFC5869_and_PBKDF2_with_links_both_ways()
    {
        // RFC 5869 A.1: IKM = 0x0b × 22, salt 00..0c, info f0..f9, L = 42.
        var baseId = Key(CryptographicAlgorithm.HMAC_SHA256, Enumerable.Repeat((byte)0x0b, 22).ToArray(), CryptographicUsageMask.DeriveKey);
        var hkdf = Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData), Req.Id(baseId),
            TtlvElement.Enumeration(Tag.DerivationMethod, (uint)DerivationMethod.HKDF),
            TtlvElement.Structure(Tag.DerivationParameters,
                TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256)),
                Bytes(Tag.DerivationData, Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9")), Bytes(Tag.Salt, Convert.FromHexString("000102030405060708090a0b0c"))),
            Req.Attrs(Req.Len(42 * 8)));
        var derived = Uid(_t.Ok(Operation.DeriveKey, hkdf));
        var okm = _t.Ok(Operation.Get, Req.Payload(Req.Id(derived))).FindPath(Tag.SecretData, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Convert.ToHexStringLower(okm));
        Assert.Equal(baseId, Attribute(derived, Tag.Link).Find(Tag.LinkedObjectIdentifier)!.Text);
        Assert.Equal(derived, Attribute(baseId, Tag.Link).Find(Tag.LinkedObjectIdentifier)!.Text);

        // PBKDF2-HMAC-SHA256("password", "salt", 1, 32) (RFC 7914 §11 uses the same construction; value from the published test set).
        var pw = Key(CryptographicAlgorithm.HMAC_SHA256, "password"u8.ToArray(), CryptographicUsageMask.DeriveKey);
        var p2 = Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Id(pw),
            TtlvElement.Enumeration(Tag.DerivationMethod, (uint)DerivationMethod.PBKDF2),
            TtlvElement.Structure(Tag.DerivationParameters, Bytes(Tag.Salt, "salt"u8.ToArray()), TtlvElement.Integer(Tag.IterationCount, 1)),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.AES), Req.Len(256), Req.Mask(CryptographicUsageMask.Encrypt)));
        var aes = Uid(_t.Ok(Operation.DeriveKey, p2));
        Assert.Equal("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            Convert.ToHexStringLower(_t.Ok(Operation.Get, Req.Payload(Req.Id(aes))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes));

        // HMAC derivation = HMAC-SHA256(base, Derivation Data), RFC 4231 test case 2 values.
        var jefe = Key(CryptographicAlgorithm.HMAC_SHA256, "Jefe"u8.ToArray(), CryptographicUsageMask.DeriveKey);
        var hm = Uid(_t.Ok(Operation.DeriveKey, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Id(jefe),
            TtlvElement.Enumeration(Tag.DerivationMethod, (uint)DerivationMethod.HMAC),
            TtlvElement.Structure(Tag.DerivationParameters,
                TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256)),
                Bytes(Tag.DerivationData, "what do ya want for nothing?"u8.ToArray())),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.AES), Req.Len(256)))));
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            Convert.ToHexStringLower(_t.Ok(Operation.Get, Req.Payload(Req.Id(hm))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes));

        // The base needs the Derive Key usage.
        var plain = Key(CryptographicAlgorithm.AES, new byte[16]);
        p2.Children[1] = Req.Id(plain);
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.DeriveKey, p2);
    }

    private TtlvElement GetAs(string id, KeyFormatType format)
        => _t.Ok(Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)format)));

    [Fact]
    public void Get_converts_key_formats()
    {
        var sym = Key(CryptographicAlgorithm.AES, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        var t = GetAs(sym, KeyFormatType.TransparentSymmetricKey);
        Assert.Equal((uint)KeyFormatType.TransparentSymmetricKey, t.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32);
        Assert.Equal(16, t.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial, Tag.Key)!.Bytes.Length);
        _t.Fails(ResultReason.KeyFormatTypeNotSupported, Operation.Get, Req.Payload(Req.Id(sym), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_8)));

        var (rsaPriv, rsaPub) = Pair(CryptographicAlgorithm.RSA, 2048, activate: false);
        var pkcs8 = GetAs(rsaPriv, KeyFormatType.PKCS_8).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.Equal(CryptographicAlgorithm.RSA, KeyDescription.FromPkcs8(pkcs8).Algorithm);
        var spki = GetAs(rsaPub, KeyFormatType.X_509).FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.Equal(spki, KeyFormats.PublicFromPrivate(pkcs8));
        var tr = GetAs(rsaPriv, KeyFormatType.TransparentRSAPrivateKey).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!;
        Assert.NotNull(tr.Find(Tag.Modulus));
        Assert.NotNull(tr.Find(Tag.CRTCoefficient));
        Assert.NotNull(GetAs(rsaPub, KeyFormatType.TransparentRSAPublicKey).FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial, Tag.PublicExponent));

        var (ecPriv, ecPub) = Pair(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256, activate: false);
        var sec1 = GetAs(ecPriv, KeyFormatType.ECPrivateKey).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        using (var ec = System.Security.Cryptography.ECDsa.Create()) { ec.ImportECPrivateKey(sec1, out _); Assert.Equal(256, ec.KeySize); }
        var d = GetAs(ecPriv, KeyFormatType.TransparentECPrivateKey).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!;
        Assert.Equal((uint)RecommendedCurve.P_256, d.Find(Tag.RecommendedCurve)!.UInt32);
        var q = GetAs(ecPub, KeyFormatType.TransparentECPublicKey).FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial, Tag.QString)!.Bytes;
        Assert.Equal(65, q.Length);
        _t.Fails(ResultReason.KeyFormatTypeNotSupported, Operation.Get, Req.Payload(Req.Id(ecPub), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_1)));
    }

    [Fact]
    public void Register_of_a_SEC1_key_fills_algorithm_length_and_curve()
    {
        using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.PrivateKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Sign)),
            TtlvElement.Structure(Tag.PrivateKey, TtlvElement.Structure(Tag.KeyBlock,
                TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.ECPrivateKey),
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, ec.ExportECPrivateKey())))))));
        Assert.Equal((uint)CryptographicAlgorithm.EC, Attribute(id, Tag.CryptographicAlgorithm).UInt32);
        Assert.Equal(384, Attribute(id, Tag.CryptographicLength).Int32);
        Assert.Equal((uint)RecommendedCurve.P_384, Attribute(id, Tag.CryptographicDomainParameters).Find(Tag.RecommendedCurve)!.UInt32);
        // And it signs (ECDSA with SHA-384), verified by the BCL.
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        var data = "x"u8.ToArray();
        var sig = _t.Ok(Operation.Sign, Req.Payload(Req.Id(id), SigParams(DigitalSignatureAlgorithm.ECDSAWithSHA384), Bytes(Tag.Data, data))).Find(Tag.SignatureData)!.Bytes;
        Assert.True(ec.VerifyData(data, sig, System.Security.Cryptography.HashAlgorithmName.SHA384, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence));
    }

    private static TtlvElement WrapSpec(string wrappingId, EncodingOption? encoding, TtlvElement? parameters = null)
    {
        var eki = TtlvElement.Structure(Tag.EncryptionKeyInformation, Req.Id(wrappingId));
        if (parameters is not null) eki.Children.Add(parameters);
        var spec = TtlvElement.Structure(Tag.KeyWrappingSpecification, TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt), eki);
        if (encoding is { } e) spec.Children.Add(TtlvElement.Enumeration(Tag.EncodingOption, (uint)e));
        return spec;
    }

    [Fact]
    public void Get_with_Key_Wrapping_Specification_AES_KW_RFC3394_and_RSA_OAEP()
    {
        // RFC 3394 §4.1: 128-bit KEK 000102…0f wraps 00112233…ff.
        var kek = Key(CryptographicAlgorithm.AES, Convert.FromHexString("000102030405060708090A0B0C0D0E0F"), CryptographicUsageMask.WrapKey);
        var target = Key(CryptographicAlgorithm.AES, Convert.FromHexString("00112233445566778899AABBCCDDEEFF"));
        var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(target), WrapSpec(kek, EncodingOption.NoEncoding,
            TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)BlockCipherMode.NISTKeyWrap)))));
        var block = got.FindPath(Tag.SymmetricKey, Tag.KeyBlock)!;
        Assert.Equal("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5", Convert.ToHexStringLower(block.Find(Tag.KeyValue)!.Bytes));
        Assert.Equal((uint)WrappingMethod.Encrypt, block.FindPath(Tag.KeyWrappingData, Tag.WrappingMethod)!.UInt32);
        Assert.Equal(kek, block.FindPath(Tag.KeyWrappingData, Tag.EncryptionKeyInformation, Tag.UniqueIdentifier)!.Text);

        // A KEK without the Wrap Key usage is refused; a Sensitive key leaves only wrapped.
        var notKek = Key(CryptographicAlgorithm.AES, new byte[16]);
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Get, Req.Payload(Req.Id(target), WrapSpec(notKek, EncodingOption.NoEncoding)));
        var sensitive = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt), TtlvElement.Boolean(Tag.Sensitive, true)), Req.RawKey(CryptographicAlgorithm.AES, new byte[32]))));
        _t.Fails(ResultReason.Sensitive, Operation.Get, Req.Payload(Req.Id(sensitive)));
        var ttlv = _t.Ok(Operation.Get, Req.Payload(Req.Id(sensitive), WrapSpec(kek, EncodingOption.TTLVEncoding)));
        Assert.Equal((uint)EncodingOption.TTLVEncoding, ttlv.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyWrappingData, Tag.EncodingOption)!.UInt32);
        // No Encoding Option asked: TTLV Encoding (KMIP 2.1 §2.1.5), and the Key Wrapping Data does not name it (OASIS AX-M-2).
        var byDefault = _t.Ok(Operation.Get, Req.Payload(Req.Id(sensitive), WrapSpec(kek, null))).FindPath(Tag.SymmetricKey, Tag.KeyBlock)!;
        Assert.Null(byDefault.FindPath(Tag.KeyWrappingData, Tag.EncodingOption));
        Assert.Equal(ttlv.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue)!.Bytes, byDefault.Find(Tag.KeyValue)!.Bytes);

        // RSA-OAEP (SHA-256) under a KMS public key; the BCL unwraps with the private key.
        var (priv, pub) = Pair(CryptographicAlgorithm.RSA, 2048, privateMask: CryptographicUsageMask.UnwrapKey, publicMask: CryptographicUsageMask.WrapKey);
        var oaep = TtlvElement.Structure(Tag.CryptographicParameters,
            TtlvElement.Enumeration(Tag.PaddingMethod, (uint)PaddingMethod.OAEP), TtlvElement.Enumeration(Tag.HashingAlgorithm, (uint)HashingAlgorithm.SHA_256));
        var wrapped = _t.Ok(Operation.Get, Req.Payload(Req.Id(target), WrapSpec(pub, EncodingOption.NoEncoding, oaep))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue)!.Bytes;
        var rsaDer = _t.Ok(Operation.Get, Req.Payload(Req.Id(priv))).FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportRSAPrivateKey(rsaDer, out _);
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), rsa.Decrypt(wrapped, System.Security.Cryptography.RSAEncryptionPadding.OaepSHA256));
    }

    /// <summary>A Register payload whose Symmetric Key block holds <paramref name="wrapped"/> wrapped under <paramref name="kek"/>.</summary>
    private static TtlvElement WrappedRegister(string kek, byte[] wrapped, int bits, EncodingOption encoding, TtlvElement? parameters = null)
    {
        var eki = TtlvElement.Structure(Tag.EncryptionKeyInformation, TtlvElement.TextString(Tag.UniqueIdentifier, kek));
        if (parameters is not null) eki.Children.Add(parameters);
        return Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)),
            TtlvElement.Structure(Tag.SymmetricKey, TtlvElement.Structure(Tag.KeyBlock,
                TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw),
                TtlvElement.ByteString(Tag.KeyValue, wrapped),
                Req.Alg(CryptographicAlgorithm.AES), Req.Len(bits),
                TtlvElement.Structure(Tag.KeyWrappingData, TtlvElement.Enumeration(Tag.WrappingMethod, (uint)WrappingMethod.Encrypt), eki,
                    TtlvElement.Enumeration(Tag.EncodingOption, (uint)encoding)))));
    }

    private byte[] Material(string id) => _t.Ok(Operation.Get, Req.Payload(Req.Id(id))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;

    [Fact]
    public void Register_with_unwrapping_on_unwraps_a_key_wrapped_under_a_KMS_key_and_stores_others_as_received()
    {
        // RFC 3394 §4.1: KEK 000102…0f, key 00112233…ff, wrapped 1fa68b0a….
        var kek = Key(CryptographicAlgorithm.AES, Convert.FromHexString("000102030405060708090A0B0C0D0E0F"), CryptographicUsageMask.UnwrapKey);
        var wrapped = Convert.FromHexString("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
        var id = Uid(_t.Ok(Operation.Register, WrappedRegister(kek, wrapped, 128, EncodingOption.NoEncoding)));
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), Material(id));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        _t.Ok(Operation.Encrypt, Req.Payload(Req.Id(id), Params(BlockCipherMode.ECB), Bytes(Tag.Data, new byte[16])));

        // Round trip with the TTLV encoding: Get wraps (Wrap Key), Register unwraps (Unwrap Key) into an equal key.
        var both = Key(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), CryptographicUsageMask.WrapKey | CryptographicUsageMask.UnwrapKey);
        var secret = Key(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(secret), WrapSpec(both, EncodingOption.TTLVEncoding,
            TtlvElement.Structure(Tag.CryptographicParameters, TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)BlockCipherMode.AESKeyWrapPadding)))));
        var block = got.FindPath(Tag.SymmetricKey)!;
        var again = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), block)));
        Assert.Equal(Material(secret), Material(again));
        Assert.Null(_t.Ok(Operation.Get, Req.Payload(Req.Id(again))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyWrappingData));

        // Wrapped under our public key: the linked private key unwraps (RSA-OAEP).
        var (priv, pub) = Pair(CryptographicAlgorithm.RSA, 2048, privateMask: CryptographicUsageMask.UnwrapKey, publicMask: CryptographicUsageMask.WrapKey);
        var rsaWrapped = _t.Ok(Operation.Get, Req.Payload(Req.Id(secret), WrapSpec(pub, EncodingOption.NoEncoding))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue)!.Bytes;
        Assert.Equal(Material(secret), Material(Uid(_t.Ok(Operation.Register, WrappedRegister(pub, rsaWrapped, 256, EncodingOption.NoEncoding)))));

        // A corrupted wrap fails the integrity check; a key without Unwrap Key is refused; an unknown wrapping key: stored as received.
        var bad = (byte[])wrapped.Clone();
        bad[3] ^= 1;
        _t.Fails(ResultReason.CryptographicFailure, Operation.Register, WrappedRegister(kek, bad, 128, EncodingOption.NoEncoding));
        var plainKey = Key(CryptographicAlgorithm.AES, new byte[16]);
        _t.Fails(ResultReason.IncompatibleCryptographicUsageMask, Operation.Register, WrappedRegister(plainKey, wrapped, 128, EncodingOption.NoEncoding));
        var kept = Uid(_t.Ok(Operation.Register, WrappedRegister("elsewhere-kek", wrapped, 128, EncodingOption.NoEncoding)));
        var stored = _t.Ok(Operation.Get, Req.Payload(Req.Id(kept))).FindPath(Tag.SymmetricKey, Tag.KeyBlock)!;
        Assert.Equal(wrapped, stored.Find(Tag.KeyValue)!.Bytes);
        Assert.Equal("elsewhere-kek", stored.FindPath(Tag.KeyWrappingData, Tag.EncryptionKeyInformation, Tag.UniqueIdentifier)!.Text);
    }

    [Fact]
    public void Register_of_a_key_the_algorithm_policy_forbids_is_Permission_Denied()
    {
        _t.Fails(ResultReason.PermissionDenied, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), Req.RawKey(CryptographicAlgorithm.DES3, new byte[24])));
        _t.Fails(ResultReason.PermissionDenied, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), Req.RawKey(CryptographicAlgorithm.AES, new byte[20])));
        // AES-XTS double keys (512 bits) remain registrable.
        _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), Req.RawKey(CryptographicAlgorithm.AES, System.Security.Cryptography.RandomNumberGenerator.GetBytes(64))));
        using var fips = new TestEngine(policy: AlgorithmPolicy.Fips);
        fips.Fails(ResultReason.PermissionDenied, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), Req.RawKey(CryptographicAlgorithm.ChaCha20, new byte[32])));
        fips.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Mask(CryptographicUsageMask.Encrypt)), Req.RawKey(CryptographicAlgorithm.AES, new byte[32])));
    }

    [Fact]
    public void ReKey_makes_a_linked_replacement_with_carried_attributes_names_and_shifted_dates()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var old = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, Req.Name("rk"), TtlvElement.DateTime(Tag.ActivationDate, now - 100),
            TtlvElement.DateTime(Tag.DeactivationDate, now + 1000))));
        var p = _t.Ok(Operation.ReKey, Req.Payload(Req.Id(old), TtlvElement.Interval(Tag.Offset, 3600)));
        var fresh = Uid(p);
        Assert.NotEqual(old, fresh);
        Assert.Equal(256, Attribute(fresh, Tag.CryptographicLength).Int32);
        Assert.Equal((int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt), Attribute(fresh, Tag.CryptographicUsageMask).Int32);
        Assert.Equal("rk", Attribute(fresh, Tag.Name).Find(Tag.NameValue)!.Text);
        var act = Attribute(fresh, Tag.ActivationDate).Number;
        Assert.InRange(act - now, 3590, 3700);
        Assert.Equal(1100, Attribute(fresh, Tag.DeactivationDate).Number - act);
        Assert.Equal((uint)LinkType.ReplacedObjectLink, Attribute(fresh, Tag.Link).Find(Tag.LinkType)!.UInt32);
        Assert.Equal(fresh, Attribute(old, Tag.Link).Find(Tag.LinkedObjectIdentifier)!.Text);
        Assert.Equal((uint)LinkType.ReplacementObjectLink, Attribute(old, Tag.Link).Find(Tag.LinkType)!.UInt32);
        var located = _t.Ok(Operation.Locate, Req.Payload(Req.Attrs(Req.Name("rk")))).FindAll(Tag.UniqueIdentifier).Select(e => e.Text).ToList();
        Assert.Equal([fresh], located);
        var k1 = _t.Ok(Operation.Get, Req.Payload(Req.Id(old))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        var k2 = _t.Ok(Operation.Get, Req.Payload(Req.Id(fresh))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.NotEqual(k1, k2);
        _t.Fails(ResultReason.ObjectNotFound, Operation.ReKey, Req.Payload(Req.Id(old)), user: "bob");
    }

    [Fact]
    public void ReKeyKeyPair_replaces_both_halves_with_links()
    {
        var (priv, pub) = Pair(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_384);
        var p = _t.Ok(Operation.ReKeyKeyPair, Req.Payload(TtlvElement.TextString(Tag.PrivateKeyUniqueIdentifier, priv)));
        var newPriv = p.Find(Tag.PrivateKeyUniqueIdentifier)!.Text;
        var newPub = p.Find(Tag.PublicKeyUniqueIdentifier)!.Text;
        Assert.Equal((int)CryptographicUsageMask.Sign, Attribute(newPriv, Tag.CryptographicUsageMask).Int32);
        Assert.Equal((int)CryptographicUsageMask.Verify, Attribute(newPub, Tag.CryptographicUsageMask).Int32);
        Assert.Equal((uint)RecommendedCurve.P_384, Attribute(newPriv, Tag.CryptographicDomainParameters).Find(Tag.RecommendedCurve)!.UInt32);
        var links = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(newPriv), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.Link)))
            .Find(Tag.Attributes)!.FindAll(Tag.Link).ToDictionary(l => (LinkType)l.Find(Tag.LinkType)!.UInt32, l => l.Find(Tag.LinkedObjectIdentifier)!.Text);
        Assert.Equal(newPub, links[LinkType.PublicKeyLink]);
        Assert.Equal(priv, links[LinkType.ReplacedObjectLink]);
        var oldPubLinks = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(pub), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.Link)))
            .Find(Tag.Attributes)!.FindAll(Tag.Link).ToDictionary(l => (LinkType)l.Find(Tag.LinkType)!.UInt32, l => l.Find(Tag.LinkedObjectIdentifier)!.Text);
        Assert.Equal(newPub, oldPubLinks[LinkType.ReplacementObjectLink]);
        // The new pair works: sign with the new private key, verify with the new public key.
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(newPriv)));
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(newPub)));
        var sig = _t.Ok(Operation.Sign, Req.Payload(Req.Id(newPriv), SigParams(DigitalSignatureAlgorithm.ECDSAWithSHA384), Bytes(Tag.Data, [1, 2]))).Find(Tag.SignatureData)!.Bytes;
        Assert.Equal(ValidityIndicator.Valid, Verify(newPub, SigParams(DigitalSignatureAlgorithm.ECDSAWithSHA384), Tag.Data, [1, 2], sig));
    }
}
