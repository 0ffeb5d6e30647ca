using System.Text;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Ttlv.Tests;

/// <summary>Golden examples and error cases of the KMIP XML encoding (Profiles 2.1 §5.4, spec.md §7).</summary>
public class KmipXmlTests
{
    private static void AssertTree(TtlvElement expected, TtlvElement actual) =>
        Assert.True(expected.DeepEquals(actual), $"expected\n{expected}\nactual\n{actual}");

    private static string ParseError(string xml, TtlvLimits? limits = null)
    {
        Assert.False(KmipXml.TryParse(xml, out var element, out var error, limits), $"parsed: {element}");
        Assert.Null(element);
        var thrown = Assert.Throws<FormatException>(() => KmipXml.Parse(xml, limits));
        Assert.Equal(error, thrown.Message);
        return error;
    }

    private static TtlvElement SampleCreate() => TtlvElement.Structure(Tag.RequestPayload,
        TtlvElement.Enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        TtlvElement.Structure(Tag.Attributes,
            TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
            TtlvElement.Integer(Tag.CryptographicLength, 256),
            TtlvElement.Integer(Tag.CryptographicUsageMask, (int)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt)),
            TtlvElement.DateTime(Tag.ActivationDate, new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            TtlvElement.ByteString(Tag.KeyMaterial, [0xC5, 0x0F, 0x77]),
            TtlvElement.LongInteger(Tag.UsageLimitsTotal, 1L << 60),
            TtlvElement.TextString((Tag)0x54FFFF, "vendor")));

    [Fact]
    public void SerializesTheOasisForm()
    {
        Assert.Equal("""
            <RequestPayload>
              <ObjectType type="Enumeration" value="SymmetricKey" />
              <Attributes>
                <CryptographicAlgorithm type="Enumeration" value="AES" />
                <CryptographicLength type="Integer" value="256" />
                <CryptographicUsageMask type="Integer" value="Encrypt Decrypt" />
                <ActivationDate type="DateTime" value="2001-01-01T00:00:00Z" />
                <KeyMaterial type="ByteString" value="C50F77" />
                <UsageLimitsTotal type="LongInteger" value="1152921504606846976" />
                <TTLV tag="0x54FFFF" type="TextString" value="vendor" />
              </Attributes>
            </RequestPayload>
            """.ReplaceLineEndings("\n"), KmipXml.Serialize(SampleCreate()).ReplaceLineEndings("\n"));
        AssertTree(SampleCreate(), KmipXml.Parse(KmipXml.Serialize(SampleCreate())));
    }

