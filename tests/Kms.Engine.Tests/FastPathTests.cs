using System.Buffers;
using Kms.Engine.Access;
using Kms.Engine.Messages;
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
            MessageProcessor.Process(core, request, fast, caller);
        }
        var tree = new ArrayBufferWriter<byte>();
        MessageProcessor.ProcessTree(core, request, tree, caller);
        Assert.Equal(Convert.ToHexString(tree.WrittenSpan), Convert.ToHexString(fast.WrittenSpan));
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
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, granted, "bob", [Permission.Get]));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, grantedAll, AccessControl.Everyone, [Permission.Get]));
        Assert.Equal(AccessStatus.Ok, _t.Engine.Access.Grant(s_alice, encryptOnly, "bob", [Permission.Encrypt]));
        _t.Ok(Operation.Destroy, Req.Payload(Req.Id(destroyed)));
        _t.Ok(Operation.Archive, Req.Payload(Req.Id(archived)));
        // Served as stored from the second Get on (the first clears Fresh).
        foreach (var id in new[] { plain, granted, grantedAll, encryptOnly, deactivated, created1x }) _t.Ok(Operation.Get, Req.Payload(Req.Id(id)));
        _clock.Advance(TimeSpan.FromSeconds(60)); // 'deactivated' is now past its Deactivation Date

        // A Fresh object is served by the tree path (which clears Fresh with a write), and then by the fast path.
        Assert.False(Differential(GetRequest(KmipVersion.V2_1, fresh), s_alice));
        Assert.True(Differential(GetRequest(KmipVersion.V2_1, fresh), s_alice));

        string[] ids = [plain, granted, grantedAll, encryptOnly, sensitive, locked, destroyed, archived, deactivated, created1x, "no-such-id", "", "ünïcødé-id"];
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
            foreach (var request in ShapeVariants(version, plain)) { served += Differential(request, s_alice) ? 1 : 0; total++; }
        }
        Assert.True(served > 100 && served < total, $"{served} of {total} served by the fast path");
    }

    /// <summary>Message shapes around the served one: some served (fields reordered, correlation value, batch item id), most not.</summary>
    private static IEnumerable<byte[]> ShapeVariants(KmipVersion v, string id)
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

        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Count(), Pv()), Item(Payload(), Op())).ToBytes();
        yield return Msg(Header(Pv(), ccv, Count()), Item(Op(), bid, Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(), ccv), Item(bid, Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(), TtlvElement.TextString(Tag.ClientCorrelationValue, "")), Item(Op(), TtlvElement.ByteString(Tag.UniqueBatchItemID, []), Payload())).ToBytes();
        // Not served: the tree path answers.
        yield return Msg(Header(Pv(), Count(), TtlvElement.Integer(Tag.MaximumResponseSize, 64)), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(), TtlvElement.Integer(Tag.MaximumResponseSize, 100_000)), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(), TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, 3)), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(2)), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(2)), Item(Op(), bid, Payload()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count(), Count()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Pv(), Count()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), ccv, ccv, Count()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Op(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload(), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload(Req.Id(id)))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Boolean(Tag.Ephemeral, true), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.Raw)))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyFormatType, (uint)KeyFormatType.TransparentSymmetricKey)))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), Payload(TtlvElement.Enumeration(Tag.KeyCompressionType, 1)))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Structure(Tag.RequestPayload, TtlvElement.Enumeration(Tag.UniqueIdentifier, 1)))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(), TtlvElement.Structure(Tag.RequestPayload))).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op(Operation.GetAttributes), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(Op((Operation)0x7777), Payload())).ToBytes();
        yield return Msg(Header(Pv(), Count()), Item(TtlvElement.Integer(Tag.Operation, 10), Payload())).ToBytes();
        yield return Msg(Header(Pv()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(Count()), Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMajor, 3), TtlvElement.Integer(Tag.ProtocolVersionMinor, 0)), Count()),
            Item(Op(), Payload())).ToBytes();
        yield return Msg(Header(TtlvElement.Structure(Tag.ProtocolVersion, TtlvElement.Integer(Tag.ProtocolVersionMinor, v.Minor), TtlvElement.Integer(Tag.ProtocolVersionMajor, v.Major)), Count()),
            Item(Op(), Payload())).ToBytes();
        yield return TtlvElement.Structure(Tag.RequestMessage, Item(Op(), Payload()), Header(Pv(), Count())).ToBytes();
        yield return TtlvElement.Structure(Tag.ResponseMessage, Header(Pv(), Count()), Item(Op(), Payload())).ToBytes();
        var good = Msg(Header(Pv(), Count()), Item(Op(), Payload())).ToBytes();
        yield return [.. good, .. good]; // trailing data
        yield return good[..^8]; // truncated
        var badPadding = (byte[])good.Clone();
        badPadding[^1] = 0xFF; // padding of the id must be zero (ids here are not a multiple of 8 long)
        yield return badPadding;
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
            for (int i = 0; i < 200; i++)
            {
                output.ResetWrittenCount();
                _t.Engine.Process(request, output, s_alice);
            }
            const int Calls = 5000;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++)
            {
                output.ResetWrittenCount();
                _t.Engine.Process(request, output, s_alice);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
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
        for (int i = 0; i < 200; i++)
        {
            output.ResetWrittenCount();
            t.Engine.Process(request, output, s_alice);
        }
        int audited = audit.Count;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            output.ResetWrittenCount();
            t.Engine.Process(request, output, s_alice);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(audited + 2000, audit.Count);
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
}
