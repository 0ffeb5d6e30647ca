using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>The comparer's rules on hand-written responses: what it accepts and what it must reject.</summary>
public sealed class ConformanceComparerTests
{
    private const string Expected = """
        <KMIP>
        <ResponseMessage>
          <ResponseHeader>
            <ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
            <TimeStamp type="DateTime" value="$NOW"/>
            <ServerCorrelationValue type="TextString" value="A5E83842-2A456820-4"/>
            <BatchCount type="Integer" value="2"/>
          </ResponseHeader>
          <BatchItem>
            <Operation type="Enumeration" value="Decrypt"/>
            <ResultStatus type="Enumeration" value="Success"/>
            <ResultMessage type="TextString" value="OK"/>
            <ResponsePayload>
              <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
              <Data type="ByteString" value="01020304"/>
              <IVCounterNonce type="ByteString" value="$IV_COUNTER_NONCE"/>
            </ResponsePayload>
          </BatchItem>
          <BatchItem>
            <Operation type="Enumeration" value="GetAttributes"/>
            <ResultStatus type="Enumeration" value="Success"/>
            <ResponsePayload>
              <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
              <Attributes>
                <CryptographicAlgorithm type="Enumeration" value="AES"/>
                <CryptographicLength type="Integer" value="128"/>
                <ActivationDate type="DateTime" value="$NOW"/>
              </Attributes>
            </ResponsePayload>
          </BatchItem>
        </ResponseMessage>
        </KMIP>
        """;

    private const string Good = """
        <ResponseMessage>
          <ResponseHeader>
            <ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
            <TimeStamp type="DateTime" value="2026-11-23T22:00:00Z"/>
            <BatchCount type="Integer" value="2"/>
          </ResponseHeader>
          <BatchItem>
            <Operation type="Enumeration" value="Decrypt"/>
            <ResultStatus type="Enumeration" value="Success"/>
            <ResponsePayload>
              <UniqueIdentifier type="TextString" value="id-42"/>
              <Data type="ByteString" value="01020304"/>
              <IVCounterNonce type="ByteString" value="AABBCCDD"/>
            </ResponsePayload>
          </BatchItem>
          <BatchItem>
            <Operation type="Enumeration" value="GetAttributes"/>
            <ResultStatus type="Enumeration" value="Success"/>
            <ResponsePayload>
              <UniqueIdentifier type="TextString" value="id-42"/>
              <Attributes>
                <ActivationDate type="DateTime" value="2026-01-01T00:00:00Z"/>
                <State type="Enumeration" value="Active"/>
                <CryptographicLength type="Integer" value="128"/>
                <CryptographicAlgorithm type="Enumeration" value="AES"/>
              </Attributes>
            </ResponsePayload>
          </BatchItem>
        </ResponseMessage>
        """;

    private static (ConformanceComparer Comparer, Bindings Bindings, TtlvElement Expected) Setup()
    {
        var placeholders = new Placeholders();
        var expected = KmipXml.ReadTestCase(new StringReader(Expected), placeholders.Sentinel)[0];
        var bindings = new Bindings();
        return (new ConformanceComparer(placeholders, bindings), bindings, expected);
    }

    private static string ReplaceNth(string text, string old, string replacement, int n)
    {
        int at = -1;
        for (int i = 0; i <= n; i++) at = text.IndexOf(old, at + 1, StringComparison.Ordinal);
        return text[..at] + replacement + text[(at + old.Length)..];
    }

    private static string? CompareWith(string actualXml)
    {
        var (comparer, _, expected) = Setup();
        return comparer.Compare(expected, KmipXml.Parse(actualXml));
    }

    [Fact]
    public void AcceptsPermittedVariationsAndBindsIdentifiers()
    {
        var (comparer, bindings, expected) = Setup();
        Assert.Null(comparer.Compare(expected, KmipXml.Parse(Good)));
        Assert.True(bindings.TryGet("$UNIQUE_IDENTIFIER_0", out var id));
        Assert.Equal("id-42", id.Text);
        Assert.True(bindings.TryGet("$IV_COUNTER_NONCE", out var iv));
        Assert.Equal(Convert.FromHexString("AABBCCDD"), iv.Bytes);
    }

