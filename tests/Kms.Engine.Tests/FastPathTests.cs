using System.Buffers;
using Kms.Engine.Access;
using Kms.Engine.Messages;
using Kms.Engine.Model;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>
/// The allocation-free read path (<see cref="FastPath"/>, <see cref="Storage.ObjectCache"/>): it answers byte for byte as
/// the tree path does, allocates nothing on a warm Get, and never serves a stale object after a commit.
/// </summary>
public sealed class FastPathTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CallerIdentity s_alice = new("alice", "socket", "127.0.0.1");
    private static readonly CallerIdentity s_bob = new("bob", "socket", "127.0.0.1");
    private static readonly KmipVersion[] s_versions =
        [KmipVersion.V1_0, KmipVersion.V1_1, KmipVersion.V1_2, KmipVersion.V1_3, KmipVersion.V1_4, KmipVersion.V2_0, KmipVersion.V2_1, new(1, 7), new(2, 5)];

    private readonly ManualClock _clock = new(s_start);
    private readonly TestEngine _t;

    public FastPathTests() => _t = new TestEngine(clock: _clock);

    public void Dispose() => _t.Dispose();

    private string Create(params TtlvElement[] extra) => _t.Ok(Operation.Create, Req.CreateAes(256, extra)).Find(Tag.UniqueIdentifier)!.Text;

    private string Register(ObjectType type, TtlvElement value)
        => _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)type), value)).Find(Tag.UniqueIdentifier)!.Text;

    private static byte[] GetRequest(KmipVersion version, string id) => Req.Message(version, [(Operation.Get, Req.Payload(Req.Id(id)))]).ToBytes();

    /// <summary>Runs the fast path alone, then the tree path alone; asserts identical bytes and returns whether the fast path served it.</summary>
    private bool Differential(byte[] request, CallerIdentity caller)
    {
        var core = _t.Engine.Core;
        var fast = new ArrayBufferWriter<byte>();
        bool served = FastPath.TryProcess(core, request, fast, caller);
        if (!served)
        {
            Assert.Equal(0, fast.WrittenCount); // a fallback writes nothing
            MessageProcessor.ProcessAsync(core, request, fast, caller).AsTask().GetAwaiter().GetResult();
        }
        var tree = new ArrayBufferWriter<byte>();
        MessageProcessor.ProcessTreeAsync(core, request, tree, caller).AsTask().GetAwaiter().GetResult();
        if (!tree.WrittenSpan.SequenceEqual(fast.WrittenSpan))
            Assert.Fail($"served={served}\ntree: {TtlvElement.Decode(tree.WrittenSpan)}\nfast: {TtlvElement.Decode(fast.WrittenSpan)}");
        return served;
    }

    [Fact]
    public void Fast_and_tree_paths_answer_byte_for_byte_alike_over_request_variants_and_versions()
    {
        string plain = Create();
        string fresh = Create();
        string granted = Create();
        string grantedAll = Create();
        string encryptOnly = Create();
        string sensitive = Create(TtlvElement.Boolean(Tag.Sensitive, true));
        string locked = Create(TtlvElement.Boolean(Tag.Extractable, false));
        string destroyed = Create();
        string archived = Create();
        string deactivated = Create(TtlvElement.DateTime(Tag.ActivationDate, s_start.ToUnixTimeSeconds() - 10),
            TtlvElement.DateTime(Tag.DeactivationDate, s_start.ToUnixTimeSeconds() + 5));
        string created1x = _t.Ok(Operation.Create, Req.CreateAes1(128), KmipVersion.V1_2).Find(Tag.UniqueIdentifier)!.Text;
        string secret = Register(ObjectType.SecretData, TtlvElement.Structure(Tag.SecretData, TtlvElement.Enumeration(Tag.SecretDataType, (uint)SecretDataType.Password),
            TtlvElement.Structure(Tag.KeyBlock, TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Opaque),
                TtlvElement.Structure(Tag.KeyValue, TtlvElement.ByteString(Tag.KeyMaterial, "password"u8.ToArray())))));
        string opaque = Register(ObjectType.OpaqueObject, TtlvElement.Structure(Tag.OpaqueObject, TtlvElement.Enumeration(Tag.OpaqueDataType, 0x80000001),
            TtlvElement.ByteString(Tag.OpaqueDataValue, [1, 2, 3])));
        string certificate = Register(ObjectType.Certificate, TtlvElement.Structure(Tag.Certificate, TtlvElement.Enumeration(Tag.CertificateType, (uint)CertificateType.X_509),
            TtlvElement.ByteString(Tag.CertificateValue, [0x30, 0x82, 0x01])));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, granted, "bob", [Permission.Get]));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, grantedAll, AccessControl.Everyone, [Permission.Get]));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, encryptOnly, "bob", [Permission.Encrypt]));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(destroyed)));
        _t.Ok(Operation.Archive, Req.Payload(Req.Id(archived)));
        // Served as stored from the second Get on (the first clears Fresh).
        var pair = _t.Ok(Operation.CreateKeyPair, CryptoOperationTests.KeyPair2(CryptographicAlgorithm.EC, 0, RecommendedCurve.P_256));
        string privateKey = pair.Find(Tag.PrivateKeyUniqueIdentifier)!.Text, publicKey = pair.Find(Tag.PublicKeyUniqueIdentifier)!.Text;
        foreach (var id in new[] { plain, granted, grantedAll, encryptOnly, deactivated, created1x, secret, opaque, certificate, privateKey, publicKey }) _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        _clock.Advance(TimeSpan.FromSeconds(60)); // 'deactivated' is now past its Deactivation Date

        // A Fresh object is served by the tree path (which clears Fresh with a write), and then by the fast path.
        Assert.False(Differential(GetRequest(KmipVersion.V2_1, fresh), s_alice));
        Assert.True(Differential(GetRequest(KmipVersion.V2_1, fresh), s_alice));

        string[] ids = [plain, granted, grantedAll, encryptOnly, sensitive, locked, destroyed, archived, deactivated, created1x, secret, opaque, certificate, privateKey, publicKey, "no-such-id", "", "ünïcødé-id"];
        int served = 0, total = 0;
        foreach (var version in s_versions)
        {
            foreach (var id in ids)
            {
                foreach (var caller in new[] { s_alice, s_bob })
                {
                    bool expectServed = (caller == s_alice && id is not "" and not "no-such-id" and not "ünïcødé-id" && id != sensitive && id != locked && id != destroyed && id != archived)
                        || (caller == s_bob && (id == granted || id == grantedAll));
                    bool wasServed = Differential(GetRequest(version, id), caller);
                    Assert.True(expectServed == wasServed, $"{version} {id} {caller.User}: served={wasServed}");
                    served += wasServed ? 1 : 0;
                    total++;
                }
            }
            foreach (var (request, expected) in ShapeVariants(version, plain))
            {
                Assert.True(expected == Differential(request, s_alice), $"{version} shape variant served={!expected}: {Convert.ToHexString(request)}");
                served += expected ? 1 : 0;
                total++;
            }
        }
        Assert.True(served > 100 && served < total, $"{served} of {total} served by the fast path");
    }

    /// <summary>Message shapes around the served one: some served (fields reordered, correlation value, batch item id), most not.</summary>
    private static IEnumerable<(byte[] Request, bool Served)> ShapeVariants(KmipVersion v, string id)
    {
        TtlvElement Pv() => TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, v.Major), TtlvElement.Integer(Tag.ProtocolVersionMinor, v.Minor));
        TtlvElement Count(int n = 1) => TtlvElement.Integer(Tag.BatchCount, n);
        TtlvElement Op(Operation op = Operation.Get) => TtlvElement.Enumeration(Tag.Operation, (uint)op);
        TtlvElement Payload(params TtlvElement[] extra) => TtlvElement.Structure(Tag.RequestPayload, [Req.Id(id), .. extra]);
        TtlvElement Msg(TtlvElement header, params TtlvElement[] items) => TtlvElement.Structure(Tag.RequestMessage, [header, .. items]);
        TtlvElement Header(params TtlvElement[] children) => TtlvElement.Structure(Tag.RequestHeader, children);
        TtlvElement Item(params TtlvElement[] children) => TtlvElement.Structure(Tag.BatchItem, children);
        var ccv = TtlvElement.TextString(Tag.ClientCorrelationValue, "corr-42");
        var bid = TtlvElement.ByteString(Tag.UniqueBatchItemID, [1, 2, 3]);

        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload())).ToBytes(), true);
        yield return (Msg(Header(Count(), Pv()), Item(Payload(), Op())).ToBytes(), true);
        yield return (Msg(Header(Pv(), ccv, Count()), Item(Op(), bid, Payload())).ToBytes(), true);
        yield return (Msg(Header(Pv(), Count(), ccv), Item(bid, Op(), Payload())).ToBytes(), true);
        yield return (Msg(Header(Pv(), Count(), TtlvElement.TextString(Tag.ClientCorrelationValue, "")), Item(Op(), TtlvElement.ByteString(Tag.UniqueBatchItemID, []), Payload())).ToBytes(), true);
        // Not served (the tree path answers), but Raw: the stored format is served.
        yield return (Msg(Header(Pv(), Count(), TtlvElement.Integer(Tag.MaximumResponseSize, 64)), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count(), TtlvElement.Integer(Tag.MaximumResponseSize, 100_000)), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count(), TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, 3)), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count(2)), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count(2)), Item(Op(), bid, Payload()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count(), Count()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Pv(), Count()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), ccv, ccv, Count()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload(Req.Id(id)))).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Boolean(Tag.Ephemeral, true), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw)))).ToBytes(), true);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.TransparentSymmetricKey)))).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyCompressionType, 1)))).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Structure(Tag.RequestPayload, TtlvElement.Enumeration(Tag.UniqueIdentifier, 1)))).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Structure(Tag.RequestPayload))).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op(Operation.GetAttributes), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(Op((Operation)0x7777), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv(), Count()), Item(TtlvElement.Integer(Tag.Operation, 10), Payload())).ToBytes(), false);
        yield return (Msg(Header(Pv()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(Count()), Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 3), TtlvElement.Integer(Tag.ProtocolVersionMinor, 0)), Count()),
            Item(Op(), Payload())).ToBytes(), false);
        yield return (Msg(Header(TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMinor, v.Minor), TtlvElement.Integer(Tag.ProtocolVersionMajor, v.Major)), Count()),
            Item(Op(), Payload())).ToBytes(), false);
        yield return (TtlvElement.Structure(Tag.RequestMessage, Item(Op(), Payload()), Header(Pv(), Count())).ToBytes(), false);
        yield return (TtlvElement.Structure(Tag.ResponseMessage, Header(Pv(), Count()), Item(Op(), Payload())).ToBytes(), false);
        var good = Msg(Header(Pv(), Count()), Item(Op(), Payload())).ToBytes();
        yield return ([.. good, .. good], false); // trailing data
        yield return (good[..^8], false); // truncated
        var badPadding = (byte[])good.Clone();
        badPadding[^1] = 0xFF; // padding of the id must be zero (ids here are not a multiple of 8 long)
        yield return (badPadding, false);
    }

    [Fact]
    public void A_warm_Get_allocates_nothing()
    {
        string id = Create();
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id))); // clears Fresh
        foreach (var version in new[] { KmipVersion.V1_0, KmipVersion.V1_4, KmipVersion.V2_1 })
        {
            var request = GetRequest(version, id);
            var output = new ArrayBufferWriter<byte>(4096);
            Assert.Equal(0, SteadyStateAllocation(_t.Engine, request, output, 5000));
            var item = new Item(TtlvElement.Decode(output.WrittenSpan).Find(Tag.BatchItem)!);
            Assert.Equal(ResultStatus.Success, item.Status);
            Assert.Equal(32, item.Payload!.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes.Length);
        }
    }

    private sealed class CountingAudit : IAuditSink
    {
        public int Count;
        public Operation? Last;
        public void Record(in AuditEntry entry)
        {
            Count++;
            Last = entry.Operation;
        }
    }

    [Fact]
    public void A_warm_Get_is_audited_without_allocating()
    {
        var audit = new CountingAudit();
        using var t = new TestEngine(audit: audit);
        string id = t.Ok(Operation.Create, Req.CreateAes()).Find(Tag.UniqueIdentifier)!.Text;
        t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        var request = GetRequest(KmipVersion.V2_1, id);
        var output = new ArrayBufferWriter<byte>(4096);
        int audited = audit.Count;
        Assert.Equal(0, SteadyStateAllocation(t.Engine, request, output, 2000, out int calls));
        Assert.Equal(audited + calls, audit.Count);
        Assert.Equal(Operation.Get, audit.Last);
    }

    [Fact]
    public void Every_commit_path_invalidates_the_cached_object()
    {
        string id = Create();
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, id, "bob", [Permission.Get]));
        Assert.True(Differential(GetRequest(KmipVersion.V2_1, id), s_bob)); // cached, bob may Get

        // Access control commits directly to the store.
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Revoke(s_alice, id, "bob", [Permission.Get]));
        Assert.False(FastPath.TryProcess(_t.Engine.Core, GetRequest(KmipVersion.V2_1, id), new ArrayBufferWriter<byte>(), s_bob));
        _t.Fails(ResultReason.ObjectNotFound, Operation.Get, Req.Payload(Req.Id(id)), user: "bob");

        // Operations commit through their unit of work.
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        Assert.True(Differential(GetRequest(KmipVersion.V2_1, id), s_alice));
        _t.Ok(Operation.Archive, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectArchived, Operation.Get, Req.Payload(Req.Id(id)));
        _t.Ok(Operation.Recover, Req.Payload(Req.Id(id)));
        Assert.True(Differential(GetRequest(KmipVersion.V2_1, id), s_alice));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(id)));
        _t.Fails(ResultReason.ObjectDestroyed, Operation.Get, Req.Payload(Req.Id(id)));
        Assert.False(Differential(GetRequest(KmipVersion.V2_1, id), s_alice));
    }

    [Fact]
    public void The_cache_stays_within_its_bound()
    {
        using var t = new TestEngine(objectCacheEntries: 4);
        var ids = Enumerable.Range(0, 12).Select(_ => t.Ok(Operation.Create, Req.CreateAes()).Find(Tag.UniqueIdentifier)!.Text).ToList();
        foreach (var id in ids) t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        for (int round = 0; round < 3; round++)
        {
            foreach (var id in ids)
            {
                Assert.NotNull(t.Ok(Operation.Get, Req.Payload(Req.Id(id))).FindPath(Tag.SymmetricKey, Tag.KeyBlock));
                Assert.InRange(t.Engine.Core.Cache.CachedCount, 0, 4);
            }
        }
    }

    [Fact]
    public async Task A_Get_never_succeeds_after_a_revocation_it_did_not_overlap_with_a_grant()
    {
        // One writer toggles bob's Get grant; readers (bob) Get in a loop. A Get that starts after a revocation
        // completed and ends before the next grant starts must fail: a stale cached entry would let it succeed.
        string id = Create();
        _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        long grantsStarted = 0, revokesDone = 0;
        int violations = 0, checkedGets = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 150; i++)
            {
                Interlocked.Increment(ref grantsStarted);
                Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, id, "bob", [Permission.Get]));
                Thread.Sleep(1);
                Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Revoke(s_alice, id, "bob", [Permission.Get]));
                Interlocked.Increment(ref revokesDone);
                Thread.Sleep(1);
            }
            stop.Cancel();
        });
        var request = GetRequest(KmipVersion.V2_1, id);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var output = new ArrayBufferWriter<byte>();
            while (!stop.IsCancellationRequested)
            {
                long g0 = Interlocked.Read(ref grantsStarted), r0 = Interlocked.Read(ref revokesDone);
                output.ResetWrittenCount();
                _t.Engine.Process(request, output, s_bob);
                long g1 = Interlocked.Read(ref grantsStarted);
                var status = (ResultStatus)TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResultStatus)!.UInt32;
                if (g0 == r0 && g1 == g0)
                {
                    Interlocked.Increment(ref checkedGets);
                    if (status == ResultStatus.Success) Interlocked.Increment(ref violations);
                }
            }
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(0, violations);
        Assert.True(checkedGets > 0);
    }

    // ---------------------------------------------------------------- Encrypt / Decrypt

    private static TtlvElement CipherPayload(string id, byte[]? data, byte[]? iv = null, byte[]? aad = null, byte[]? tag = null, TtlvElement? parameters = null,
        params TtlvElement[] extra)
    {
        var p = Req.Payload(Req.Id(id));
        if (parameters is not null) p.Children.Add(parameters);
        if (data is not null) p.Children.Add(TtlvElement.ByteString(Tag.Data, data));
        if (iv is not null) p.Children.Add(TtlvElement.ByteString(Tag.IVCounterNonce, iv));
        if (aad is not null) p.Children.Add(TtlvElement.ByteString(Tag.AuthenticatedEncryptionAdditionalData, aad));
        if (tag is not null) p.Children.Add(TtlvElement.ByteString(Tag.AuthenticatedEncryptionTag, tag));
        p.Children.AddRange(extra);
        return p;
    }

    private static TtlvElement Params(BlockCipherMode? mode = null, PaddingMethod? padding = null, int? tagLength = null, CryptographicAlgorithm? alg = null, params TtlvElement[] extra)
    {
        var p = TtlvElement.Structure(Tag.CryptographicParameters);
        if (mode is { } m) p.Children.Add(TtlvElement.Enumeration(Tag.BlockCipherMode, (uint)m));
        if (padding is { } pm) p.Children.Add(TtlvElement.Enumeration(Tag.PaddingMethod, (uint)pm));
        if (tagLength is { } t) p.Children.Add(TtlvElement.Integer(Tag.TagLength, t));
        if (alg is { } a) p.Children.Add(TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)a));
        p.Children.AddRange(extra);
        return p;
    }

    private static byte[] Message(KmipVersion version, Operation op, TtlvElement payload) => Req.Message(version, [(op, payload)]).ToBytes();

    private string CreateActive(params TtlvElement[] extra)
    {
        string id = Create(extra);
        _t.Ok(Operation.Activate, Req.Payload(Req.Id(id)));
        return id;
    }

    [Fact]
    public void Fast_and_tree_Encrypt_and_Decrypt_answer_byte_for_byte_alike()
    {
        long now = s_start.ToUnixTimeSeconds();
        string key = CreateActive();
        string cbcKey = CreateActive(Params(BlockCipherMode.CBC, PaddingMethod.PKCS5));
        string preActive = Create();
        string deactivated = Create(TtlvElement.DateTime(Tag.ActivationDate, now - 100), TtlvElement.DateTime(Tag.DeactivationDate, now + 5));
        string encryptOnly = CreateActive(Req.Mask(CryptographicUsageMask.Encrypt));
        string stopped = CreateActive(TtlvElement.DateTime(Tag.ProtectStopDate, now + 5));
        string notYet = CreateActive(TtlvElement.DateTime(Tag.ProcessStartDate, now + 1000));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, key, "bob", [Permission.Encrypt]));
        _clock.Advance(TimeSpan.FromSeconds(60)); // past the Deactivation and Protect Stop Dates

        byte[] data = [.. Enumerable.Range(0, 64).Select(i => (byte)i)];
        byte[] iv12 = [.. Enumerable.Range(0, 12).Select(i => (byte)(i + 100))];
        byte[] iv16 = [.. Enumerable.Range(0, 16).Select(i => (byte)(i + 50))];
        byte[] aad = [9, 8, 7];
        // A valid GCM tag for (key, iv12, aad, data), from the tree path.
        var sealedGcm = _t.Ok(Operation.Encrypt, CipherPayload(key, data, iv12, aad, parameters: Params(BlockCipherMode.GCM)));
        byte[] ciphertext = sealedGcm.Find(Tag.Data)!.Bytes, gcmTag = sealedGcm.Find(Tag.AuthenticatedEncryptionTag)!.Bytes;
        byte[] cbcCiphertext = _t.Ok(Operation.Encrypt, CipherPayload(cbcKey, data, iv16)).Find(Tag.Data)!.Bytes;

        var cases = new List<(Operation Op, TtlvElement Payload, CallerIdentity Caller, bool Served)>
        {
            (Operation.Encrypt, CipherPayload(key, data, iv12, aad, parameters: Params(BlockCipherMode.GCM)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, tagLength: 12)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, 0, 16, CryptographicAlgorithm.AES, TtlvElement.Boolean(Tag.RandomIV, false))), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, [], iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, iv12, aad, parameters: Params(BlockCipherMode.GCM)), s_bob, true),
            (Operation.Encrypt, CipherPayload(key, data, iv16, parameters: Params(BlockCipherMode.CBC, PaddingMethod.PKCS5)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, iv16, parameters: Params(BlockCipherMode.CTR)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, parameters: Params(BlockCipherMode.ECB, PaddingMethod.None)), s_alice, true),
            (Operation.Encrypt, CipherPayload(key, data, parameters: Params(BlockCipherMode.ECB, PaddingMethod.PKCS5, alg: CryptographicAlgorithm.AES)), s_alice, true),
            (Operation.Encrypt, CipherPayload(cbcKey, data, iv16), s_alice, true),
            (Operation.Encrypt, CipherPayload(cbcKey, data, parameters: Params(BlockCipherMode.ECB)), s_alice, true),
            (Operation.Decrypt, CipherPayload(key, ciphertext, iv12, aad, gcmTag, Params(BlockCipherMode.GCM)), s_alice, true),
            (Operation.Decrypt, CipherPayload(cbcKey, cbcCiphertext, iv16), s_alice, true),
            (Operation.Decrypt, CipherPayload(cbcKey, cbcCiphertext, iv16, tag: [1, 2, 3, 4]), s_alice, true), // a tag a non-AEAD mode ignores
            (Operation.Decrypt, CipherPayload(deactivated, cbcCiphertext, iv16, parameters: Params(BlockCipherMode.CBC, PaddingMethod.None)), s_alice, true),
            // Not served: the tree path answers (errors included).
            (Operation.Decrypt, CipherPayload(key, ciphertext, iv12, aad, gcmTag, Params(BlockCipherMode.GCM)), s_bob, false),
            (Operation.Decrypt, CipherPayload(key, ciphertext, iv12, [1], gcmTag, Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Decrypt, CipherPayload(key, ciphertext, iv12, aad, null, Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Decrypt, CipherPayload(cbcKey, cbcCiphertext[..^1], iv16), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data, [1, 2, 3], parameters: Params(BlockCipherMode.CBC)), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data[..10], iv16, parameters: Params(BlockCipherMode.CBC, PaddingMethod.None)), s_alice, false),
            // Fails inside the cipher after the response has been started (and an IV generated): nothing is committed.
            (Operation.Encrypt, CipherPayload(key, data[..10], parameters: Params(BlockCipherMode.CBC, PaddingMethod.None)), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, tagLength: 3)), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, extra: TtlvElement.Integer(Tag.IVLength, 96))), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, extra: [TtlvElement.Boolean(Tag.RandomIV, true), TtlvElement.Boolean(Tag.RandomIV, true)])), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, null, iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Encrypt, CipherPayload(key, data, iv12, parameters: Params(BlockCipherMode.GCM, alg: CryptographicAlgorithm.DES3)), s_alice, false),
            (Operation.Encrypt, CipherPayload(preActive, data, iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Encrypt, CipherPayload(deactivated, data, iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Encrypt, CipherPayload(stopped, data, iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Decrypt, CipherPayload(notYet, cbcCiphertext, iv16, parameters: Params(BlockCipherMode.CBC, PaddingMethod.PKCS5)), s_alice, false),
            (Operation.Decrypt, CipherPayload(encryptOnly, cbcCiphertext, iv16, parameters: Params(BlockCipherMode.CBC, PaddingMethod.PKCS5)), s_alice, false),
            (Operation.Encrypt, CipherPayload(preActive, data, iv12, parameters: Params(BlockCipherMode.GCM)), s_bob, false),
            (Operation.Encrypt, CipherPayload("no-such-key", data, iv12, parameters: Params(BlockCipherMode.GCM)), s_alice, false),
            (Operation.Encrypt, TtlvElement.Structure(Tag.RequestPayload, TtlvElement.ByteString(Tag.Data, data)), s_alice, false),
        };
        foreach (var version in s_versions)
        {
            foreach (var (op, payload, caller, served) in cases)
                Assert.True((served && version >= KmipVersion.V1_2) == Differential(Message(version, op, payload), caller), $"{version} {op} {payload}"); // Encrypt/Decrypt: 1.2+
        }
        // Multi-part requests are left to the tree path (their Correlation Value is random: compared only for not being served).
        var multiPart = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, data, iv16, parameters: Params(BlockCipherMode.CBC), extra: TtlvElement.Boolean(Tag.InitIndicator, true)));
        var none = new ArrayBufferWriter<byte>();
        Assert.False(FastPath.TryProcess(_t.Engine.Core, multiPart, none, s_alice));
        Assert.Equal(0, none.WrittenCount);
    }

    [Fact]
    public void A_generated_IV_comes_back_and_decrypts_on_either_path()
    {
        string key = CreateActive();
        byte[] data = [.. Enumerable.Range(0, 100).Select(i => (byte)(i * 3))];
        foreach (var mode in new[] { BlockCipherMode.GCM, BlockCipherMode.CBC, BlockCipherMode.CTR })
        {
            var request = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, data, parameters: Params(mode, mode == BlockCipherMode.CBC ? PaddingMethod.PKCS5 : null)));
            var output = new ArrayBufferWriter<byte>();
            Assert.True(FastPath.TryProcess(_t.Engine.Core, request, output, s_alice));
            var fast = TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload)!;
            var tree = _t.Ok(Operation.Encrypt, CipherPayload(key, data, parameters: Params(mode, mode == BlockCipherMode.CBC ? PaddingMethod.PKCS5 : null)));
            Assert.Equal(tree.Children.Select(c => (c.Tag, c.Type, c.Type == ItemType.ByteString ? c.Bytes.Length : 0)),
                fast.Children.Select(c => (c.Tag, c.Type, c.Type == ItemType.ByteString ? c.Bytes.Length : 0)));
            Assert.NotEqual(tree.Find(Tag.IVCounterNonce)!.Bytes, fast.Find(Tag.IVCounterNonce)!.Bytes);
            var back = _t.Ok(Operation.Decrypt, CipherPayload(key, fast.Find(Tag.Data)!.Bytes, fast.Find(Tag.IVCounterNonce)!.Bytes,
                tag: fast.Find(Tag.AuthenticatedEncryptionTag)?.Bytes, parameters: Params(mode, mode == BlockCipherMode.CBC ? PaddingMethod.PKCS5 : null)));
            Assert.Equal(data, back.Find(Tag.Data)!.Bytes);
        }
    }

    [Fact]
    public void A_request_that_differs_from_the_last_one_outside_its_byte_string_values_is_parsed_again()
    {
        // FastPath remembers the last request's parse, keyed by its bytes without the payload's byte-string values. After
        // every single-byte change of a request, the fast path must answer as it does when the memo holds another request.
        string key = CreateActive();
        string other = CreateActive();
        var original = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, new byte[40], new byte[12], [1, 2, 3], parameters: Params(BlockCipherMode.GCM)));
        var unrelated = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(other, new byte[8], parameters: Params(BlockCipherMode.GCM)));
        int served = 0;
        for (int i = 0; i < original.Length; i++)
        {
            var changed = (byte[])original.Clone();
            changed[i] ^= 0x01;
            Assert.True(Fast(original, out _));
            bool afterOriginal = Fast(changed, out var a);
            Assert.True(Fast(unrelated, out _));
            bool afterOther = Fast(changed, out var b);
            Assert.True(afterOriginal == afterOther, $"byte {i}: served {afterOriginal} after the original, {afterOther} after another request");
            Assert.Equal(Comparable(a), Comparable(b));
            served += afterOriginal ? 1 : 0;
        }
        // Served after a change: the bytes of Data, IV and AAD, and a few that leave a valid request (the IV's tag made unknown
        // to the fast path is not one: it falls back).
        Assert.InRange(served, 40 + 12 + 3, original.Length / 2);

        // Same shape, other values: served from the memo, each with its own values, as the tree path answers.
        var sameShape = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, [.. Enumerable.Range(0, 40).Select(i => (byte)i)],
            [.. Enumerable.Repeat((byte)7, 12)], [9, 9, 9], parameters: Params(BlockCipherMode.GCM)));
        Assert.Equal(original.Length, sameShape.Length);
        Assert.True(Differential(original, s_alice));
        Assert.True(Differential(sameShape, s_alice));
        Assert.True(Differential(original, s_alice));
    }

    [Fact]
    public void A_repeated_Encrypt_is_answered_anew_when_the_second_or_the_key_parameters_change()
    {
        // FastPath reuses the last Encrypt response's layout for a request of the same shape; the time stamp and the
        // key's stored parameters (here the tag length) are not part of the request, so they must also match.
        string key = CreateActive(Params(BlockCipherMode.GCM, tagLength: 16));
        var request = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, new byte[24], new byte[12]));
        Assert.True(Differential(request, s_alice));
        Assert.True(Differential(request, s_alice));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Differential(request, s_alice));
        _t.Ok(Operation.ModifyAttribute, Req.Payload(Req.Id(key), TtlvElement.Structure(Tag.NewAttribute, Params(BlockCipherMode.GCM, tagLength: 12))));
        Assert.True(Differential(request, s_alice));
        Assert.True(Fast(request, out var response));
        Assert.Equal(12, TtlvElement.Decode(response).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.AuthenticatedEncryptionTag)!.Bytes.Length);
    }

    private bool Fast(byte[] request, out byte[] response)
    {
        var output = new ArrayBufferWriter<byte>();
        bool served = FastPath.TryProcess(_t.Engine.Core, request, output, s_alice);
        response = output.WrittenSpan.ToArray();
        return served;
    }

    /// <summary>The response bytes, or with a generated IV (random, so the ciphertext and tag too) their lengths only.</summary>
    private static string Comparable(byte[] response)
    {
        if (response.Length == 0) return "";
        var payload = TtlvElement.Decode(response).FindPath(Tag.BatchItem, Tag.ResponsePayload);
        if (payload?.Find(Tag.IVCounterNonce) is null) return Convert.ToHexString(response);
        return string.Join(",", payload.Children.Select(c => c.Type == ItemType.ByteString ? $"{c.Tag}:{c.Bytes.Length}" : c.ToString()));
    }

    private ResultStatus EncryptStatus(byte[] request, CallerIdentity caller, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        _t.Engine.Process(request, output, caller);
        return (ResultStatus)TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResultStatus)!.UInt32;
    }

    [Fact]
    public void An_Encrypt_right_after_a_Revoke_on_the_same_thread_fails()
    {
        // The Encrypts leave the key in this thread's memo (ObjectCache.TryGetUtf8); the Revoke must make it stale.
        string key = CreateActive();
        var request = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, new byte[64], parameters: Params(BlockCipherMode.GCM)));
        var output = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 3; i++) Assert.True(FastPath.TryProcess(_t.Engine.Core, request, output, s_alice));
        _t.Ok(Operation.Revoke, Req.Payload(Req.Id(key), Req.RevokeReason(RevocationReasonCode.Unspecified)));
        output.ResetWrittenCount();
        Assert.False(FastPath.TryProcess(_t.Engine.Core, request, output, s_alice));
        Assert.Equal(0, output.WrittenCount);
        Assert.Equal(ResultStatus.OperationFailed, EncryptStatus(request, s_alice, output));
        Assert.Equal(ResultReason.WrongKeyLifecycleState, (ResultReason)TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResultReason)!.UInt32);
    }

    [Fact]
    public async Task An_Encrypt_that_starts_after_a_Revoke_is_acknowledged_fails()
    {
        // One writer creates and activates a key, lets readers encrypt with it for a while (so each reader thread has it in
        // its memo), revokes it, and only then publishes it as revoked. Readers encrypt with the current key in a loop; an
        // Encrypt that starts after the key was published as revoked must fail.
        string? current = null, revoked = null;
        int violations = 0, checkedEncrypts = 0, succeeded = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var output = new ArrayBufferWriter<byte>();
            string? key = null;
            byte[] request = [];
            while (!stop.IsCancellationRequested)
            {
                string? now = Volatile.Read(ref current);
                if (now is null) continue;
                if (!ReferenceEquals(now, key))
                {
                    key = now;
                    request = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, new byte[64], parameters: Params(BlockCipherMode.GCM)));
                }
                bool revokedBefore = ReferenceEquals(Volatile.Read(ref revoked), key);
                var status = EncryptStatus(request, s_alice, output);
                if (status == ResultStatus.Success) Interlocked.Increment(ref succeeded);
                if (revokedBefore)
                {
                    Interlocked.Increment(ref checkedEncrypts);
                    if (status == ResultStatus.Success) Interlocked.Increment(ref violations);
                }
            }
        })).ToArray();
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 60; i++)
            {
                string key = CreateActive();
                Volatile.Write(ref current, key);
                Thread.Sleep(2);
                _t.Ok(Operation.Revoke, Req.Payload(Req.Id(key), Req.RevokeReason(RevocationReasonCode.Unspecified)));
                Volatile.Write(ref revoked, key);
                Thread.Sleep(1);
            }
            stop.Cancel();
        });
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(0, violations);
        Assert.True(checkedEncrypts > 0 && succeeded > 0, $"{checkedEncrypts} checked, {succeeded} succeeded");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(4096)]
    public void A_warm_AES_GCM_Encrypt_and_Decrypt_allocate_nothing(int size)
    {
        string key = CreateActive();
        byte[] data = new byte[size];
        var encrypt = Message(KmipVersion.V2_1, Operation.Encrypt, CipherPayload(key, data, parameters: Params(BlockCipherMode.GCM)));
        var output = new ArrayBufferWriter<byte>(size + 4096);
        Assert.Equal(0, Measure(encrypt, output));
        var sealedData = TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload)!;
        var decrypt = Message(KmipVersion.V2_1, Operation.Decrypt, CipherPayload(key, sealedData.Find(Tag.Data)!.Bytes, sealedData.Find(Tag.IVCounterNonce)!.Bytes,
            tag: sealedData.Find(Tag.AuthenticatedEncryptionTag)!.Bytes, parameters: Params(BlockCipherMode.GCM)));
        Assert.Equal(0, Measure(decrypt, output));
        Assert.Equal(data, TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.Data)!.Bytes);
    }

    /// <summary>Bytes allocated by this thread over many warm calls of <paramref name="request"/> (after a warm-up).</summary>
    private long Measure(byte[] request, ArrayBufferWriter<byte> output)
    {
        long allocated = SteadyStateAllocation(_t.Engine, request, output, 2000);
        Assert.Equal(ResultStatus.Success, (ResultStatus)TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResultStatus)!.UInt32);
        return allocated;
    }

    private static long SteadyStateAllocation(KmsEngine engine, byte[] request, ArrayBufferWriter<byte> output, int callsPerRound)
        => SteadyStateAllocation(engine, request, output, callsPerRound, out _);

    /// <summary>
    /// The fewest bytes this thread allocated over one round of <paramref name="callsPerRound"/> warm calls, out of up to
    /// five rounds. A per-call allocation shows in every round (at least <paramref name="callsPerRound"/> bytes), while
    /// the runtime's own one-off work on the calling thread (tiered JIT promotion, which a loaded test run delays past
    /// any fixed warm-up) shows in one round only.
    /// </summary>
    private static long SteadyStateAllocation(KmsEngine engine, byte[] request, ArrayBufferWriter<byte> output, int callsPerRound, out int calls)
    {
        calls = 0;
        for (int i = 0; i < 200; i++, calls++)
        {
            output.ResetWrittenCount();
            engine.Process(request, output, s_alice);
        }
        long fewest = long.MaxValue;
        for (int round = 0; round < 5 && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerRound; i++, calls++)
            {
                output.ResetWrittenCount();
                engine.Process(request, output, s_alice);
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}

/// <summary>The cache's install protocol, with a commit forced into the middle of a cache miss's store read.</summary>
public sealed class ObjectCacheTests
{
    /// <summary>A real in-memory store that runs one action right after a read returns (an interleaving point, not a fake).</summary>
    private sealed class InterleavingStore(IObjectStore inner) : IObjectStore
    {
        public Action? AfterNextRead;

        public bool TryRead(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ObjectRecord? record)
        {
            bool found = inner.TryRead(id, out record);
            var action = AfterNextRead;
            AfterNextRead = null;
            action?.Invoke();
            return found;
        }

        /// <summary>Runs once, after the store applied the next commit and before the commit returns to the cache.</summary>
        public Action? AfterNextCommit;

        public ValueTask<CommitStatus> CommitAsync(IReadOnlyList<ObjectWrite> writes)
        {
            var status = inner.CommitAsync(writes);
            var action = AfterNextCommit;
            AfterNextCommit = null;
            action?.Invoke();
            return status;
        }

        public IReadOnlyList<string> FindByTerms(IReadOnlyList<string> terms) => inner.FindByTerms(terms);
        public long Count => inner.Count;
        public bool IsHealthy() => inner.IsHealthy();
        public void Dispose() => inner.Dispose();
    }

    private static ManagedObject Key(string id, long version, string owner) => new()
    {
        Id = id,
        ObjectType = ObjectType.SymmetricKey,
        Owner = owner,
        Version = version,
        Value = Req.RawKey(CryptographicAlgorithm.AES, new byte[32]),
    };

    [Fact]
    public void A_miss_that_raced_a_commit_returns_what_it_read_but_never_installs_it()
    {
        var store = new InterleavingStore(new MemoryObjectStore());
        using var cache = new ObjectCache(store, 100);
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 0, "alice"))]));

        // The miss reads version 1; before it can install, a commit changes the owner (version 2).
        store.AfterNextRead = () => Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 1, "bob"))]));
        Assert.True(cache.TryGet("k", out var raced));
        Assert.Equal("alice", raced.Object.Owner);
        Assert.Equal(0, cache.CachedCount);

        // The next read goes to the store, sees version 2 and installs it; a hit then returns it without a read.
        Assert.True(cache.TryGet("k", out var current));
        Assert.Equal("bob", current.Object.Owner);
        Assert.Equal(1, cache.CachedCount);
        store.AfterNextRead = () => Assert.Fail("a hit must not read the store");
        Assert.True(cache.TryGet("k", out var hit));
        Assert.Same(current, hit);
        store.AfterNextRead = null;

        // A commit drops the entry; a deleted object is not found.
        Assert.Equal(CommitStatus.Committed, cache.Commit([new ObjectWrite("k", 2, null, [])]));
        Assert.Equal(0, cache.CachedCount);
        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void A_conflicting_commit_still_drops_the_entry()
    {
        using var cache = new ObjectCache(new MemoryObjectStore(), 100);
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 0, "alice"))]));
        Assert.True(cache.TryGet("k", out _));
        Assert.Equal(1, cache.CachedCount);
        Assert.Equal(CommitStatus.Conflict, cache.Commit([ObjectCodec.ToWrite(Key("k", 7, "bob"))]));
        Assert.Equal(0, cache.CachedCount);
        Assert.True(cache.TryGet("k", out var again));
        Assert.Equal("alice", again.Object.Owner);
    }

    [Fact]
    public void The_thread_memo_serves_a_repeated_lookup_until_a_commit_changes_the_object()
    {
        var store = new InterleavingStore(new MemoryObjectStore());
        using var cache = new ObjectCache(store, 1);
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 0, "alice")), ObjectCodec.ToWrite(Key("j", 0, "alice"))]));
        Assert.True(cache.TryGetUtf8("k"u8, out var first));
        Assert.True(cache.TryGetUtf8("j"u8, out _)); // the cache is full: installing j empties it
        Assert.Equal(1, cache.CachedCount);

        // k is no longer in the dictionary, but this thread remembers it: no store read.
        store.AfterNextRead = () => Assert.Fail("a memo hit must not read the store");
        Assert.True(cache.TryGetUtf8("k"u8, out var memo));
        Assert.Same(first, memo);
        store.AfterNextRead = null;

        // A commit makes the memo stale: the next lookup reads the store.
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 1, "bob"))]));
        Assert.True(cache.TryGetUtf8("k"u8, out var changed));
        Assert.Equal("bob", changed.Object.Owner);
        Assert.Equal(CommitStatus.Committed, cache.Commit([new ObjectWrite("k", changed.Object.Version, null, [])]));
        Assert.False(cache.TryGetUtf8("k"u8, out _));
        Assert.False(cache.TryGetUtf8(""u8, out _));
        Assert.False(cache.TryGetUtf8(new byte[ObjectCache.MaxIdBytes + 1], out _));
    }

    [Fact]
    public void A_lookup_while_a_commit_is_under_way_reads_the_store_not_the_memo()
    {
        // Once the store holds the new object, a reader may see it there; a memo of the old one must not be served
        // after that, even before the commit returns (the stripe has a writer and a new generation).
        var store = new InterleavingStore(new MemoryObjectStore());
        using var cache = new ObjectCache(store, 100);
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 0, "alice"))]));
        Assert.True(cache.TryGetUtf8("k"u8, out _));
        Assert.True(cache.TryGetUtf8("k"u8, out var remembered));
        Assert.Equal("alice", remembered.Object.Owner);
        string? seen = null;
        store.AfterNextCommit = () => seen = cache.TryGetUtf8("k"u8, out var during) ? during.Object.Owner : "none";
        Assert.Equal(CommitStatus.Committed, cache.Commit([ObjectCodec.ToWrite(Key("k", 1, "bob"))]));
        Assert.Equal("bob", seen);
        Assert.True(cache.TryGetUtf8("k"u8, out var after));
        Assert.Equal("bob", after.Object.Owner);
    }

    [Fact]
    public void Each_cache_has_its_own_memos_on_a_thread()
    {
        using var a = new ObjectCache(new MemoryObjectStore(), 100);
        using var b = new ObjectCache(new MemoryObjectStore(), 100);
        Assert.Equal(CommitStatus.Committed, a.Commit([ObjectCodec.ToWrite(Key("k", 0, "alice"))]));
        Assert.Equal(CommitStatus.Committed, b.Commit([ObjectCodec.ToWrite(Key("k", 0, "bob"))]));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(a.TryGetUtf8("k"u8, out var fromA));
            Assert.True(b.TryGetUtf8("k"u8, out var fromB));
            Assert.Equal("alice", fromA.Object.Owner);
            Assert.Equal("bob", fromB.Object.Owner);
        }
    }
}
