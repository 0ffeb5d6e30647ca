using System.Text;
using System.Text.Json;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Tests;

/// <summary>Golden examples and error cases of the KMIP JSON encoding (Profiles 2.1 §5.5, spec.md §7).</summary>
public class KmipJsonTests
{
    private const string CreateJson = """
        {"tag":"Create","type":"Structure","value":[
          {"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
          {"tag":"Attributes","type":"Structure","value":[
            {"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
            {"tag":"CryptographicLength","type":"Integer","value":256},
            {"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"}]}]}
        """;

    private static TtlvElement ExpectedCreatePayload() => TtlvElement.Structure(Tag.RequestPayload,
        TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        TtlvElement.Structure(Tag.Attributes,
            TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
            TtlvElement.Integer(Tag.CryptographicLength, 256),
            TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt))));

    private static void AssertTree(TtlvElement expected, TtlvElement actual) =>
        Assert.True(expected.DeepEquals(actual), $"expected\n{expected}\nactual\n{actual}");

    private static string ParseError(string json, TtlvLimits? limits = null)
    {
        Assert.False(KmipJson.TryParse(json, out var element, out var error, limits), $"parsed: {element}");
        Assert.Null(element);
        var thrown = Assert.Throws<FormatException>(() => KmipJson.Parse(json, limits));
        Assert.Equal(error, thrown.Message);
        return error;
    }

    [Fact]
    public void BareCreateFromKmip21ClientParsesToTheExactTree()
    {
        Assert.True(KmipJson.TryParseRequest(Encoding.UTF8.GetBytes(CreateJson), out var payload, out var operation, out var error), error);
        Assert.Equal(Operation.Create, operation);
        AssertTree(ExpectedCreatePayload(), payload);
    }

    [Fact]
    public void BareOperationIsOnlyAcceptedByTryParseRequest()
    {
        Assert.Contains("unknown tag name 'Create'", ParseError(CreateJson));
    }

    [Fact]
    public void RequestMessageThroughTryParseRequestHasNoBareOperation()
    {
        var message = TtlvElement.Structure(Tag.RequestMessage, TtlvElement.Structure(Tag.RequestHeader, TtlvElement.Integer(Tag.BatchCount, 1)));
        Assert.True(KmipJson.TryParseRequest(Encoding.UTF8.GetBytes(KmipJson.Serialize(message)), out var parsed, out var operation, out var error), error);
        Assert.Null(operation);
        AssertTree(message, parsed);
    }

    [Fact]
    public void BareOperationResponseUsesTheOperationResponseTag()
    {
        var payload = TtlvElement.Structure(Tag.ResponsePayload,
            TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
            TtlvElement.TextString(Tag.UniqueIdentifier, "1"));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output)) KmipJson.WriteBareOperationResponse(writer, Operation.Create, payload);
        Assert.Equal("""{"tag":"CreateResponse","type":"Structure","value":[{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},{"tag":"UniqueIdentifier","type":"TextString","value":"1"}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void SerializesMasksEnumerationsAndStructures()
    {
        var tree = ExpectedCreatePayload();
        Assert.Equal(
            """{"tag":"RequestPayload","type":"Structure","value":[{"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},{"tag":"Attributes","type":"Structure","value":[{"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},{"tag":"CryptographicLength","type":"Integer","value":256},{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"}]}]}""",
            KmipJson.Serialize(tree));
    }

    [Fact]
    public void StructureTypeMayBeOmittedAndValueMayBeNullOrEmpty()
    {
        AssertTree(TtlvElement.Structure(Tag.Attributes, TtlvElement.Integer(Tag.CryptographicLength, 128)),
            KmipJson.Parse("""{"tag":"Attributes","value":[{"tag":"CryptographicLength","type":"Integer","value":128}]}"""));
        AssertTree(TtlvElement.Structure(Tag.Attributes), KmipJson.Parse("""{"tag":"Attributes","type":"Structure","value":null}"""));
        AssertTree(TtlvElement.Structure(Tag.Attributes), KmipJson.Parse("""{"tag":"Attributes","value":[]}"""));
        AssertTree(TtlvElement.Structure(Tag.Attributes), KmipJson.Parse("""{"tag":"Attributes"}"""));
    }

    [Fact]
    public void PropertiesMayComeInAnyOrder()
    {
        AssertTree(TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
            KmipJson.Parse("""{"value":"AES","type":"Enumeration","tag":"CryptographicAlgorithm"}"""));
    }

    [Fact]
    public void LongIntegerAtOrBeyond2Pow52IsAHexString()
    {
        var small = TtlvElement.LongInteger(Tag.UsageLimitsTotal, (1L << 52) - 1);
        var big = TtlvElement.LongInteger(Tag.UsageLimitsTotal, 1L << 52);
        var negative = TtlvElement.LongInteger(Tag.UsageLimitsTotal, -(1L << 60));
        Assert.Equal("""{"tag":"UsageLimitsTotal","type":"LongInteger","value":4503599627370495}""", KmipJson.Serialize(small));
        Assert.Equal("""{"tag":"UsageLimitsTotal","type":"LongInteger","value":"0x0010000000000000"}""", KmipJson.Serialize(big));
        Assert.Equal("""{"tag":"UsageLimitsTotal","type":"LongInteger","value":"0xF000000000000000"}""", KmipJson.Serialize(negative));
        foreach (var e in new[] { small, big, negative }) AssertTree(e, KmipJson.Parse(KmipJson.Serialize(e)));
        AssertTree(big, KmipJson.Parse("""{"tag":"UsageLimitsTotal","type":"LongInteger","value":4503599627370496}"""));
    }

    [Fact]
    public void UnknownAndExtensionTagsAreHex()
    {
        var e = TtlvElement.TextString((Tag)0x540001, "vendor");
        var json = KmipJson.Serialize(e);
        Assert.Equal("""{"tag":"0x540001","type":"TextString","value":"vendor"}""", json);
        AssertTree(e, KmipJson.Parse(json));
        AssertTree(e, KmipJson.Parse("""{"tag":"0x540001","name":"SomeExtension","type":"TextString","value":"vendor"}"""));
        // A known tag may be written in hex too.
        AssertTree(TtlvElement.Integer(Tag.CryptographicLength, 1), KmipJson.Parse("""{"tag":"0x42002A","type":"Integer","value":1}"""));
    }

    [Fact]
    public void DateTimeRoundTripsAndAcceptsOffsetsAndHex()
    {
        var e = TtlvElement.DateTime(Tag.ActivationDate, new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var json = KmipJson.Serialize(e);
        Assert.Equal("""{"tag":"ActivationDate","type":"DateTime","value":"2001-01-01T00:00:00Z"}""", json);
        AssertTree(e, KmipJson.Parse(json));
        AssertTree(e, KmipJson.Parse("""{"tag":"ActivationDate","type":"DateTime","value":"2001-01-01T10:00:00+10:00"}"""));
        AssertTree(e, KmipJson.Parse("""{"tag":"ActivationDate","type":"DateTime","value":"2001-01-01T00:00:00.999Z"}"""));
        AssertTree(e, KmipJson.Parse("""{"tag":"ActivationDate","type":"DateTime","value":"0x000000003A4FC880"}"""));
    }

    [Fact]
    public void OtherValueFormsAreAccepted()
    {
        AssertTree(TtlvElement.Integer(Tag.CryptographicLength, 10), KmipJson.Parse("""{"tag":"CryptographicLength","type":"Integer","value":"0x0000000A"}"""));
        AssertTree(TtlvElement.Integer(Tag.CryptographicUsageMask, 12), KmipJson.Parse("""{"tag":"CryptographicUsageMask","type":"Integer","value":12}"""));
        AssertTree(TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), KmipJson.Parse("""{"tag":"ObjectType","type":"Enumeration","value":2}"""));
        AssertTree(TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), KmipJson.Parse("""{"tag":"ObjectType","type":"Enumeration","value":"0x2"}"""));
        AssertTree(TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey), KmipJson.Parse("""{"tag":"ObjectType","type":"Enumeration","value":"0x0000000000000002"}"""));
        AssertTree(TtlvElement.Boolean(Tag.Sensitive, true), KmipJson.Parse("""{"tag":"Sensitive","type":"Boolean","value":"0x0000000000000001"}"""));
        AssertTree(TtlvElement.ByteString(Tag.KeyMaterial, [0xC5, 0x0F, 0x77]), KmipJson.Parse("""{"tag":"KeyMaterial","type":"ByteString","value":"c50f77"}"""));
        AssertTree(TtlvElement.BigInteger(Tag.Modulus, System.Numerics.BigInteger.Parse("1234567890000000000000000000")),
            KmipJson.Parse("""{"tag":"Modulus","type":"BigInteger","value":1234567890000000000000000000}"""));
        AssertTree(TtlvElement.BigInteger(Tag.Modulus, System.Numerics.BigInteger.Parse("1234567890000000000000000000")),
            KmipJson.Parse("""{"tag":"Modulus","type":"BigInteger","value":"0x0000000003FD35EB6BC2DF4618080000"}"""));
        AssertTree(TtlvElement.Interval(Tag.Offset, 864000), KmipJson.Parse("""{"tag":"Offset","type":"Interval","value":864000}"""));
        Assert.Equal("""{"tag":"ObjectType","type":"Enumeration","value":"0x80000001"}""", KmipJson.Serialize(TtlvElement.Enumeration(Tag.ObjectType, 0x80000001)));
    }

    [Fact]
    public void ContextDependentNames()
    {
        // 1.x Attribute Value takes its names from the sibling Attribute Name.
        var attribute = TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.AttributeName, "Cryptographic Usage Mask"),
            TtlvElement.Integer(Tag.AttributeValue, 12));
        Assert.Contains("\"value\":\"Encrypt|Decrypt\"", KmipJson.Serialize(attribute));
        AssertTree(attribute, KmipJson.Parse(KmipJson.Serialize(attribute)));
        // 2.x Attribute Reference names a tag.
        var reference = TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State);
        Assert.Equal("""{"tag":"AttributeReference","type":"Enumeration","value":"State"}""", KmipJson.Serialize(reference));
        AssertTree(reference, KmipJson.Parse(KmipJson.Serialize(reference)));
    }

    [Theory]
    [InlineData("""{"tag":"NoSuchTag","type":"Integer","value":1}""", "unknown tag name 'NoSuchTag'")]
    [InlineData("""{"tag":"0x430001","type":"Integer","value":1}""", "invalid tag")]
    [InlineData("""{"tag":"ObjectType","type":"Enumeration","value":"NoSuchKey"}""", "unknown Object Type name 'NoSuchKey'")]
    [InlineData("""{"tag":"ObjectType","type":"Enumeration","value":"0x100000000"}""", "Enumeration value '0x100000000' is not a 32-bit hex number")]
    [InlineData("""{"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Fly"}""", "unknown Cryptographic Usage Mask name 'Fly'")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":"many"}""", "Integer value is not a 32-bit integer")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":2147483648}""", "number out of range")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":1.5}""", "number out of range")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":true}""", "boolean is not a valid Integer")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer"}""", "missing value")]
    [InlineData("""{"tag":"CryptographicLength","value":1}""", "missing \"type\"")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integr","value":1}""", "unknown item type 'Integr'")]
    [InlineData("""{"tag":"KeyMaterial","type":"ByteString","value":"C50G77"}""", "ByteString value is not hex")]
    [InlineData("""{"tag":"KeyMaterial","type":"ByteString","value":"C50"}""", "odd number of hex digits")]
    [InlineData("""{"tag":"Sensitive","type":"Boolean","value":"yes"}""", "Boolean value")]
    [InlineData("""{"tag":"ActivationDate","type":"DateTime","value":"2001-01-01T00:00:00"}""", "with a time zone")]
    [InlineData("""{"tag":"Attributes","type":"Structure","value":"x"}""", "must be an array or null")]
    [InlineData("""{"tag":"Attributes","type":"Structure","value":[1]}""", "expected a TTLV object")]
    [InlineData("""{"tag":"Attributes","type":"Structure","value":[],"extra":1}""", "unknown property \"extra\"")]
    [InlineData("""{"tag":"Attributes","tag":"Attributes"}""", "duplicate \"tag\"")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":1} {}""", "invalid KMIP JSON at byte 57")]
    [InlineData("""{"tag":"CryptographicLength","type":"Integer","value":""", "invalid KMIP JSON")]
    [InlineData("""[]""", "expected a TTLV object")]
    [InlineData("", "invalid KMIP JSON")]
    [InlineData("""{"tag":"Name","type":"TextString","value":"\uD800"}""", "invalid KMIP JSON")]
    public void BadInputGivesACleanError(string json, string expected)
    {
        Assert.Contains(expected, ParseError(json));
    }

    [Fact]
    public void ErrorsNeverEchoByteStringValues()
    {
        Assert.DoesNotContain("SECRETZZ", ParseError("""{"tag":"KeyMaterial","type":"ByteString","value":"SECRETZZ"}"""));
    }

    [Fact]
    public void NestingBeyondMaxDepthIsRefused()
    {
        var limits = new TtlvLimits { MaxDepth = 4 };
        string Nest(int depth) => depth == 0 ? "" : $$"""{"tag":"Attributes","value":[{{Nest(depth - 1)}}]}""";
        Assert.True(KmipJson.TryParse(Nest(4), out _, out var error, limits), error);
        Assert.Contains("nested deeper than 4", ParseError(Nest(5), limits));
        // Far beyond the JSON reader's own limit: still our clean error.
        Assert.Contains("nested deeper than 32", ParseError(Nest(200)));
    }

    [Fact]
    public void TooManyItemsOrTooLargeIsRefused()
    {
        var limits = new TtlvLimits { MaxItems = 10 };
        string Items(int n) => $$"""{"tag":"Attributes","value":[{{string.Join(",", Enumerable.Repeat("""{"tag":"CryptographicLength","type":"Integer","value":1}""", n))}}]}""";
        Assert.True(KmipJson.TryParse(Items(9), out _, out var error, limits), error);
        Assert.Contains("more than 10 items", ParseError(Items(10), limits));
        Assert.Contains("than 1000", ParseError(Items(100), new TtlvLimits { MaxTextSize = 1000 }));
    }
}