    [Fact]
    public void ResultMessageTextIsFree()
    {
        Assert.Null(CompareWith(Good.Replace("""<ResultStatus type="Enumeration" value="Success"/>""",
            """<ResultStatus type="Enumeration" value="Success"/><ResultMessage type="TextString" value="anything"/>""")));
    }

    [Fact]
    public void RejectsWrongStatus()
    {
        var diff = CompareWith(ReplaceNth(Good, """value="Success"/>""", """value="OperationFailed"/>""", 0));
        Assert.NotNull(diff);
        Assert.Contains("BatchItem[0]/ResultStatus", diff);
    }

    [Fact]
    public void RejectsWrongReason()
    {
        var (comparer, _, _) = Setup();
        var placeholders = new Placeholders();
        var expected = KmipXml.ReadTestCase(new StringReader("""
            <KMIP><ResponseMessage>
              <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
                <TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/></ResponseHeader>
              <BatchItem><Operation type="Enumeration" value="Get"/><ResultStatus type="Enumeration" value="OperationFailed"/>
                <ResultReason type="Enumeration" value="ItemNotFound"/><ResultMessage type="TextString" value="not found"/></BatchItem>
            </ResponseMessage></KMIP>
            """), placeholders.Sentinel)[0];
        comparer = new ConformanceComparer(placeholders, new Bindings());
        var actual = """
            <ResponseMessage>
              <ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
                <TimeStamp type="DateTime" value="2026-11-23T22:00:00Z"/><BatchCount type="Integer" value="1"/></ResponseHeader>
              <BatchItem><Operation type="Enumeration" value="Get"/><ResultStatus type="Enumeration" value="OperationFailed"/>
                <ResultReason type="Enumeration" value="REASON"/><ResultMessage type="TextString" value="other words"/></BatchItem>
            </ResponseMessage>
            """;
        Assert.Null(comparer.Compare(expected, KmipXml.Parse(actual.Replace("REASON", "ItemNotFound"))));
        var diff = comparer.Compare(expected, KmipXml.Parse(actual.Replace("REASON", "PermissionDenied")));
        Assert.NotNull(diff);
        Assert.Contains("ResultReason", diff);
        var missing = comparer.Compare(expected, KmipXml.Parse(actual.Replace("""<ResultReason type="Enumeration" value="REASON"/>""", "")));
        Assert.NotNull(missing);
        Assert.Contains("ResultReason", missing);
    }

    [Fact]
    public void RejectsMissingField()
    {
        var diff = CompareWith(Good.Replace("""<IVCounterNonce type="ByteString" value="AABBCCDD"/>""", ""));
        Assert.NotNull(diff);
        Assert.Contains("IVCounterNonce: missing", diff);
    }

    [Fact]
    public void RejectsMissingAttribute()
    {
        var diff = CompareWith(Good.Replace("""<CryptographicLength type="Integer" value="128"/>""", ""));
        Assert.NotNull(diff);
        Assert.Contains("CryptographicLength: missing", diff);
    }

    [Fact]
    public void RejectsWrongDeterministicValue()
    {
        var diff = CompareWith(Good.Replace("""<Data type="ByteString" value="01020304"/>""", """<Data type="ByteString" value="01020305"/>"""));
        Assert.NotNull(diff);
        Assert.Contains("BatchItem[0]/ResponsePayload/Data", diff);
        Assert.NotNull(CompareWith(Good.Replace("""<CryptographicLength type="Integer" value="128"/>""", """<CryptographicLength type="Integer" value="256"/>""")));
    }

    [Fact]
    public void RejectsAnIdentifierThatChangesAfterItWasBound()
    {
        var diff = CompareWith(ReplaceNth(Good, "id-42", "id-43", 1));
        Assert.NotNull(diff);
        Assert.Contains("$UNIQUE_IDENTIFIER_0", diff);
    }

