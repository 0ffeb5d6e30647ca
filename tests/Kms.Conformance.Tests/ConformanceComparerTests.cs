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

    // ---- Rule 7 (generated cryptographic output), rule 8 (unbound request placeholders), rule 9 (Random Number Generator) ----

    private static string Request(string operation, string payload) =>
        $"""<RequestMessage><RequestHeader><BatchCount type="Integer" value="1"/></RequestHeader><BatchItem><Operation type="Enumeration" value="{operation}"/><RequestPayload>{payload}</RequestPayload></BatchItem></RequestMessage>""";

    private const string Id0 = "<UniqueIdentifier type=\"TextString\" value=\"$UNIQUE_IDENTIFIER_0\"/>";
    private const string K1 = "<UniqueIdentifier type=\"TextString\" value=\"k1\"/>";

    private static string Bytes(string tag, string hex) => $"<{tag} type=\"ByteString\" value=\"{hex}\"/>";

    /// <summary>
    /// One case file: (request, expected response, actual response) per step, the requests and expected responses parsed
    /// with one set of placeholders, each request substituted by the runner before its step. Returns the first difference
    /// and the requests as they would have been sent.
    /// </summary>
    private static (string? Difference, List<TtlvElement> Sent) Replay(params (string Request, string Expected, string Actual)[] steps)
    {
        var placeholders = new Placeholders();
        var messages = KmipXml.ReadTestCase(new StringReader("<KMIP>" + string.Concat(steps.Select(s => s.Request + s.Expected)) + "</KMIP>"), placeholders.Sentinel);
        var bindings = new Bindings();
        var comparer = new ConformanceComparer(placeholders, bindings);
        var sent = new List<TtlvElement>();
        for (int i = 0; i < steps.Length; i++)
        {
            sent.Add(ConformanceRunner.Substitute(messages[2 * i], placeholders, bindings));
            var actual = KmipXml.Parse(steps[i].Actual.Replace("$NOW", "2026-11-23T22:00:00Z"));
            if (comparer.Compare(messages[2 * i + 1], actual, messages[2 * i]) is { } d) return (d, sent);
        }
        return (null, sent);
    }

    private static (string, string, string) CreateStep() => (
        Request("Create", "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>"),
        Message(Item("Create", "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>" + Id0)),
        Message(Item("Create", "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>" + K1)));

    private static (string, string, string) RegisterStep(string objectType) => (
        Request("Register", $"<ObjectType type=\"Enumeration\" value=\"{objectType}\"/>"),
        Message(Item("Register", Id0)),
        Message(Item("Register", K1)));

    private static (string, string, string) CryptoStep(string operation, string requestData, string expectedOutput, string actualOutput) => (
        Request(operation, Id0 + requestData),
        Message(Item(operation, Id0 + expectedOutput)),
        Message(Item(operation, K1 + actualOutput)));

    [Fact]
    public void CiphertextUnderAGeneratedKeyIsVariableAndOurOwnIsSentBackForDecrypt()
    {
        var (diff, sent) = Replay(
            CreateStep(),
            CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "FD912D10"), Bytes("Data", "6F86D382")),
            CryptoStep("Decrypt", Bytes("Data", "FD912D10"), Bytes("Data", "01020304"), Bytes("Data", "01020304")));
        Assert.Null(diff);
        // The Decrypt carried our ciphertext, not the reference server's.
        Assert.Equal(Convert.FromHexString("6F86D382"), sent[2].FindPath(Kms.Ttlv.Tag.BatchItem, Kms.Ttlv.Tag.RequestPayload, Kms.Ttlv.Tag.Data)!.Bytes);

        // The plaintext of our own ciphertext is deterministic: a wrong one fails.
        (diff, _) = Replay(
            CreateStep(),
            CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "FD912D10"), Bytes("Data", "6F86D382")),
            CryptoStep("Decrypt", Bytes("Data", "FD912D10"), Bytes("Data", "01020304"), Bytes("Data", "01020305")));
        Assert.NotNull(diff);
        Assert.Contains("ResponsePayload/Data", diff);

        // A variable output still has the case's length.
        (diff, _) = Replay(CreateStep(), CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "FD912D10"), Bytes("Data", "6F86D38211")));
        Assert.NotNull(diff);
        Assert.Contains("generated value of 4 bytes", diff);
    }

    [Fact]
    public void CiphertextUnderARegisteredKeyIsDeterministic()
    {
        var (diff, _) = Replay(RegisterStep("SymmetricKey"), CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "FD912D10"), Bytes("Data", "6F86D382")));
        Assert.NotNull(diff);
        Assert.Contains("ResponsePayload/Data", diff);
        Assert.Null(Replay(RegisterStep("SymmetricKey"), CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "FD912D10"), Bytes("Data", "FD912D10"))).Difference);
        // A MAC under a registered key too.
        (diff, _) = Replay(RegisterStep("SymmetricKey"), CryptoStep("MAC", Bytes("Data", "01020304"), Bytes("MACData", "C911E781"), Bytes("MACData", "C911E782")));
        Assert.NotNull(diff);
        Assert.Contains("MACData", diff);
    }

    [Fact]
    public void PublicKeyEncryptionAndServerChosenIvsAreVariable()
    {
        // RSA encryption under a registered public key is randomised.
        Assert.Null(Replay(RegisterStep("PublicKey"), CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "6AFDBC76"), Bytes("Data", "232760DE"))).Difference);
        // A server-chosen IV (the request has none) makes the ciphertext and the IV variable ...
        Assert.Null(Replay(RegisterStep("SymmetricKey"),
            CryptoStep("Encrypt", Bytes("Data", "01020304"), Bytes("Data", "E768203B") + Bytes("IVCounterNonce", "FF020304"), Bytes("Data", "2E6E0D56") + Bytes("IVCounterNonce", "11223344"))).Difference);
        // ... but an IV the client gave leaves a registered key's ciphertext deterministic.
        var (diff, _) = Replay(RegisterStep("SymmetricKey"),
            CryptoStep("Encrypt", Bytes("Data", "01020304") + Bytes("IVCounterNonce", "FF020304"), Bytes("Data", "E768203B"), Bytes("Data", "2E6E0D56")));
        Assert.NotNull(diff);
        Assert.Contains("ResponsePayload/Data", diff);
    }

    [Fact]
    public void DecryptOfAForeignCiphertextIsVariableOnlyUnderAGeneratedKey()
    {
        Assert.Null(Replay(CreateStep(), CryptoStep("Decrypt", Bytes("Data", "FD912D10"), Bytes("Data", "01020304"), Bytes("Data", "9D6700F7"))).Difference);
        var (diff, _) = Replay(RegisterStep("SymmetricKey"), CryptoStep("Decrypt", Bytes("Data", "FD912D10"), Bytes("Data", "01020304"), Bytes("Data", "9D6700F7")));
        Assert.NotNull(diff);
        Assert.Contains("ResponsePayload/Data", diff);
    }

    [Fact]
    public void RngRetrieveDataIsVariableOfTheRequestedLength()
    {
        var step = (Request("RNGRetrieve", "<DataLength type=\"Integer\" value=\"4\"/>"), Message(Item("RNGRetrieve", Bytes("Data", "9C0BCD79"))), Message(Item("RNGRetrieve", Bytes("Data", "C3EDF15A"))));
        Assert.Null(Replay(step).Difference);
        Assert.NotNull(Replay(step with { Item3 = Message(Item("RNGRetrieve", Bytes("Data", "C3EDF1"))) }).Difference);
    }

    [Fact]
    public void AnUnboundRequestPlaceholderTakesTheLatestValueOfItsTag()
    {
        var mac = CryptoStep("MAC", Bytes("Data", "01020304"), Bytes("MACData", "C911E781"), Bytes("MACData", "C911E781"));
        var verify = CryptoStep("MACVerify", Bytes("Data", "01020304") + Bytes("MACData", "$MAC_DATA"),
            "<ValidityIndicator type=\"Enumeration\" value=\"Valid\"/>", "<ValidityIndicator type=\"Enumeration\" value=\"Valid\"/>");
        var (diff, sent) = Replay(RegisterStep("SymmetricKey"), mac, verify);
        Assert.Null(diff);
        Assert.Equal(Convert.FromHexString("C911E781"), sent[2].FindPath(Kms.Ttlv.Tag.BatchItem, Kms.Ttlv.Tag.RequestPayload, Kms.Ttlv.Tag.MACData)!.Bytes);
        // No response carried MAC Data before: the request cannot be built.
        Assert.Throws<KeyNotFoundException>(() => Replay(RegisterStep("SymmetricKey"), verify));
        // Only the cryptographic output tags: an unbound identifier still fails.
        Assert.Throws<KeyNotFoundException>(() => Replay((Request("Get", Id0), Message(Item("Get", Id0)), Message(Item("Get", K1)))));
    }

    private const string ReferenceRng = """<RNGAlgorithm type="Enumeration" value="ANSIX9_31"/><CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="256"/>""";
    private const string OurRng = """<RNGAlgorithm type="Enumeration" value="DRBG"/><CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="256"/><DRBGAlgorithm type="Enumeration" value="CTR"/>""";

    [Theory]
    [InlineData(OurRng, true)]
    [InlineData("""<RNGAlgorithm type="Enumeration" value="ANSIX9_31"/>""", true)]
    [InlineData("""<CryptographicAlgorithm type="Enumeration" value="AES"/><RNGAlgorithm type="Enumeration" value="DRBG"/>""", false)]   // RNG Algorithm not first
    [InlineData("""<CryptographicAlgorithm type="Enumeration" value="AES"/>""", false)]                                                   // no RNG Algorithm
    [InlineData("""<RNGAlgorithm type="Enumeration" value="0x00000077"/>""", false)]                                                       // not an RNG Algorithm value
    [InlineData("""<RNGAlgorithm type="Enumeration" value="DRBG"/><DRBGAlgorithm type="Enumeration" value="CTR"/><DRBGAlgorithm type="Enumeration" value="CTR"/>""", false)]
    [InlineData("""<RNGAlgorithm type="Enumeration" value="DRBG"/><CryptographicLength type="Enumeration" value="0x00000100"/>""", false)]  // wrong item type
    [InlineData("""<RNGAlgorithm type="Enumeration" value="DRBG"/><KeyFormatType type="Enumeration" value="Raw"/>""", false)]             // not an RNG Parameters field
    public void RandomNumberGeneratorMustBeWellFormedButDescribesTheServersOwnGenerator(string actualRng, bool accepted)
    {
        static string Attributes(string rng) => K1 + $"<Attributes><RandomNumberGenerator>{rng}</RandomNumberGenerator></Attributes>";
        var step = (Request("GetAttributes", K1), Message(Item("GetAttributes", Attributes(ReferenceRng))), Message(Item("GetAttributes", Attributes(actualRng))));
        var diff = Replay(step).Difference;
        Assert.True(accepted == (diff is null), diff ?? "accepted");
    }

    [Fact]
    public void RandomNumberGeneratorMustBePresentWhereTheCaseExpectsIt()
    {
        var step = (Request("GetAttributes", K1),
            Message(Item("GetAttributes", K1 + $"<Attributes><RandomNumberGenerator>{ReferenceRng}</RandomNumberGenerator></Attributes>")),
            Message(Item("GetAttributes", K1 + "<Attributes><CryptographicLength type=\"Integer\" value=\"256\"/></Attributes>")));
        var diff = Replay(step).Difference;
        Assert.NotNull(diff);
        Assert.Contains("RandomNumberGenerator", diff);
    }

    [Fact]
    public void RandomNumberGeneratorIn1xAttributeForm()
    {
        static string Message14(string payload) => Message(Item("GetAttributes", payload)).Replace("""ProtocolVersionMajor type="Integer" value="2""", """ProtocolVersionMajor type="Integer" value="1""")
            .Replace("""ProtocolVersionMinor type="Integer" value="1""", """ProtocolVersionMinor type="Integer" value="4""");
        static string Rng(string name, string value) => $"<Attribute><AttributeName type=\"TextString\" value=\"{name}\"/><AttributeValue>{value}</AttributeValue></Attribute>";
        var expected = Message14(K1 + Rng("Random Number Generator", ReferenceRng));
        Assert.Null(Replay((Request("GetAttributes", K1), expected, Message14(K1 + Rng("Random Number Generator", OurRng)))).Difference);
        // The attribute name is still compared exactly, and a malformed value is still rejected.
        Assert.NotNull(Replay((Request("GetAttributes", K1), expected, Message14(K1 + Rng("Digest", OurRng)))).Difference);
        Assert.NotNull(Replay((Request("GetAttributes", K1), expected, Message14(K1 + Rng("Random Number Generator", "<CryptographicAlgorithm type=\"Enumeration\" value=\"AES\"/>")))).Difference);
    }

    [Fact]
    public void GeneratedObjectsAreKnownByTheirIdentifierAcrossTheFilesOfACrossFileProfile()
    {
        // File 1 creates k1; file 2 finds it (a Locate binds its own placeholder) and reads it: the key material is generated.
        var objects = new ObjectFacts();
        var placeholders1 = new Placeholders();
        var created = KmipXml.ReadTestCase(new StringReader("<KMIP>" + Message(Item("Create", "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>" + Id0)) + "</KMIP>"), placeholders1.Sentinel)[0];
        Assert.Null(new ConformanceComparer(placeholders1, new Bindings(), objects).Compare(created, KmipXml.Parse(Message(Item("Create", "<ObjectType type=\"Enumeration\" value=\"SymmetricKey\"/>" + K1)).Replace("$NOW", "2026-11-23T22:00:00Z"))));
        Assert.Contains("k1", objects.Generated);

        string Get(ObjectFacts facts, string material)
        {
            var placeholders = new Placeholders();
            var expected = KmipXml.ReadTestCase(new StringReader("<KMIP>" + Message(Item("Get", KeyPayload("$UNIQUE_IDENTIFIER_0", "2A2A2A2A"))) + "</KMIP>"), placeholders.Sentinel)[0];
            return new ConformanceComparer(placeholders, new Bindings(), facts).Compare(expected, KmipXml.Parse(Message(Item("Get", KeyPayload("k1", material))).Replace("$NOW", "2026-11-23T22:00:00Z"))) ?? "";
        }
        Assert.Equal("", Get(objects, "0102030405060708"));
        // Without that knowledge (another profile: a fresh ObjectFacts) the reference server's bytes are required.
        Assert.Contains("KeyMaterial", Get(new ObjectFacts(), "0102030405060708"));
    }

    [Fact]
    public void OnlyCrossFileProfilesRunTheirEarlierFilesFirst()
    {
        Assert.Equal(["v2.1/mandatory/TL-M-1-21.xml", "v2.1/mandatory/TL-M-2-21.xml"], ConformanceRunner.EarlierFilesOfProfile(TestCase.Load("v2.1/mandatory/TL-M-3-21.xml")));
        Assert.Equal(["v1.4/mandatory/SASED-M-1-14.xml"], ConformanceRunner.EarlierFilesOfProfile(TestCase.Load("v1.4/mandatory/SASED-M-2-14.xml")));
        Assert.Empty(ConformanceRunner.EarlierFilesOfProfile(TestCase.Load("v2.1/mandatory/BL-M-3-21.xml")));
        Assert.Equal(12, TestCase.NumberOf("SKFF-M-12-21"));
    }
}
