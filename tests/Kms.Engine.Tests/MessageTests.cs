using System.Buffers;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

public sealed class MessageTests : IDisposable
{
    private readonly RecordingAudit _audit = new();
    private readonly TestEngine _t;

    public MessageTests() => _t = new TestEngine(audit: _audit);

    public void Dispose() => _t.Dispose();

    private sealed class RecordingAudit : IAuditSink
    {
        public List<AuditEntry> Entries { get; } = [];
        public void Record(in AuditEntry entry) { lock (Entries) Entries.Add(entry); }
    }

    private static List<Item> Items(TtlvElement response) => [.. response.FindAll(Tag.BatchItem).Select(b => new Item(b))];

    private static void AssertInvalidMessage(TtlvElement response)
    {
        Assert.Equal(Tag.ResponseMessage, response.Tag);
        Assert.NotNull(response.FindPath(Tag.ResponseHeader, Tag.TimeStamp));
        var item = Assert.Single(Items(response));
        Assert.Null(item.Operation);
        Assert.Equal(ResultStatus.OperationFailed, item.Status);
        Assert.Equal(ResultReason.InvalidMessage, item.Reason);
    }

    [Fact]
    public void Garbage_truncated_and_wrong_top_level_get_Invalid_Message_and_never_throw()
    {
        AssertInvalidMessage(_t.SendRaw([]));
        AssertInvalidMessage(_t.SendRaw([1, 2, 3, 4, 5, 6, 7, 8, 9]));
        var good = Req.Message(Req.V2, [(Operation.Query, Req.Payload())]).ToBytes();
        for (int cut = 1; cut < good.Length; cut += 7) AssertInvalidMessage(_t.SendRaw(good.AsSpan(0, cut)));
        AssertInvalidMessage(_t.Send(TtlvElement.Structure(Tag.ResponseMessage)));
        AssertInvalidMessage(_t.Send(TtlvElement.Structure(Tag.RequestMessage, TtlvElement.Structure(Tag.RequestHeader))));
        Assert.All(_audit.Entries, e => Assert.Equal(ResultReason.InvalidMessage, e.Reason));
    }