    [Fact]
    public void RejectsExtraFieldsOutsideAttributeCollections()
    {
        var diff = CompareWith(Good.Replace("""<IVCounterNonce type="ByteString" value="AABBCCDD"/>""",
            """<IVCounterNonce type="ByteString" value="AABBCCDD"/><AuthenticatedEncryptionTag type="ByteString" value="00"/>"""));
        Assert.NotNull(diff);
        Assert.Contains("unexpected", diff);
    }

    [Fact]
    public void RejectsMissingTimeStampAndWrongProtocolVersion()
    {
        Assert.NotNull(CompareWith(Good.Replace("""<TimeStamp type="DateTime" value="2026-11-23T22:00:00Z"/>""", "")));
        Assert.NotNull(CompareWith(Good.Replace("""<ProtocolVersionMinor type="Integer" value="1"/>""", """<ProtocolVersionMinor type="Integer" value="0"/>""")));
    }

    [Fact]
    public void RequestsGetBoundValuesAndTheCurrentTime()
    {
        var placeholders = new Placeholders();
        var request = KmipXml.ReadTestCase(new StringReader("""
            <KMIP><RequestMessage><RequestHeader><BatchCount type="Integer" value="1"/></RequestHeader>
              <BatchItem><Operation type="Enumeration" value="Activate"/><RequestPayload>
                <UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
                <ActivationDate type="DateTime" value="$NOW-3600"/>
              </RequestPayload></BatchItem>
            </RequestMessage></KMIP>
            """), placeholders.Sentinel)[0];
        var bindings = new Bindings();
        Assert.Throws<KeyNotFoundException>(() => ConformanceRunner.Substitute(request, placeholders, bindings));
        bindings.Set("$UNIQUE_IDENTIFIER_0", TtlvElement.TextString(Kms.Ttlv.Tag.UniqueIdentifier, "id-7"));
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var sent = ConformanceRunner.Substitute(request, placeholders, bindings);
        var payload = sent.FindPath(Kms.Ttlv.Tag.BatchItem, Kms.Ttlv.Tag.RequestPayload)!;
        Assert.Equal("id-7", payload.Find(Kms.Ttlv.Tag.UniqueIdentifier)!.Text);
        long date = payload.Find(Kms.Ttlv.Tag.ActivationDate)!.Number;
        Assert.InRange(date, before - 3600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
    }

    private static string Message(string items) => $"""
        <ResponseMessage>
          <ResponseHeader>
            <ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion>
            <TimeStamp type="DateTime" value="$NOW"/>
            <BatchCount type="Integer" value="1"/>
          </ResponseHeader>
          {items}
        </ResponseMessage>
        """;

    private static string Item(string operation, string payload) =>
        $"""<BatchItem><Operation type="Enumeration" value="{operation}"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload>{payload}</ResponsePayload></BatchItem>""";

    private static string KeyPayload(string id, string material) =>
        $"""<ObjectType type="Enumeration" value="SymmetricKey"/><UniqueIdentifier type="TextString" value="{id}"/><SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/><KeyValue><KeyMaterial type="ByteString" value="{material}"/></KeyValue></KeyBlock></SymmetricKey>""";

    /// <summary>Runs expected/actual message pairs through one comparer (one case file); returns the first difference.</summary>
    private static string? Sequence(params (string Expected, string Actual)[] steps)
    {
        var placeholders = new Placeholders();
        var expected = KmipXml.ReadTestCase(new StringReader("<KMIP>" + string.Concat(steps.Select(s => s.Expected)) + "</KMIP>"), placeholders.Sentinel);
        var comparer = new ConformanceComparer(placeholders, new Bindings());
        for (int i = 0; i < steps.Length; i++)
            if (comparer.Compare(expected[i], KmipXml.Parse(steps[i].Actual.Replace("$NOW", "2026-11-23T22:00:00Z"))) is { } d) return d;
        return null;
    }

    [Fact]
    public void GeneratedKeyMaterialIsFreeButRegisteredKeyMaterialIsNot()
    {
        const string created = "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/><UniqueIdentifier type=\"TextString\" value=\"$UNIQUE_IDENTIFIER_0\"/>";
        const string createdActual = "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/><UniqueIdentifier type=\"TextString\" value=\"k1\"/>";
        Assert.Null(Sequence(
            (Message(Item("Create", created)), Message(Item("Create", createdActual))),
            (Message(Item("Get", KeyPayload("$UNIQUE_IDENTIFIER_0", "2A2A2A2A"))), Message(Item("Get", KeyPayload("k1", "0102030405060708"))))));
        var diff = Sequence(
            (Message(Item("Register", "<UniqueIdentifier type=\"TextString\" value=\"$UNIQUE_IDENTIFIER_0\"/>")), Message(Item("Register", "<UniqueIdentifier type=\"TextString\" value=\"k1\"/>"))),
            (Message(Item("Get", KeyPayload("$UNIQUE_IDENTIFIER_0", "2A2A2A2A"))), Message(Item("Get", KeyPayload("k1", "2A2A2A2B")))));
        Assert.NotNull(diff);
        Assert.Contains("KeyMaterial", diff);
    }

    [Fact]
    public void QueryResponsesMustHaveTheSameKindsOfItems()
    {
        string expected = Message(Item("Query", "<Operation type=\"Enumeration\" value=\"Poll\"/><ObjectType type=\"Enumeration\" value=\"Template\"/>"));
        Assert.Null(Sequence((expected, Message(Item("Query", "<Operation type=\"Enumeration\" value=\"Get\"/><Operation type=\"Enumeration\" value=\"Create\"/><ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>")))));
        Assert.NotNull(Sequence((expected, Message(Item("Query", "<Operation type=\"Enumeration\" value=\"Get\"/>")))));
        Assert.NotNull(Sequence((expected, Message(Item("Query", "<Operation type=\"Enumeration\" value=\"Get\"/><ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/><VendorIdentification type=\"TextString\" value=\"x\"/>")))));
    }

    [Fact]
    public void RejectsTagsAndAttributesTheResponseVersionDoesNotHave()
    {
        string Message14(string payload) => $"""
            <ResponseMessage>
              <ResponseHeader>
                <ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion>
                <TimeStamp type="DateTime" value="$NOW"/>
                <BatchCount type="Integer" value="1"/>
              </ResponseHeader>
              {Item("GetAttributes", payload)}
            </ResponseMessage>
            """;
        string name = "<Attribute><AttributeName type=\"TextString\" value=\"Cryptographic Length\"/><AttributeValue type=\"Integer\" value=\"128\"/></Attribute>";
        string id = "<UniqueIdentifier type=\"TextString\" value=\"$UNIQUE_IDENTIFIER_0\"/>";
        string idActual = "<UniqueIdentifier type=\"TextString\" value=\"k1\"/>";
        Assert.Null(Sequence((Message14(id + name), Message14(idActual + name))));
        // Extra attributes are allowed, but not one that KMIP 1.4 lacks (Short Unique Identifier is 2.0+) ...
        string extra2x = "<Attribute><AttributeName type=\"TextString\" value=\"Short Unique Identifier\"/><AttributeValue type=\"ByteString\" value=\"01\"/></Attribute>";
        var diff = Sequence((Message14(id + name), Message14(idActual + name + extra2x)));
        Assert.NotNull(diff);
        Assert.Contains("does not exist in KMIP 1.4", diff);
        // ... nor a 2.x structure such as Attributes.
        diff = Sequence((Message14(id + name), Message14(idActual + name + "<Attributes><CryptographicLength type=\"Integer\" value=\"128\"/></Attributes>")));
        Assert.NotNull(diff);
        Assert.Contains("Attributes does not exist in KMIP 1.4", diff);
    }
}