    [Fact]
    public void AcceptsNamespaceOffsetsHexAndNameLists()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <RequestPayload xmlns="urn:oasis:tc:kmip:xmlns">
              <!-- a comment -->
              <ObjectType type="Enumeration" value="0x00000002"/>
              <Attributes type="Structure">
                <CryptographicAlgorithm type="Enumeration" value="AES"/>
                <CryptographicLength type="Integer" value="0x100"/>
                <CryptographicUsageMask type="Integer" value="Decrypt 0x00000004"/>
                <ActivationDate type="DateTime" value="2001-01-01T10:00:00+10:00"/>
                <KeyMaterial type="ByteString" value="c50f77"/>
                <UsageLimitsTotal type="LongInteger" value="0x1000000000000000"/>
                <TTLV tag="0x54FFFF" name="Vendor" type="TextString" value="vendor"></TTLV>
              </Attributes>
            </RequestPayload>
            """;
        AssertTree(SampleCreate(), KmipXml.Parse(xml));
        AssertTree(SampleCreate(), KmipXml.Parse(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(xml)).ToArray()));
    }

    [Fact]
    public void AttributeValueAndAttributeReferenceNames()
    {
        var attribute = TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.AttributeName, "Cryptographic Algorithm"),
            TtlvElement.Enumeration(Tag.AttributeValue, CryptographicAlgorithm.AES));
        var xml = KmipXml.Serialize(attribute, indent: false);
        Assert.Equal("""<Attribute><AttributeName type="TextString" value="Cryptographic Algorithm" /><AttributeValue type="Enumeration" value="AES" /></Attribute>""", xml);
        AssertTree(attribute, KmipXml.Parse(xml));

        // A custom attribute has no names: its value goes through hex.
        var custom = TtlvElement.Structure(Tag.Attribute,
            TtlvElement.TextString(Tag.AttributeName, "x-custom"),
            TtlvElement.Enumeration(Tag.AttributeValue, 3));
        Assert.Contains("value=\"0x00000003\"", KmipXml.Serialize(custom));
        AssertTree(custom, KmipXml.Parse(KmipXml.Serialize(custom)));

        AssertTree(TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State),
            KmipXml.Parse("""<AttributeReference type="Enumeration" value="State"/>"""));
    }

    [Fact]
    public void PlaceholdersAreBoundByTheResolver()
    {
        var xml = """<ResponseHeader><TimeStamp type="DateTime" value="$NOW"/><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></ResponseHeader>""";
        Assert.Contains("DateTime value", ParseError(xml));
        var seen = new List<string>();
        var tree = KmipXml.Parse(xml, placeholders: (name, tag, type) =>
        {
            seen.Add($"{name}:{tag}:{type}");
            return type == ItemType.DateTime ? "2020-02-02T00:00:00Z" : "id-0";
        });
        Assert.Equal(["$NOW:TimeStamp:DateTime", "$UNIQUE_IDENTIFIER_0:UniqueIdentifier:TextString"], seen);
        AssertTree(TtlvElement.Structure(Tag.ResponseHeader,
            TtlvElement.DateTime(Tag.TimeStamp, new DateTimeOffset(2020, 2, 2, 0, 0, 0, TimeSpan.Zero)),
            TtlvElement.TextString(Tag.UniqueIdentifier, "id-0")), tree);
    }

    [Fact]
    public void ReadsAnOasisTestCaseFileInOrder()
    {
        using var input = File.OpenText(RepoFiles.Path("spec", "kmip", "testcases", "v2.1", "mandatory", "PKCS11-M-1-21.xml"));
        var messages = KmipXml.ReadTestCase(input, TextCorpusTests.Bind);
        Assert.Equal([Tag.RequestMessage, Tag.ResponseMessage, Tag.RequestMessage, Tag.ResponseMessage, Tag.RequestMessage, Tag.ResponseMessage], messages.Select(m => m.Tag));
        var function = messages[0].FindPath(Tag.BatchItem, Tag.RequestPayload, Tag.PKCS_11Function);
        Assert.NotNull(function);
        Assert.Equal(1u, function.UInt32); // C_Initialize, the first function of CK_FUNCTION_LIST_3_0
        Assert.Equal(0u, messages[1].FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.PKCS_11ReturnCode)!.UInt32); // OK = CKR_OK
    }

    [Theory]
    [InlineData("""<NoSuchTag type="Integer" value="1"/>""", "unknown tag name 'NoSuchTag'")]
    [InlineData("""<TTLV type="Integer" value="1"/>""", "without a tag attribute")]
    [InlineData("""<TTLV tag="0x550000" type="Integer" value="1"/>""", "invalid tag")]
    [InlineData("""<ObjectType type="Enumeration" value="NoSuchKey"/>""", "unknown Object Type name 'NoSuchKey'")]
    [InlineData("""<CryptographicUsageMask type="Integer" value="Encrypt Fly"/>""", "unknown Cryptographic Usage Mask name 'Fly'")]
    [InlineData("""<CryptographicLength type="Integer" value="12x"/>""", "Integer value is not a 32-bit integer")]
    [InlineData("""<CryptographicLength type="Integer"/>""", "has no value attribute")]
    [InlineData("""<CryptographicLength type="Integr" value="1"/>""", "unknown item type 'Integr'")]
    [InlineData("""<CryptographicLength type="Integer" value="1">2</CryptographicLength>""", "has content")]
    [InlineData("""<Attributes value="1"/>""", "has a value attribute")]
    [InlineData("""<Attributes>text</Attributes>""", "text inside Structure")]
    [InlineData("""<KeyMaterial type="ByteString" value="0G"/>""", "ByteString value is not hex")]
    [InlineData("""<Offset type="Interval" value="-1"/>""", "Interval value is not a 32-bit unsigned integer")]
    [InlineData("""<ActivationDate type="DateTime" value="2001-01-01"/>""", "with a time zone")]
    [InlineData("""<Modulus type="BigInteger" value=""/>""", "BigInteger value is empty")]
    [InlineData("""<x:Attributes xmlns:x="urn:other"/>""", "not in the KMIP namespace")]
    [InlineData("""<Attributes/><Attributes/>""", "invalid XML")]
    [InlineData("""<Attributes>""", "invalid XML")]
    [InlineData("", "invalid XML")]
    [InlineData("""<!DOCTYPE Attributes [<!ENTITY e SYSTEM "file:///etc/passwd">]><Attributes>&e;</Attributes>""", "invalid XML")]
    [InlineData("""<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">]><TextString type="TextString" value="&a;"/>""", "invalid XML")]
    public void BadInputGivesACleanError(string xml, string expected)
    {
        Assert.Contains(expected, ParseError(xml));
    }

    [Fact]
    public void InvalidUtf8IsRefused()
    {
        Assert.False(KmipXml.TryParse([0x3C, 0xFF, 0x3E], out _, out var error));
        Assert.Contains("not UTF-8", error);
    }

    [Fact]
    public void NestingBeyondMaxDepthTooManyItemsAndTooLargeAreRefused()
    {
        var limits = new TtlvLimits { MaxDepth = 4, MaxItems = 10 };
        string Nest(int depth) => depth == 0 ? "" : $"<Attributes>{Nest(depth - 1)}</Attributes>";
        Assert.True(KmipXml.TryParse(Nest(4), out _, out var error, limits), error);
        Assert.Contains("nested deeper than 4", ParseError(Nest(5), limits));
        Assert.Contains("nested deeper than 32", ParseError(Nest(500)));

        string Items(int n) => "<Attributes>" + string.Concat(Enumerable.Repeat("""<CryptographicLength type="Integer" value="1"/>""", n)) + "</Attributes>";
        Assert.True(KmipXml.TryParse(Items(9), out _, out error, limits), error);
        Assert.Contains("more than 10 items", ParseError(Items(10), limits));
        Assert.Contains("than 1000", ParseError(Items(100), new TtlvLimits { MaxTextSize = 1000 }));
    }
}
