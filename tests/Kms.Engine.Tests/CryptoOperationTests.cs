using Kms.Engine.Crypto;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>The cryptographic operations (issue 4) through <see cref="KmsEngine.Process"/> on the FASTER store.</summary>
public sealed class CryptoOperationTests : IDisposable
{
    private readonly TestEngine _t = new();

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
        var pkcs8 = privObj.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        var spki = pubObj.FindPath(Tag.PublicKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
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
}
