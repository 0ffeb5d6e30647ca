using System.Security.Cryptography;
using Kms.Client;
using Kms.Ttlv;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>
/// Known client traps from the field (issue 6, version-correct responses), probed on a real server process. Each
/// outcome is checked against version-traps.tsv like the conformance cases: a row marked pass must pass, an exception
/// must still fail (a fixed trap forces the table to be updated).
/// </summary>
public sealed class VersionTrapTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly Lazy<ExpectationTable> s_table = new(() => ExpectationTable.Load("version-traps.tsv"));

    internal static ExpectationTable Table => s_table.Value;

    private static string Header(KmipVersion v, int batchCount = 1) =>
        $"""<RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="{v.Major}"/><ProtocolVersionMinor type="Integer" value="{v.Minor}"/></ProtocolVersion><BatchCount type="Integer" value="{batchCount}"/></RequestHeader>""";

    /// <summary>Sends one operation; the response must be in the request's version and use only that version's tags, enumeration values and attribute names.</summary>
    private static async Task<TtlvElement> SendAsync(KmipClient client, KmipVersion version, string operation, string payload)
    {
        var request = KmipXml.Parse($"""<RequestMessage>{Header(version)}<BatchItem><Operation type="Enumeration" value="{operation}"/><RequestPayload>{payload}</RequestPayload></BatchItem></RequestMessage>""");
        var response = TtlvElement.Decode(await client.SendRawAsync(request.ToBytes()));
        var pv = response.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion);
        if (pv?.Find(Tag.ProtocolVersionMajor)?.Int32 != version.Major || pv.Find(Tag.ProtocolVersionMinor)?.Int32 != version.Minor)
            throw new InvalidDataException($"a KMIP {version} {operation} was answered in another protocol version");
        if (ConformanceComparer.VersionCheck(response, version, operation) is { } wrong) throw new InvalidDataException(wrong);
        return response;
    }

    /// <summary>The payload of a successful single-item response; throws with the result otherwise.</summary>
    private static TtlvElement Payload(TtlvElement response)
    {
        var item = response.Find(Tag.BatchItem) ?? throw new InvalidDataException("no batch item");
        if (item.Find(Tag.ResultStatus)?.UInt32 != (uint)ResultStatus.Success)
            throw new InvalidDataException($"{(ResultStatus)(item.Find(Tag.ResultStatus)?.UInt32 ?? 0)} / {(item.Find(Tag.ResultReason) is { } r ? ((ResultReason)r.UInt32).ToString() : "-")}: {item.Find(Tag.ResultMessage)?.Text}");
        return item.Find(Tag.ResponsePayload) ?? TtlvElement.Structure(Tag.ResponsePayload);
    }

    private static string Attribute1x(string name, string value) =>
        $"""<Attribute><AttributeName type="TextString" value="{name}"/>{value}</Attribute>""";

    private static string Name1x(string name) =>
        Attribute1x("Name", $"""<AttributeValue><NameValue type="TextString" value="{name}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue>""");

    private static string AesTemplate1x(string name, string extra = "") =>
        "<TemplateAttribute>"
        + Attribute1x("Cryptographic Algorithm", """<AttributeValue type="Enumeration" value="AES"/>""")
        + Attribute1x("Cryptographic Length", """<AttributeValue type="Integer" value="128"/>""")
        + Attribute1x("Cryptographic Usage Mask", """<AttributeValue type="Integer" value="Encrypt Decrypt"/>""")
        + Name1x(name) + extra + "</TemplateAttribute>";

    private async Task CheckAsync(string key, Func<KmipClient, Task<string?>> probe)
    {
        await using var client = await fixture.Server.ConnectAsync("traps-" + key.Replace('/', '-'));
        string? failure;
        try
        {
            failure = await probe(client);
        }
        catch (InvalidDataException e)
        {
            failure = e.Message;
        }
        Table.Check(key, failure is null, failure ?? "");
    }

    [Fact]
    public Task Kmip10ClientGetsOnlyKmip10Attributes() => CheckAsync("1.0-attributes", async client =>
    {
        var id = Payload(await SendAsync(client, KmipVersion.V1_0, "Create", """<ObjectType type="Enumeration" value="SymmetricKey"/>""" + AesTemplate1x("trap-10")))
            .Find(Tag.UniqueIdentifier)!.Text;
        var attributes = Payload(await SendAsync(client, KmipVersion.V1_0, "GetAttributes", $"""<UniqueIdentifier type="TextString" value="{id}"/>"""));
        var names = Payload(await SendAsync(client, KmipVersion.V1_0, "GetAttributeList", $"""<UniqueIdentifier type="TextString" value="{id}"/>"""));
        foreach (var text in attributes.FindAll(Tag.Attribute).Select(a => a.Find(Tag.AttributeName)?.Text).Concat(names.FindAll(Tag.AttributeName).Select(n => n.Text)))
            if (text is not null && KmipNames.TryGetTagBySpecName(text, out var tag) && KmipNames.FindTag(tag) is { } info && !info.ExistsIn(KmipVersion.V1_0))
                return $"a KMIP 1.0 response names the attribute '{text}', which KMIP 1.0 lacks";
        return attributes.FindAll(Tag.Attribute).Any() ? null : "Get Attributes returned no attributes";
    });

    [Fact]
    public Task Kmip12KeyPairGetsOnlyKmip12Attributes() => CheckAsync("1.2-key-pair-attributes", async client =>
    {
        // A generated key pair carries attributes of later versions (Random Number Generator is 1.3+, Short Unique Identifier 2.0+).
        var template = "<CommonTemplateAttribute>"
            + Attribute1x("Cryptographic Algorithm", """<AttributeValue type="Enumeration" value="RSA"/>""")
            + Attribute1x("Cryptographic Length", """<AttributeValue type="Integer" value="2048"/>""")
            + "</CommonTemplateAttribute>"
            + "<PrivateKeyTemplateAttribute>" + Attribute1x("Cryptographic Usage Mask", """<AttributeValue type="Integer" value="Sign"/>""") + "</PrivateKeyTemplateAttribute>"
            + "<PublicKeyTemplateAttribute>" + Attribute1x("Cryptographic Usage Mask", """<AttributeValue type="Integer" value="Verify"/>""") + "</PublicKeyTemplateAttribute>";
        var pair = Payload(await SendAsync(client, KmipVersion.V1_2, "CreateKeyPair", template));
        foreach (var id in new[] { pair.Find(Tag.PrivateKeyUniqueIdentifier)!.Text, pair.Find(Tag.PublicKeyUniqueIdentifier)!.Text })
        {
            // SendAsync rejects any attribute name, tag or value that KMIP 1.2 lacks.
            var attributes = Payload(await SendAsync(client, KmipVersion.V1_2, "GetAttributes", $"""<UniqueIdentifier type="TextString" value="{id}"/>"""));
            Payload(await SendAsync(client, KmipVersion.V1_2, "GetAttributeList", $"""<UniqueIdentifier type="TextString" value="{id}"/>"""));
            if (!attributes.FindAll(Tag.Attribute).Any(a => a.Find(Tag.AttributeName)?.Text == "Cryptographic Algorithm")) return "Get Attributes of a key pair returned no Cryptographic Algorithm";
        }
        return null;
    });

    [Fact]
    public Task Kmip14AsymmetricGetHasNoAttributesInKeyValue() => CheckAsync("1.4-asymmetric-get", async client =>
    {
        using var rsa = RSA.Create(2048);
        string der = Convert.ToHexString(rsa.ExportRSAPrivateKey());
        var template = "<TemplateAttribute>"
            + Attribute1x("Cryptographic Algorithm", """<AttributeValue type="Enumeration" value="RSA"/>""")
            + Attribute1x("Cryptographic Length", """<AttributeValue type="Integer" value="2048"/>""")
            + Attribute1x("Cryptographic Usage Mask", """<AttributeValue type="Integer" value="Sign"/>""")
            + "</TemplateAttribute>";
        var id = Payload(await SendAsync(client, KmipVersion.V1_4, "Register",
            $"""<ObjectType type="Enumeration" value="PrivateKey"/>{template}<PrivateKey><KeyBlock><KeyFormatType type="Enumeration" value="PKCS_1"/><KeyValue><KeyMaterial type="ByteString" value="{der}"/></KeyValue><CryptographicAlgorithm type="Enumeration" value="RSA"/><CryptographicLength type="Integer" value="2048"/></KeyBlock></PrivateKey>"""))
            .Find(Tag.UniqueIdentifier)!.Text;
        var got = Payload(await SendAsync(client, KmipVersion.V1_4, "Get", $"""<UniqueIdentifier type="TextString" value="{id}"/>"""));
        var keyValue = got.FindPath(Tag.PrivateKey, Tag.KeyBlock, Tag.KeyValue) ?? throw new InvalidDataException("Get returned no Private Key / Key Block / Key Value");
        var extra = keyValue.Children.Where(c => c.Tag != Tag.KeyMaterial).Select(c => KmipNames.TagName(c.Tag)).ToList();
        return extra.Count == 0 ? null : "the Key Value of a 1.4 Get carries " + string.Join(", ", extra);
    });

    [Fact]
    public Task Kmip1xOperationPolicyNameIsAccepted() => CheckAsync("1.x-operation-policy-name", async client =>
    {
        foreach (var version in new[] { KmipVersion.V1_0, KmipVersion.V1_2, KmipVersion.V1_4 })
        {
            var policy = Attribute1x("Operation Policy Name", """<AttributeValue type="TextString" value="default"/>""");
            Payload(await SendAsync(client, version, "Create", """<ObjectType type="Enumeration" value="SymmetricKey"/>""" + AesTemplate1x("trap-policy-" + version, policy)));
        }
        return null;
    });

    [Theory]
    [InlineData("1.4")]
    [InlineData("2.1")]
    public Task LocateByNameReturnsTheNamedObject(string versionText) => CheckAsync($"{versionText}-locate-by-name", async client =>
    {
        var version = versionText == "1.4" ? KmipVersion.V1_4 : KmipVersion.V2_1;
        var ids = new Dictionary<string, string>();
        foreach (var name in new[] { "trap-a", "trap-b", "trap-c" })
        {
            string payload = version.Major == 1
                ? """<ObjectType type="Enumeration" value="SymmetricKey"/>""" + AesTemplate1x(name)
                : $"""<ObjectType type="Enumeration" value="SymmetricKey"/><Attributes><CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/><CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/><Name><NameValue type="TextString" value="{name}"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name></Attributes>""";
            ids[name] = Payload(await SendAsync(client, version, "Create", payload)).Find(Tag.UniqueIdentifier)!.Text;
        }
        string locate = version.Major == 1
            ? Name1x("trap-b")
            : """<Attributes><Name><NameValue type="TextString" value="trap-b"/><NameType type="Enumeration" value="UninterpretedTextString"/></Name></Attributes>""";
        var found = Payload(await SendAsync(client, version, "Locate", locate)).FindAll(Tag.UniqueIdentifier).Select(u => u.Text).ToList();
        return found.SequenceEqual([ids["trap-b"]]) ? null : $"Locate by Name 'trap-b' returned [{string.Join(", ", found)}], expected [{ids["trap-b"]}]";
    });
}
