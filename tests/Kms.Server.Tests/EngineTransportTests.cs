using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kms.Client;
using Kms.Server.Configuration;
using Kms.Ttlv;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Server.Tests;

/// <summary>The engine behind every transport: socket, /kmip (binary, JSON, XML), /kmip/2_1, /access/*, audit.</summary>
public sealed class EngineTransportTests
{
    private static TestPki Pki => TestPki.Shared;

    private static TtlvElement Payload(TtlvElement response) => KmipRequests.SinglePayload(response)!;

    /// <summary>The /kmip/2_1 bare form: the payload under the operation's name.</summary>
    private static string Bare(string operation, TtlvElement payload) =>
        ReplaceFirst(KmipJson.Serialize(payload), "\"RequestPayload\"", "\"" + operation + "\"");

    /// <summary>Parses a bare response (<c>{"tag":"GetResponse",...}</c>) as a Response Payload.</summary>
    private static TtlvElement ParseBare(string json, string operation)
    {
        Assert.StartsWith("{\"tag\":\"" + operation + "Response\"", json);
        return KmipJson.Parse(ReplaceFirst(json, "\"" + operation + "Response\"", "\"ResponsePayload\""));
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        int i = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(i >= 0, from + " not in " + text);
        return text[..i] + to + text[(i + from.Length)..];
    }

    private static TtlvElement GetRequest(string id) =>
        KmipRequests.Message(KmipVersion.V2_1, KmipRequests.BatchItem(Operation.Get, KmipRequests.IdPayload(id)));