    [Fact]
    public void Oasis_1_1_Get_vector_is_answered_in_1_1()
    {
        // spec/kmip/spec.md §2.1: the 1.1 Get request from the KMIP 1.1 test cases.
        var hex = "42007801000000904200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000004842005c05000000040000000a000000004200790100000030420094070000002434396131636138382d366265612d346662322d623435302d37653538383032633330333800000000";
        var response = _t.SendRaw(Convert.FromHexString(hex));
        Assert.Equal(1, response.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion, Tag.ProtocolVersionMajor)!.Int32);
        Assert.Equal(1, response.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion, Tag.ProtocolVersionMinor)!.Int32);
        var item = Assert.Single(Items(response));
        Assert.Equal(Operation.Get, item.Operation);
        Assert.Equal(ResultReason.ItemNotFound, item.Reason);
    }

    [Fact]
    public void Unsupported_major_version_gets_Invalid_Message_without_Operation()
    {
        var response = _t.Send(Req.Message(new KmipVersion(3, 0), [(Operation.Query, Req.Payload())]));
        AssertInvalidMessage(response);
    }

    [Fact]
    public void Newer_minor_of_a_known_major_is_served_in_the_newest_known_minor()
    {
        var response = _t.Send(Req.Message(new KmipVersion(1, 7), [(Operation.DiscoverVersions, Req.Payload())]));
        Assert.Equal(4, response.FindPath(Tag.ResponseHeader, Tag.ProtocolVersion, Tag.ProtocolVersionMinor)!.Int32);
        Assert.Equal(ResultStatus.Success, Items(response)[0].Status);
    }

    [Fact]
    public void Batch_count_mismatch_and_too_many_items_are_Invalid_Message()
    {
        var msg = Req.Message(Req.V2, [(Operation.Query, Req.Payload()), (Operation.Query, Req.Payload())]);
        msg.Find(Tag.RequestHeader)!.Children.RemoveAll(c => c.Tag == Tag.BatchCount);
        msg.Find(Tag.RequestHeader)!.Children.Add(TtlvElement.Integer(Tag.BatchCount, 3));
        AssertInvalidMessage(_t.Send(msg));

        using var small = new TestEngine(limits: new TtlvLimits { MaxBatchCount = 2 });
        var three = Req.Message(Req.V2, [(Operation.Query, Req.Payload()), (Operation.Query, Req.Payload()), (Operation.Query, Req.Payload())]);
        AssertInvalidMessage(small.Send(three));
    }

    [Fact]
    public void Items_without_operation_and_unsupported_operations_fail_alone()
    {
        var msg = Req.Message(Req.V2, [(Operation.Query, Req.Payload()), (Operation.Poll, Req.Payload())],
            TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Continue));
        msg.Children.Add(TtlvElement.Structure(Tag.BatchItem, TtlvElement.Structure(Tag.RequestPayload)));
        msg.Find(Tag.RequestHeader)!.Children.RemoveAll(c => c.Tag == Tag.BatchCount);
        msg.Find(Tag.RequestHeader)!.Children.Add(TtlvElement.Integer(Tag.BatchCount, 3));
        var items = Items(_t.Send(msg));
        Assert.Equal(ResultStatus.Success, items[0].Status);
        Assert.Equal(ResultReason.OperationNotSupported, items[1].Reason);
        Assert.Null(items[2].Operation);
        Assert.Equal(ResultReason.InvalidMessage, items[2].Reason);
    }

    [Fact]
    public void Response_header_has_time_stamp_batch_count_and_echoes_batch_item_ids()
    {
        var response = _t.Send(Req.Message(Req.V2, [(Operation.Query, Req.Payload()), (Operation.DiscoverVersions, Req.Payload())]));
        var header = response.Find(Tag.ResponseHeader)!;
        Assert.InRange(header.Find(Tag.TimeStamp)!.Number, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
        Assert.Equal(2, header.Find(Tag.BatchCount)!.Int32);
        var items = Items(response);
        Assert.Equal(new byte[] { 0, 0xAB }, items[0].BatchItemId);
        Assert.Equal(new byte[] { 1, 0xAB }, items[1].BatchItemId);
        Assert.Equal(Operation.DiscoverVersions, items[1].Operation);
        Assert.Equal(2, _audit.Entries.Count);
    }

    [Fact]
    public void Id_placeholder_flows_from_Create_to_later_items()
    {
        var response = _t.Send(Req.Message(Req.V2, [
            (Operation.Create, Req.CreateAes()),
            (Operation.Activate, Req.Payload()),
            (Operation.GetAttributes, Req.Payload(TtlvElement.Enumeration(Tag.UniqueIdentifier, (uint)UniqueIdentifier.IDPlaceholder),
                TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State))),
        ]));
        var items = Items(response);
        Assert.All(items, i => Assert.Equal(ResultStatus.Success, i.Status));
        var id = items[0].Payload!.Find(Tag.UniqueIdentifier)!.Text;
        Assert.Equal(id, items[1].Payload!.Find(Tag.UniqueIdentifier)!.Text);
        Assert.Equal((uint)State.Active, items[2].Payload!.FindPath(Tag.Attributes, Tag.State)!.UInt32);
        Assert.Equal(id, _audit.Entries[1].UniqueIdentifier);
    }

    [Fact]
    public void Stop_is_the_default_and_cancels_later_items()
    {
        var items = Items(_t.Send(Req.Message(Req.V2, [
            (Operation.Create, Req.CreateAes()),
            (Operation.Get, Req.Payload(Req.Id("missing"))),
            (Operation.Create, Req.CreateAes()),
        ])));
        Assert.Equal(ResultStatus.Success, items[0].Status);
        Assert.Equal(ResultReason.ObjectNotFound, items[1].Reason);
        Assert.Equal(ResultReason.OperationCanceledByRequester, items[2].Reason);
        // The first Create was committed.
        _t.Ok(Operation.Get, Req.Payload(Req.Id(items[0].Payload!.Find(Tag.UniqueIdentifier)!.Text)));
        Assert.Single(_t.Engine.Access.Owned(new CallerIdentity("alice", "socket", null)));
    }

    [Fact]
    public void Continue_runs_every_item()
    {
        var items = Items(_t.Send(Req.Message(Req.V2, [
            (Operation.Get, Req.Payload(Req.Id("missing"))),
            (Operation.Create, Req.CreateAes()),
        ], TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Continue))));
        Assert.Equal(ResultStatus.OperationFailed, items[0].Status);
        Assert.Equal(ResultStatus.Success, items[1].Status);
    }

    [Fact]
    public void Undo_rolls_back_earlier_items_of_the_batch()
    {
        var existing = _t.Ok(Operation.Create, Req.CreateAes()).Find(Tag.UniqueIdentifier)!.Text;
        var items = Items(_t.Send(Req.Message(Req.V2, [
            (Operation.Create, Req.CreateAes()),
            (Operation.Activate, Req.Payload(Req.Id(existing))),
            (Operation.Get, Req.Payload(Req.Id("missing"))),
            (Operation.Create, Req.CreateAes()),
        ], TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Undo))));
        Assert.Equal(ResultStatus.OperationUndone, items[0].Status);
        Assert.Equal(ResultStatus.OperationUndone, items[1].Status);
        // Undone items keep the payload they produced (BL-M-2-21), but nothing was applied.
        Assert.NotNull(items[0].Payload!.Find(Tag.UniqueIdentifier));
        Assert.Equal(ResultReason.ObjectNotFound, items[2].Reason);
        Assert.Equal(ResultReason.OperationCanceledByRequester, items[3].Reason);
        // Nothing was applied: one object, still Pre-Active.
        Assert.Single(_t.Engine.Access.Owned(new CallerIdentity("alice", "socket", null)));
        var state = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(existing), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State)));
        Assert.Equal((uint)State.PreActive, state.FindPath(Tag.Attributes, Tag.State)!.UInt32);
    }

    [Fact]
    public void Undo_batch_that_succeeds_commits_everything_and_later_items_see_earlier_ones()
    {
        var items = Items(_t.Send(Req.Message(Req.V2, [
            (Operation.Create, Req.CreateAes(256, Req.Name("undo-ok"))),
            (Operation.Activate, Req.Payload()),
            (Operation.Locate, Req.Payload(Req.Attrs(Req.Name("undo-ok")))),
        ], TtlvElement.Enumeration(Tag.BatchErrorContinuationOption, (uint)BatchErrorContinuationOption.Undo))));
        Assert.All(items, i => Assert.Equal(ResultStatus.Success, i.Status));
        var id = items[0].Payload!.Find(Tag.UniqueIdentifier)!.Text;
        Assert.Equal(id, items[2].Payload!.Find(Tag.UniqueIdentifier)!.Text);
        var state = _t.Ok(Operation.GetAttributes, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.AttributeReference, (uint)Tag.State)));
        Assert.Equal((uint)State.Active, state.FindPath(Tag.Attributes, Tag.State)!.UInt32);
    }

    [Fact]
    public void Maximum_Response_Size_gives_Response_Too_Large()
    {
        var id = _t.Ok(Operation.Create, Req.CreateAes()).Find(Tag.UniqueIdentifier)!.Text;
        var msg = Req.Message(Req.V2, [(Operation.Get, Req.Payload(Req.Id(id)))], TtlvElement.Integer(Tag.MaximumResponseSize, 100));
        var item = Assert.Single(Items(_t.Send(msg)));
        Assert.Equal(ResultReason.ResponseTooLarge, item.Reason);
        Assert.Null(item.Payload);
        var big = Req.Message(Req.V2, [(Operation.Get, Req.Payload(Req.Id(id)))], TtlvElement.Integer(Tag.MaximumResponseSize, 100_000));
        Assert.Equal(ResultStatus.Success, Items(_t.Send(big))[0].Status);
    }

    [Fact]
    public void Critical_message_extension_is_Feature_Not_Supported()
    {
        var msg = Req.Message(Req.V2, [(Operation.Query, Req.Payload())]);
        msg.Find(Tag.BatchItem)!.Children.Add(TtlvElement.Structure(Tag.MessageExtension,
            TtlvElement.TextString(Tag.VendorIdentification, "v"), TtlvElement.Boolean(Tag.CriticalityIndicator, true), TtlvElement.Structure(Tag.VendorExtension)));
        Assert.Equal(ResultReason.FeatureNotSupported, Items(_t.Send(msg))[0].Reason);
    }

    [Fact]
    public void Failures_never_carry_key_bytes_or_exception_text()
    {
        var material = Enumerable.Repeat((byte)0x5A, 32).ToArray();
        var id = _t.Ok(Operation.Register, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.RawKey(CryptographicAlgorithm.AES, material))).Find(Tag.UniqueIdentifier)!.Text;
        var output = new ArrayBufferWriter<byte>();
        _t.Engine.Process(Req.Message(Req.V2, [(Operation.Get, Req.Payload(Req.Id(id), TtlvElement.Enumeration(Tag.KeyFormatType, 99)))]).ToBytes(),
            output, new CallerIdentity("alice", "socket", null));
        Assert.True(output.WrittenSpan.IndexOf(material) < 0);
        var item = Items(TtlvElement.Decode(output.WrittenSpan))[0];
        Assert.DoesNotContain("Exception", item.Message);
    }
}
