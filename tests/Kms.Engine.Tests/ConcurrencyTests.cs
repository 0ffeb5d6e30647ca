using System.Collections.Concurrent;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TestEngine _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void Many_threads_on_one_object_keep_the_invariants()
    {
        var material = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var id = _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(TtlvElement.DateTime(Tag.ActivationDate, DateTimeOffset.UtcNow.AddMinutes(-1))), Req.RawKey(CryptographicAlgorithm.AES, material))).Find(Tag.UniqueIdentifier)!.Text;

        const int threads = 8, rounds = 40;
        var addedGroups = new ConcurrentBag<string>();
        var destroyWins = 0;
        var unexpected = new ConcurrentBag<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(n => new Thread(() =>
        {
            start.SignalAndWait();
            for (int r = 0; r < rounds; r++)
            {
                switch ((n + r) % 4)
                {
                    case 0:
                        var group = $"g-{n}-{r}";
                        var add = _t.Call(Operation.AddAttribute, Req.Payload(Req.Id(id), TtlvElement.Structure(Tag.NewAttribute, TtlvElement.TextString(Tag.ObjectGroup, group))));
                        if (add.Status == ResultStatus.Success) addedGroups.Add(group);
                        else if (add.Reason != ResultReason.WrongKeyLifecycleState) unexpected.Add($"add {add.Reason}");
                        break;
                    case 1:
                        var get = _t.Call(Operation.Get, Req.Payload(Req.Id(id)));
                        if (get.Status == ResultStatus.Success)
                        {
                            if (!get.Payload!.FindPath(Tag.SymmetricKey, Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial)!.Bytes.AsSpan().SequenceEqual(material)) unexpected.Add("get bytes");
                        }
                        else if (get.Reason != ResultReason.ObjectDestroyed) unexpected.Add($"get {get.Reason}");
                        break;
                    case 2:
                        var revoke = _t.Call(Operation.Revoke, Req.Payload(Req.Id(id), Req.RevokeReason(RevocationReasonCode.CessationOfOperation)));
                        if (revoke.Status != ResultStatus.Success && revoke.Reason != ResultReason.WrongKeyLifecycleState) unexpected.Add($"revoke {revoke.Reason}");
                        break;
                    case 3:
                        var destroy = _t.Call(Operation.Destroy, Req.Payload(Req.Id(id)));
                        if (destroy.Status == ResultStatus.Success) Interlocked.Increment(ref destroyWins);
                        else if (destroy.Reason is not (ResultReason.WrongKeyLifecycleState or ResultReason.ObjectDestroyed)) unexpected.Add($"destroy {destroy.Reason}");
                        break;
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Empty(unexpected);
        Assert.Equal(1, destroyWins);
        var attrs = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id))).Find(Tag.Attributes)!;
        Assert.Equal((uint)State.Destroyed, attrs.Find(Tag.State)!.UInt32);
        Assert.NotNull(attrs.Find(Tag.DeactivationDate));
        // No acknowledged Add Attribute was lost.
        var groups = attrs.FindAll(Tag.ObjectGroup).Select(g => g.Text).ToHashSet();
        Assert.Subset(groups, addedGroups.ToHashSet());
        Assert.Equal(addedGroups.Count, groups.Count);
        _t.Fails(ResultReason.ObjectDestroyed, Operation.Get, Req.Payload(Req.Id(id)));
    }

    [Fact]
    public void Objects_survive_an_engine_restart_on_the_same_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kms-engine-restart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var keyFile = Path.Combine(dir, "master.key");
        File.WriteAllText(keyFile, Convert.ToHexString(Enumerable.Repeat((byte)3, 32).ToArray()));
        var options = new EngineOptions { DataDirectory = Path.Combine(dir, "data"), MasterKeyFile = keyFile };
        var caller = new CallerIdentity("alice", "socket", null);
        try
        {
            string id;
            using (var engine = KmsEngine.Open(options))
            {
                var output = new System.Buffers.ArrayBufferWriter<byte>();
                engine.Process(Req.Message(Req.V2, [(Operation.Create, Req.CreateAes(256, Req.Tags("persist")))]).ToBytes(), output, caller);
                id = TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.UniqueIdentifier)!.Text;
                engine.Access.Grant(caller, id, "bob", [Access.Permission.Get]);
                Assert.True(engine.IsHealthy());
            }
            using (var engine = KmsEngine.Open(options))
            {
                var output = new System.Buffers.ArrayBufferWriter<byte>();
                engine.Process(Req.Message(Req.V2, [(Operation.Locate, Req.Payload(Req.Attrs(Req.Tags("persist"))))]).ToBytes(), output, caller);
                Assert.Equal(id, TtlvElement.Decode(output.WrittenSpan).FindPath(Tag.BatchItem, Tag.ResponsePayload, Tag.UniqueIdentifier)!.Text);
                Assert.Equal(id, Assert.Single(engine.Access.Obtained(new CallerIdentity("bob", "http", null))).Id);
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
