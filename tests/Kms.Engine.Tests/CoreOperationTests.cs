using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class CoreOperationTests : IDisposable
{
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    private static string Uid(TtlvElement payload) => payload.Find(Tag.UniqueIdentifier)!.Text;

    [Fact]
    public void DiscoverVersions_all_when_empty_and_intersection_in_server_order()
    {
        var all = _t.Ok(Operation.DiscoverVersions, Req.Payload()).FindAll(Tag.ProtocolVersion).ToList();
        Assert.Equal(7, all.Count);
        Assert.Equal(2, all[0].Find(Tag.ProtocolVersionMajor)!.Int32);
        Assert.Equal(1, all[0].Find(Tag.ProtocolVersionMinor)!.Int32);

        static TtlvElement Pv(int a, int b) => TtlvElement.Structure(Tag.ProtocolVersion,
            TtlvElement.Integer(Tag.ProtocolVersionMajor, a), TtlvElement.Integer(Tag.ProtocolVersionMinor, b));
        var some = _t.Ok(Operation.DiscoverVersions, Req.Payload(Pv(1, 2), Pv(3, 0), Pv(2, 0)), Req.V1).FindAll(Tag.ProtocolVersion).ToList();
        Assert.Equal(2, some.Count);
        Assert.Equal(2, some[0].Find(Tag.ProtocolVersionMajor)!.Int32);
        Assert.Equal(2, some[1].Find(Tag.ProtocolVersionMinor)!.Int32);
        Assert.Empty(_t.Ok(Operation.DiscoverVersions, Req.Payload(Pv(3, 0))).Children);
    }

    [Fact]
    public void Query_lists_operations_objects_and_server_information()
    {
        var p = _t.Ok(Operation.Query, Req.Payload(
            TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryOperations),
            TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryObjects),
            TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryServerInformation)));
        var ops = p.FindAll(Tag.Operation).Select(o => (Operation)o.UInt32).ToList();
        Assert.Contains(Operation.Create, ops);
        Assert.Contains(Operation.Locate, ops);
        Assert.Contains(Operation.SetAttribute, ops);
        Assert.Equal(6, p.FindAll(Tag.ObjectType).Count());
        Assert.Equal("Kms", p.Find(Tag.VendorIdentification)!.Text);

        // 1.x never hears of 2.x operations.
        var p1 = _t.Ok(Operation.Query, Req.Payload(TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryOperations)), KmipVersion.V1_0);
        var ops1 = p1.FindAll(Tag.Operation).Select(o => (Operation)o.UInt32).ToList();
        Assert.DoesNotContain(Operation.SetAttribute, ops1);
        Assert.DoesNotContain(Operation.DiscoverVersions, ops1);
    }

    [Theory]
    [InlineData(CryptographicAlgorithm.AES, 128)]
    [InlineData(CryptographicAlgorithm.AES, 192)]
    [InlineData(CryptographicAlgorithm.AES, 256)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA256, 256)]
    [InlineData(CryptographicAlgorithm.HMAC_SHA512, 512)]
    public void Create_then_Get_returns_a_raw_key_of_the_requested_length(CryptographicAlgorithm alg, int bits)
    {
        var created = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(alg), Req.Len(bits))));
        Assert.Equal((uint)ObjectType.SymmetricKey, created.Find(Tag.ObjectType)!.UInt32);
        var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(Uid(created))));
        Assert.Equal(Uid(created), Uid(got));
        var material = got.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
        Assert.Equal(bits / 8, material.Length);
        Assert.Contains(material, b => b != 0);
        Assert.Equal((uint)KeyFormatType.Raw, got.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyFormatType)!.UInt32);
    }

    [Fact]
    public void Create_errors()
    {
        _t.Fails(ResultReason.MissingData, Operation.Create, Req.Payload(Req.Attrs(Req.Alg(CryptographicAlgorithm.AES), Req.Len(128))));
        _t.Fails(ResultReason.MissingData, Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.Attrs(Req.Len(128))));
        _t.Fails(ResultReason.InvalidAttributeValue, Operation.Create, Req.CreateAes(100));
        _t.Fails(ResultReason.InvalidField, Operation.Create, Req.CreateAes1(100), Req.V1);
        _t.Fails(ResultReason.InvalidAttributeValue, Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.RSA), Req.Len(2048))));
        _t.Fails(ResultReason.InvalidObjectType, Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.Certificate)));
        _t.Fails(ResultReason.AttributeReadOnly, Operation.Create, Req.CreateAes(256, TtlvElement.Enumeration(Tag.State, (uint)State.Active)));
        _t.Fails(ResultReason.InvalidField, Operation.Create, Req.CreateAes1(256, Req.Attr1("State", TtlvElement.Enumeration(Tag.State, (uint)State.Active))), Req.V1);
        _t.Fails(ResultReason.InvalidField, Operation.Create, Req.CreateAes1(256, Req.Attr1("No Such Attribute", TtlvElement.Integer(Tag.AttributeValue, 1))), Req.V1);
        _t.Fails(ResultReason.AttributeSingleValued, Operation.Create, Req.CreateAes(256, TtlvElement.TextString(Tag.Description, "a"), TtlvElement.TextString(Tag.Description, "b")));
        _t.Fails(ResultReason.NonUniqueNameAttribute, Operation.Create, Req.CreateAes(256, Req.Name("n"), Req.Name("n")));
        _t.Fails(ResultReason.InvalidAttributeValue, Operation.Create, Req.CreateAes(256, TtlvElement.Integer(Tag.ActivationDate, 5)));
    }

    [Fact]
    public void Create_secret_data()
    {
        var created = _t.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData), Req.Attrs(Req.Len(128))));
        var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(Uid(created))));
        Assert.Equal(16, got.FindPath(Tag.SecretData, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes.Length);
    }

    [Fact]
    public void Create_1x_template_attribute_then_Get_Attributes_in_1x_form()
    {
        var created = _t.Ok(Operation.Create, Req.CreateAes1(128, Req.Attr1("Name", Req.Name("k1")), Req.Attr1("x-team", TtlvElement.TextString(Tag.AttributeValue, "blue"))), Req.V1);
        var id = Uid(created);
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id)), Req.V1);
        var byName = attrs.FindAll(Tag.Attribute).ToDictionary(a => a.Find(Tag.AttributeName)!.Text, a => a.Find(Tag.AttributeValue)!);
        Assert.Equal((uint)CryptographicAlgorithm.AES, byName["Cryptographic Algorithm"].UInt32);
        Assert.Equal(128, byName["Cryptographic Length"].Int32);
        Assert.Equal("k1", byName["Name"].Find(Tag.NameValue)!.Text);
        Assert.Equal("blue", byName["x-team"].Text);
        Assert.Equal((uint)State.PreActive, byName["State"].UInt32);
        Assert.True(byName.ContainsKey("Initial Date"));
        Assert.True(byName.ContainsKey("Digest"));
        Assert.True(byName.ContainsKey("Unique Identifier"));
        // Always Sensitive is 1.4+ and Fresh 1.1+: a 1.0 client gets neither.
        Assert.True(byName.ContainsKey("Always Sensitive"));
        Assert.True(byName.ContainsKey("Fresh"));
        var attrs10 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id)), KmipVersion.V1_0);
        Assert.DoesNotContain(attrs10.FindAll(Tag.Attribute), a => a.Find(Tag.AttributeName)!.Text is "Fresh" or "Original Creation Date" or "Key Value Present" or "Always Sensitive");

        // A 2.x client sees the same object: custom attribute as a vendor attribute.
        var attrs2 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id)))!.Find(Tag.Attributes)!;
        var vendor = attrs2.FindAll(Tag.Attribute).Single();
        Assert.Equal("x", vendor.Find(Tag.VendorIdentification)!.Text);
        Assert.Equal("team", vendor.Find(Tag.AttributeName)!.Text);
        Assert.NotNull(attrs2.Find(Tag.AlwaysSensitive));
    }

    [Fact]
    public void Get_Attributes_by_name_and_by_reference()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, Req.Name("gk"))));
        var p2 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id),
            TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State),
            TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.ObjectGroup),
            TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.CryptographicLength)));
        var a = p2.Find(Tag.Attributes)!;
        Assert.Equal([Tag.CryptographicLength, Tag.State], a.Children.Select(c => c.Tag).Order().ToArray());
        var p1 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "Name")), Req.V1);
        var only = Assert.Single(p1.FindAll(Tag.Attribute));
        Assert.Null(only.Find(Tag.AttributeIndex)); // index 0 is left out, as in the 1.4 test cases
        _t.Fails(ResultReason.UnsupportedAttribute, Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.KeyBlock)));
    }

    [Fact]
    public void Get_Attribute_List_in_both_forms()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, Req.Name("a"), Req.Name("b"), TtlvElement.TextString(Tag.Description, "2.x only"))));
        var p2 = _t.Ok(Operation.GetAttributeList, Req.Payload(Req.Id(id)));
        var refs = p2.FindAll(Tag.AttributeReference).Select(r => (Tag)r.UInt32).ToList();
        Assert.Single(refs, t => t == Tag.Name);
        Assert.Contains(Tag.State, refs);
        var p1 = _t.Ok(Operation.GetAttributeList, Req.Payload(Req.Id(id)), Req.V1);
        var names = p1.FindAll(Tag.AttributeName).Select(n => n.Text).ToList();
        Assert.Contains("Cryptographic Algorithm", names);
        Assert.DoesNotContain("Description", names);
        Assert.Contains(Tag.Description, refs);
    }

    [Fact]
    public void Register_all_six_object_types_and_Get_returns_them_as_stored()
    {
        var material = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        TtlvElement KeyBlock(KeyFormatType f, TtlvElement keyValue, CryptographicAlgorithm alg, int len) => TtlvElement.Structure(Tag.KeyBlock,
            TtlvElement.Enumeration(Tag.KeyFormatType, (uint)f), keyValue, Req.Alg(alg), Req.Len(len));
        var objects = new (ObjectType Type, TtlvElement Value)[]
        {
            (ObjectType.SymmetricKey, Req.RawKey(CryptographicAlgorithm.AES, material)),
            (ObjectType.PublicKey, TtlvElement.Structure(Tag.PublicKey, KeyBlock(KeyFormatType.PKCS_1,
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, [0x30, 0x82, 1, 2])), CryptographicAlgorithm.RSA, 2048))),
            (ObjectType.PrivateKey, TtlvElement.Structure(Tag.PrivateKey, KeyBlock(KeyFormatType.TransparentRSAPrivateKey,
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.Structure(Tag.KeyMaterial,
                    TtlvElement.BigInteger(Tag.Modulus, 12345), TtlvElement.BigInteger(Tag.PrivateExponent, 777))), CryptographicAlgorithm.RSA, 2048))),
            (ObjectType.SecretData, TtlvElement.Structure(Tag.SecretData, TtlvElement.Enumeration(Tag.SecretDataType, (uint)SecretDataType.Password),
                TtlvElement.Structure(Tag.KeyBlock, TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Opaque),
                    TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, "password"u8.ToArray()))))),
            (ObjectType.Certificate, TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509),
                TtlvElement.ByteString(Tag.CertificateValue, [0x30, 0x82, 0x01]))),
            (ObjectType.OpaqueObject, TtlvElement.Structure(Tag.OpaqueObject, TtlvElement.Enumeration(Tag.OpaqueDataType, 0x80000001),
                TtlvElement.ByteString(Tag.OpaqueDataValue, [1, 2, 3]))),
        };
        foreach (var version in new[] { Req.V1, Req.V2 })
        {
            foreach (var (type, value) in objects)
            {
                var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)type), value), version));
                var got = _t.Ok(Operation.Get, Req.Payload(Req.Id(id)), version);
                Assert.Equal((uint)type, got.Find(Tag.ObjectType)!.UInt32);
                Assert.True(value.DeepEquals(got.Find(value.Tag)), $"{type} differs");
            }
        }
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(Uid(_t.Ok(Operation.Register,
            Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey), Req.RawKey(CryptographicAlgorithm.AES, material)))))));
        Assert.Equal(256, attrs.Find(Tag.Attributes)!.Find(Tag.CryptographicLength)!.Int32);
    }

    [Fact]
    public void Register_errors()
    {
        _t.Fails(ResultReason.MissingData, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey)));
        _t.Fails(ResultReason.MissingData, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData),
            Req.RawKey(CryptographicAlgorithm.AES, new byte[16])));
        _t.Fails(ResultReason.InvalidField, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            TtlvElement.Structure(Tag.SymmetricKey, TtlvElement.Structure(Tag.KeyBlock))));
        _t.Fails(ResultReason.InvalidObjectType, Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SplitKey)));
    }

    [Fact]
    public void Get_errors()
    {
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id("nope")));
        _t.Fails(ResultReason.ItemNotFound, Operation.Get, Req.Payload(Req.Id("nope")), Req.V1);
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload());
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        _t.Fails(ResultReason.KeyFormatTypeNotSupported, Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.PKCS_8)));
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw)));
        _t.Fails(ResultReason.KeyCompressionTypeNotSupported, Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.KeyCompressionType, 1)));
        _t.Fails(ResultReason.MissingData, Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.KeyWrappingSpecification)));
    }

    [Fact]
    public void Destroy_keeps_metadata_and_Get_fails_per_version()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectDestroyed, Operation.Get, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ItemNotFound, Operation.Get, Req.Payload(Req.Id(id)), Req.V1);
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Equal((uint)State.Destroyed, attrs.Find(Tag.State)!.UInt32);
        Assert.NotNull(attrs.Find(Tag.DestroyDate));
        Assert.False(attrs.Find(Tag.KeyValuePresent)!.Bool);
        _t.Fails(ResultReason.ObjectDestroyed, Operation.Destroy, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectNotFound, Operation.Destroy, Req.Payload(Req.Id("missing")));
    }

    [Fact]
    public void Sensitive_and_non_extractable_objects_are_not_returned_by_Get()
    {
        var sensitive = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, TtlvElement.Boolean(Tag.Sensitive, true))));
        _t.Fails(ResultReason.Sensitive, Operation.Get, Req.Payload(Req.Id(sensitive)));
        _t.Fails(ResultReason.PermissionDenied, Operation.Get, Req.Payload(Req.Id(sensitive)), KmipVersion.V1_2);
        var locked = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, TtlvElement.Boolean(Tag.Extractable, false))));
        _t.Fails(ResultReason.NotExtractable, Operation.Get, Req.Payload(Req.Id(locked)));
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(locked))).Find(Tag.Attributes)!;
        Assert.True(attrs.Find(Tag.NeverExtractable)!.Bool);
        Assert.False(attrs.Find(Tag.AlwaysSensitive)!.Bool);
    }

    [Fact]
    public void Operations_of_a_later_version_are_not_supported_in_an_earlier_one()
    {
        var interop = Req.Payload(TtlvElement.Enumeration(Tag.InteropFunction, (uint)InteropFunction.Begin), TtlvElement.TextString(Tag.InteropIdentifier, "x"));
        _t.Ok(Operation.Interop, interop);
        _t.Fails(ResultReason.OperationNotSupported, Operation.Interop, interop, Req.V1);
        _t.Fails(ResultReason.OperationNotSupported, Operation.DiscoverVersions, Req.Payload(), KmipVersion.V1_0);
        _t.Ok(Operation.Log, Req.Payload(TtlvElement.TextString(Tag.LogMessage, "hello")));
        _t.Fails(ResultReason.MissingData, Operation.Log, Req.Payload());
    }

    [Fact]
    public void Create_3des_and_quantum_safe_rule()
    {
        using var t3 = new TestEngine(policy: TestEngine.WithTripleDes);
        var id = Uid(t3.Ok(Operation.Create, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.DES3), Req.Len(168)))));
        Assert.Equal(24, t3.Ok(Operation.Get, Req.Payload(Req.Id(id))).FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes.Length);
        _t.Fails(ResultReason.GeneralFailure, Operation.Create, Req.CreateAes(128, TtlvElement.Boolean(Tag.QuantumSafe, true)));
        _t.Ok(Operation.Create, Req.CreateAes(256, TtlvElement.Boolean(Tag.QuantumSafe, true)));
    }

    [Fact]
    public void Registered_x509_certificates_get_their_certificate_attributes()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kms-test, O=Acme, C=FR", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var der = cert.RawData;
        var id = Uid(_t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.Certificate),
            TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509), TtlvElement.ByteString(Tag.CertificateValue, der)))));
        var a = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Equal(der.Length, a.Find(Tag.CertificateLength)!.Int32);
        Assert.Equal("kms-test", a.Find(Tag.CertificateSubjectCN)!.Text);
        Assert.Equal("Acme", a.Find(Tag.CertificateIssuerO)!.Text);
        Assert.Equal((uint)DigitalSignatureAlgorithm.ECDSAWithSHA256, a.Find(Tag.DigitalSignatureAlgorithm)!.UInt32);
        Assert.Equal(cert.SubjectName.RawData, a.FindPath(Tag.X_509CertificateSubject, Tag.SubjectDistinguishedName)!.Bytes);
        _t.Fails(ResultReason.AttributeReadOnly, Operation.ModifyAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.Integer(Tag.CertificateLength, 1))));
        var v1 = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.TextString(Tag.AttributeName, "X.509 Certificate Identifier")), KmipVersion.V1_1);
        Assert.NotNull(v1.FindPath(Tag.Attribute, Tag.AttributeValue, Tag.CertificateSerialNumber));
    }

    [Fact]
    public void Fresh_turns_false_after_the_first_Get_and_created_keys_name_their_generator()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        TtlvElement Attr(Tag tag) => _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)tag))).FindPath(Tag.Attributes, tag)!;
        Assert.True(Attr(Tag.Fresh).Bool);
        var rng = Attr(Tag.RandomNumberGenerator);
        Assert.Equal((uint)RNGAlgorithm.DRBG, rng.Find(Tag.RNGAlgorithm)!.UInt32);
        Assert.Equal((uint)DRBGAlgorithm.CTR, rng.Find(Tag.DRBGAlgorithm)!.UInt32);
        Assert.Equal((uint)CryptographicAlgorithm.AES, rng.Find(Tag.CryptographicAlgorithm)!.UInt32);
        Assert.Equal(256, rng.Find(Tag.CryptographicLength)!.Int32);
        Assert.Equal(32, Attr(Tag.ShortUniqueIdentifier).Bytes.Length);
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        Assert.False(Attr(Tag.Fresh).Bool);
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        var q = _t.Ok(Operation.Query, Req.Payload(TtlvElement.Enumeration(Tag.QueryFunction, (uint)QueryFunction.QueryServerInformation)));
        Assert.NotNull(q.Find(Tag.ServerInformation));
    }

    [Fact]
    public void New_keys_carry_the_default_key_attributes_listed_in_the_version_they_exist_in()
    {
        var id = Uid(_t.Ok(Operation.Create, Req.CreateAes()));
        var all = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.False(all.Find(Tag.Sensitive)!.Bool);
        Assert.True(all.Find(Tag.Extractable)!.Bool);
        Assert.Equal(3600u, all.Find(Tag.LeaseTime)!.UInt32);
        Assert.Equal((uint)KeyFormatType.Raw, all.Find(Tag.KeyFormatType)!.UInt32);
        Assert.Equal((int)ProtectionStorageMask.Software, all.Find(Tag.ProtectionStorageMask)!.Int32);
        var list2 = _t.Ok(Operation.GetAttributeList, Req.Payload(Req.Id(id))).FindAll(Tag.AttributeReference).Select(r => (Tag)r.UInt32).ToList();
        Assert.Contains(Tag.KeyFormatType, list2);
        Assert.Contains(Tag.ProtectionStorageMask, list2);
        Assert.Contains(Tag.LeaseTime, list2);

        // 1.4 has Sensitive, Extractable and Lease Time as attributes, but not Key Format Type or Protection Storage Mask.
        var list1 = _t.Ok(Operation.GetAttributeList, Req.Payload(Req.Id(id)), Req.V1).FindAll(Tag.AttributeName).Select(n => n.Text).ToList();
        Assert.Contains("Sensitive", list1);
        Assert.Contains("Extractable", list1);
        Assert.Contains("Lease Time", list1);
        Assert.Contains("Random Number Generator", list1);
        Assert.DoesNotContain("Key Format Type", list1);
        Assert.DoesNotContain("Protection Storage Mask", list1);

        // A client's own choice is kept.
        var sensitive = Uid(_t.Ok(Operation.Create, Req.CreateAes(256, TtlvElement.Boolean(Tag.Sensitive, true))));
        var s = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(sensitive))).Find(Tag.Attributes)!;
        Assert.True(s.Find(Tag.Sensitive)!.Bool);
        Assert.True(s.Find(Tag.AlwaysSensitive)!.Bool);
    }
}