    [Fact]
    public async Task SameRequestSameResultOnEveryPath()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.MutualTlsOptions());
        await using var socket = await h.ConnectAsync(Pki.Alice);
        string id = await socket.CreateAesKeyAsync(256);
        var request = GetRequest(id);

        var viaSocket = Payload(await socket.SendAsync(request));
        using var http = h.Http(Pki.Alice);

        var binary = await http.PostAsync("/kmip", new ByteArrayContent(request.ToBytes()) { Headers = { ContentType = new("application/octet-stream") } });
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        var viaBinary = Payload(TtlvElement.Decode(await binary.Content.ReadAsByteArrayAsync()));

        var json = await http.PostAsync("/kmip", new StringContent(KmipJson.Serialize(request), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var viaJson = Payload(KmipJson.Parse(await json.Content.ReadAsStringAsync()));

        var xml = await http.PostAsync("/kmip", new StringContent(KmipXml.Serialize(request), Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.OK, xml.StatusCode);
        var viaXml = Payload(KmipXml.Parse(await xml.Content.ReadAsStringAsync()));

        var v21 = await http.PostAsync("/kmip/2_1", new StringContent(Bare("Get", KmipRequests.IdPayload(id)), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, v21.StatusCode);
        var via21 = ParseBare(await v21.Content.ReadAsStringAsync(), "Get");

        Assert.Equal(id, viaSocket.Find(Tag.UniqueIdentifier)!.Text);
        Assert.NotNull(viaSocket.FindPath(Tag.SymmetricKey, Tag.KeyBlock));
        Assert.True(viaSocket.DeepEquals(viaBinary), "binary /kmip");
        Assert.True(viaSocket.DeepEquals(viaJson), "JSON /kmip");
        Assert.True(viaSocket.DeepEquals(viaXml), "XML /kmip");
        Assert.True(viaSocket.DeepEquals(via21), "/kmip/2_1");
    }

    [Fact]
    public async Task Kmip21CreateThenErrorsAreHttpErrors()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.BaseOptions());
        using var http = h.Http();
        const string create = """
            {"tag":"Create","type":"Structure","value":[
              {"tag":"ObjectType","type":"Enumeration","value":"SymmetricKey"},
              {"tag":"Attributes","type":"Structure","value":[
                {"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
                {"tag":"CryptographicLength","type":"Integer","value":256},
                {"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"}]}]}
            """;
        var created = await http.PostAsync("/kmip/2_1", new StringContent(create, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var response = ParseBare(await created.Content.ReadAsStringAsync(), "Create");
        Assert.False(string.IsNullOrEmpty(response.Find(Tag.UniqueIdentifier)?.Text));

        string missing = Bare("Get", KmipRequests.IdPayload("no-such-object"));
        var notFound = await http.PostAsync("/kmip/2_1", new StringContent(missing, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("OperationFailed", await notFound.Content.ReadAsStringAsync());

        var garbage = await http.PostAsync("/kmip/2_1", new StringContent("{\"tag\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        var badBinary = await http.PostAsync("/kmip", new ByteArrayContent([1, 2, 3, 4, 5, 6, 7, 8, 9]) { Headers = { ContentType = new("application/octet-stream") } });
        var item = TtlvElement.Decode(await badBinary.Content.ReadAsByteArrayAsync()).Find(Tag.BatchItem)!;
        Assert.Equal((uint)ResultReason.InvalidMessage, item.Find(Tag.ResultReason)!.UInt32);

        var whole = KmipRequests.Message(KmipVersion.V2_1, KmipRequests.BatchItem(Operation.Get, KmipRequests.IdPayload(response.Find(Tag.UniqueIdentifier)!.Text)));
        var wholeResponse = await http.PostAsync("/kmip/2_1", new StringContent(KmipJson.Serialize(whole), Encoding.UTF8, "application/json"));
        Assert.Equal(Tag.ResponseMessage, KmipJson.Parse(await wholeResponse.Content.ReadAsStringAsync()).Tag);

        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", health.GetProperty("store").GetString());
    }

    [Fact]
    public async Task HttpBodyLimitIsEnforced()
    {
        var o = ServerHarness.BaseOptions();
        o.Limits.MaxBodySize = 1024;
        await using var h = await ServerHarness.StartAsync(o);
        using var http = h.Http();
        var big = await http.PostAsync("/kmip", new ByteArrayContent(Messages.Padded(4096)) { Headers = { ContentType = new("application/octet-stream") } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
    }

    [Fact]
    public async Task AccessRightsOverHttpGateTheSocket()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.MutualTlsOptions(Pki.BundlePem));
        await using var alice = await h.ConnectAsync(Pki.Alice);
        await using var bob = await h.ConnectAsync(Pki.Bob);
        string id = await alice.CreateAesKeyAsync();
        var denied = await Assert.ThrowsAsync<KmipException>(() => bob.GetAsync(id));
        Assert.NotEqual(ResultStatus.Success, denied.Status);

        using var aliceHttp = h.Http(Pki.Alice);
        using var bobHttp = h.Http(Pki.Bob);
        var grant = await aliceHttp.PostAsJsonAsync("/access/grant", new { unique_identifier = id, user_id = "bob", operation_types = new[] { "get" } });
        Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        Assert.Equal(id, (await bob.GetAsync(id)).Find(Tag.UniqueIdentifier)!.Text);

        var list = await aliceHttp.GetFromJsonAsync<JsonElement>($"/access/list/{id}");
        Assert.Equal("bob", list[0].GetProperty("user_id").GetString());
        var owned = await aliceHttp.GetFromJsonAsync<JsonElement>("/access/owned");
        Assert.Contains(owned.EnumerateArray(), o => o.GetProperty("object_id").GetString() == id);
        var obtained = await bobHttp.GetFromJsonAsync<JsonElement>("/access/obtained");
        Assert.Contains(obtained.EnumerateArray(), o => o.GetProperty("object_id").GetString() == id && o.GetProperty("owner_id").GetString() == "alice");
        Assert.Equal(HttpStatusCode.Forbidden, (await bobHttp.GetAsync($"/access/list/{id}")).StatusCode);

        var revoke = await aliceHttp.PostAsJsonAsync("/access/revoke", new { unique_identifier = id, user_id = "bob", operation_types = new[] { "get" } });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await Assert.ThrowsAsync<KmipException>(() => bob.GetAsync(id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Http().GetAsync("/access/owned")).StatusCode);
        // The operator counters need an authenticated caller too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Http().GetAsync("/metrics")).StatusCode);
        Assert.Contains("kms_gc_allocated_bytes_total ", await aliceHttp.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task JwtAuthenticatesHttpCalls()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        var o = ServerHarness.BaseOptions();
        o.IdpAuth.JwtAuthProvider = [$"{idp.Issuer},{idp.JwksUri},kms"];
        await using var h = await ServerHarness.StartAsync(o);
        string create = Bare("Create", KmipRequests.CreateAesKeyPayload(128));

        using (var anonymous = h.Http())
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/kmip/2_1", new StringContent(create, Encoding.UTF8, "application/json"))).StatusCode);
        using (var wrongAudience = h.Http(bearer: idp.Token(audience: "other")))
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrongAudience.PostAsync("/kmip/2_1", new StringContent(create, Encoding.UTF8, "application/json"))).StatusCode);
        using var dave = h.Http(bearer: idp.Token());
        var created = await dave.PostAsync("/kmip/2_1", new StringContent(create, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        string id = ParseBare(await created.Content.ReadAsStringAsync(), "Create").Find(Tag.UniqueIdentifier)!.Text;
        var owned = await dave.GetFromJsonAsync<JsonElement>("/access/owned");
        Assert.Contains(owned.EnumerateArray(), x => x.GetProperty("object_id").GetString() == id);
    }

    [Fact]
    public async Task AuditRecordsEveryOperationWithoutKeyBytes()
    {
        string dir = Directory.CreateTempSubdirectory("kms-audit-").FullName;
        var o = ServerHarness.MutualTlsOptions();
        o.Logging.AuditFile = Path.Combine(dir, "audit.jsonl");
        o.ForceDefaultUsername = false;
        byte[] keyBytes;
        string id;
        await using (var h = await ServerHarness.StartAsync(o))
        {
            await using var alice = await h.ConnectAsync(Pki.Alice);
            id = await alice.CreateAesKeyAsync();
            var got = await alice.GetAsync(id);
            keyBytes = got.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes;
            using var http = h.Http(Pki.Alice);
            await http.PostAsync("/kmip", new ByteArrayContent(GetRequest(id).ToBytes()) { Headers = { ContentType = new("application/octet-stream") } });
        }
        string text = File.ReadAllText(o.Logging.AuditFile);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(records, r => r.GetProperty("operation").GetString() == "Create" && r.GetProperty("user").GetString() == "alice"
            && r.GetProperty("transport").GetString() == "socket" && r.GetProperty("object_id").GetString() == id && r.GetProperty("status").GetString() == "Success");
        Assert.Contains(records, r => r.GetProperty("operation").GetString() == "Get" && r.GetProperty("transport").GetString() == "http");
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("peer").GetString())));
        Assert.Equal(32, keyBytes.Length);
        byte[] raw = File.ReadAllBytes(o.Logging.AuditFile);
        Assert.DoesNotContain(Convert.ToHexString(keyBytes), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(keyBytes), text);
        Assert.Equal(-1, raw.AsSpan().IndexOf(keyBytes));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task ForceDefaultUsernameActsAsTheDefaultUser()
    {
        string dir = Directory.CreateTempSubdirectory("kms-audit-").FullName;
        var o = ServerHarness.MutualTlsOptions();
        o.Logging.AuditFile = Path.Combine(dir, "audit.jsonl");
        o.ForceDefaultUsername = true;
        await using (var h = await ServerHarness.StartAsync(o))
        {
            await using var alice = await h.ConnectAsync(Pki.Alice);
            await alice.CreateAesKeyAsync();
            Assert.True(await h.IsRefusedAsync(Pki.Bob), "still authenticates first");
        }
        var record = JsonDocument.Parse(File.ReadAllLines(o.Logging.AuditFile)[0]).RootElement;
        Assert.Equal("admin", record.GetProperty("user").GetString());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task EmailSanNamesTheUserWhenConfigured()
    {
        string dir = Directory.CreateTempSubdirectory("kms-audit-").FullName;
        var o = ServerHarness.MutualTlsOptions();
        o.Logging.AuditFile = Path.Combine(dir, "audit.jsonl");
        o.Tls.ClientIdentity = "email";
        await using (var h = await ServerHarness.StartAsync(o))
        {
            await using var carol = await h.ConnectAsync(Pki.Carol);
            await carol.CreateAesKeyAsync();
            Assert.True(await h.IsRefusedAsync(Pki.Alice), "no email SAN: no user");
        }
        var record = JsonDocument.Parse(File.ReadAllLines(o.Logging.AuditFile)[0]).RootElement;
        Assert.Equal("carol@example.com", record.GetProperty("user").GetString());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task PipelinedEngineRequestsAnsweredInOrderAndBadContentKeepsTheConnectionButNotACodecError()
    {
        await using var h = await ServerHarness.StartAsync(ServerHarness.MutualTlsOptions());
        await using var alice = await h.ConnectAsync(Pki.Alice);
        var ids = new List<string>();
        for (int i = 0; i < 3; i++) ids.Add(await alice.CreateAesKeyAsync(128 + 64 * i));
        var responses = await alice.SendPipelinedAsync(ids.Select(id => (ReadOnlyMemory<byte>)GetRequest(id).ToBytes()).ToList());
        for (int i = 0; i < ids.Count; i++)
            Assert.Equal(ids[i], Payload(TtlvElement.Decode(responses[i])).Find(Tag.UniqueIdentifier)!.Text);

        // Valid TTLV, but not a request: the engine answers Invalid Message and the stream stays in sync.
        var notARequest = TtlvElement.Structure(Tag.ResponseMessage, TtlvElement.Integer(Tag.BatchCount, 1)).ToBytes();
        var item = TtlvElement.Decode(await alice.SendRawAsync(notARequest)).Find(Tag.BatchItem)!;
        Assert.Equal((uint)ResultStatus.OperationFailed, item.Find(Tag.ResultStatus)!.UInt32);
        Assert.Equal((uint)ResultReason.InvalidMessage, item.Find(Tag.ResultReason)!.UInt32);
        Assert.Equal(ids[0], (await alice.GetAsync(ids[0])).Find(Tag.UniqueIdentifier)!.Text);

        // Well framed but not valid TTLV inside (a codec error): one Invalid Message, then the server closes.
        var codecError = Messages.Padded(32);
        codecError[11] = 0x0C;    // the inner item's type byte: not an item type
        var bad = await alice.SendRawAsync(codecError);
        item = TtlvElement.Decode(bad).Find(Tag.BatchItem)!;
        Assert.Equal((uint)ResultReason.InvalidMessage, item.Find(Tag.ResultReason)!.UInt32);
        await Assert.ThrowsAnyAsync<Exception>(() => alice.GetAsync(ids[0]));
    }

    [Fact]
    public async Task PrivilegedUsersAloneMayCreate()
    {
        var o = ServerHarness.MutualTlsOptions(Pki.BundlePem);
        o.PrivilegedUsers = ["bob"];
        await using var h = await ServerHarness.StartAsync(o);
        await using var alice = await h.ConnectAsync(Pki.Alice);
        await using var bob = await h.ConnectAsync(Pki.Bob);
        Assert.False(string.IsNullOrEmpty(await bob.CreateAesKeyAsync()));
        var e = await Assert.ThrowsAsync<KmipException>(() => alice.CreateAesKeyAsync());
        Assert.Equal(ResultReason.PermissionDenied, e.Reason);
    }

    [Fact]
    public async Task ObjectsSurviveAGracefulRestart()
    {
        var o = ServerHarness.MutualTlsOptions();
        string id;
        var first = KmsServer.Create(o, b => { });
        await first.StartAsync();
        await using (var alice = await KmipClient.ConnectAsync("127.0.0.1", first.SocketEndPoint!.Port, new KmipClientOptions
        {
            ClientCertificate = Pki.Alice, TrustedCertificates = [Pki.Ca1], TargetHost = "localhost",
        }))
        {
            id = await alice.CreateAesKeyAsync();
        }
        await first.DisposeAsync();      // drains, then disposes the engine, which flushes the store

        await using var h = await ServerHarness.StartAsync(o);   // same data directory
        await using var again = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(id, (await again.GetAsync(id)).Find(Tag.UniqueIdentifier)!.Text);
        Assert.True(File.Exists(Path.Combine(o.Db.DataDirectory, "master.key")));
    }
}
