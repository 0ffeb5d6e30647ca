using System.Buffers;
using System.Diagnostics;
using Kms.Engine.Model;
using Kms.Engine.Operations;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Messages;

/// <summary>
/// The message layer (KMIP 2.1 §8–9, 1.4 §6–7): decodes a Request Message, checks the header and the
/// batch, runs each batch item as a unit of work, and encodes the Response Message in the request's
/// protocol version.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Protocol version: major 1 and 2 are served; a newer minor of a known major is answered as the
/// newest known minor of that major; any other major gets an Invalid Message response whose batch item has
/// no Operation (KMIP 1.4 §11.1).</item>
/// <item>Batch Count must equal the number of Batch Items and be 1..<see cref="TtlvLimits.MaxBatchCount"/>.</item>
/// <item>Batch Error Continuation Option: Stop (default) — items after a failure are not run and get
/// Operation Failed / Operation Canceled By Requester; Continue — every item runs; Undo — the whole batch is
/// one unit of work committed at the end: on a failure nothing is applied, earlier items get Operation
/// Undone (with the payload they produced) and later items Operation Canceled By Requester.</item>
/// <item>Batch Order Option: items always run in request order, which satisfies both values.</item>
/// <item>Maximum Response Size: when the encoded response exceeds it, every item that carried a payload
/// fails with Response Too Large instead.</item>
/// </list>
/// </remarks>
internal static class MessageProcessor
{
    private const int MaxResultMessage = 256;

    private sealed class ItemResult
    {
        public Operation? Operation;
        public byte[]? BatchItemId;
        public ResultStatus Status;
        public ResultReason? Reason;
        public string? Message;
        public TtlvElement? Payload;
        public string? UniqueIdentifier;
        public TimeSpan Duration;
    }

    /// <summary>
    /// Processes one Request Message. <paramref name="request"/> is decoded before this method returns (the caller may
    /// reuse it then); the returned task completes once the response is written to <paramref name="output"/>, after
    /// every change of the message is durable. It completes synchronously when nothing had to be committed.
    /// </summary>
    public static ValueTask<MessageOutcome> ProcessAsync(EngineCore engine, ReadOnlySpan<byte> request, IBufferWriter<byte> output, CallerIdentity caller)
        => FastPath.TryProcess(engine, request, output, caller) ? new(MessageOutcome.Answered) : ProcessTreeAsync(engine, request, output, caller);

    /// <summary>The reference path: the whole message as a tree, any shape (the fast path must answer byte for byte as this does).</summary>
    internal static ValueTask<MessageOutcome> ProcessTreeAsync(EngineCore engine, ReadOnlySpan<byte> request, IBufferWriter<byte> output, CallerIdentity caller)
    {
        var limits = engine.Options.Limits;
        long now = engine.NowSeconds;
        if (request.Length > limits.MaxMessageSize || !TtlvElement.TryDecode(request, out var root, out _, out _, limits.MaxDepth))
        {
            WriteInvalidMessage(output, KmipVersion.V1_0, now, "Malformed request message", caller, engine);
            return new(MessageOutcome.CodecError);
        }
        if (root.Tag != Tag.RequestMessage || root.Type != ItemType.Structure)
        {
            WriteInvalidMessage(output, KmipVersion.V1_0, now, "Not a request message", caller, engine);
            return new(MessageOutcome.Answered);
        }

        var header = root.Find(Tag.RequestHeader);
        var pv = header?.Find(Tag.ProtocolVersion);
        var major = pv?.Find(Tag.ProtocolVersionMajor);
        var minor = pv?.Find(Tag.ProtocolVersionMinor);
        if (header is null || major is not { Type: ItemType.Integer } || minor is not { Type: ItemType.Integer })
        {
            WriteInvalidMessage(output, KmipVersion.V1_0, now, "Missing protocol version", caller, engine);
            return new(MessageOutcome.Answered);
        }
        var requested = new KmipVersion(major.Int32, minor.Int32);
        if (!TryServe(requested, out var version))
        {
            WriteInvalidMessage(output, KmipVersion.V2_1, now, "Unsupported protocol version", caller, engine);
            return new(MessageOutcome.Answered);
        }

        var items = new List<TtlvElement>(1);
        foreach (var c in root.Children) if (c.Tag == Tag.BatchItem) items.Add(c);
        var batchCount = header.Find(Tag.BatchCount);
        if (batchCount is not { Type: ItemType.Integer } || batchCount.Int32 != items.Count || items.Count == 0 || items.Count > limits.MaxBatchCount)
        {
            WriteInvalidMessage(output, version, now, "Batch Count does not match the batch items", caller, engine);
            return new(MessageOutcome.Answered);
        }

        var option = BatchErrorContinuationOption.Stop;
        if (header.Find(Tag.BatchErrorContinuationOption) is { } bec)
        {
            if (bec.Type != ItemType.Enumeration || bec.UInt32 is < 1 or > 3)
            {
                WriteInvalidMessage(output, version, now, "Invalid Batch Error Continuation Option", caller, engine);
                return new(MessageOutcome.Answered);
            }
            option = (BatchErrorContinuationOption)bec.UInt32;
        }
        int? maxResponseSize = header.Find(Tag.MaximumResponseSize) is { Type: ItemType.Integer } mrs ? mrs.Int32 : null;

        return RunAsync(engine, caller, version, header, items, option, maxResponseSize, output);
    }

    // The batch runs in one async method (each item, then the response): a durable change then costs one suspended
    // state machine and one continuation, not one per level.
    private static ValueTask<MessageOutcome> RunAsync(EngineCore engine, CallerIdentity caller, KmipVersion version, TtlvElement header,
        List<TtlvElement> items, BatchErrorContinuationOption option, int? maxResponseSize, IBufferWriter<byte> output)
    {
        var reply = new Reply(engine, caller, version, header, maxResponseSize, output);
        return option == BatchErrorContinuationOption.Undo
            ? RunUndoAsync(reply, items)
            : RunEachAsync(reply, items, option == BatchErrorContinuationOption.Continue);
    }

    /// <summary>Where and how the results of a batch are answered.</summary>
    private readonly record struct Reply(EngineCore Engine, CallerIdentity Caller, KmipVersion Version, TtlvElement Header,
        int? MaxResponseSize, IBufferWriter<byte> Output);

    // Audits the items and writes the response message.
    private static MessageOutcome Respond(in Reply reply, List<ItemResult> results)
    {
        var engine = reply.Engine;
        foreach (var r in results) Audit(engine, reply.Caller, r);

        var response = BuildResponse(reply.Version, engine.NowSeconds, reply.Header, results);
        if (reply.MaxResponseSize is { } max && response.EncodedLength() > max)
        {
            foreach (var r in results)
            {
                if (r.Payload is null) continue;
                r.Payload = null;
                r.Status = ResultStatus.OperationFailed;
                r.Reason = ResultReason.ResponseTooLarge;
                r.Message = "Response exceeds Maximum Response Size";
            }
            response = BuildResponse(reply.Version, engine.NowSeconds, reply.Header, results);
        }
        response.WriteTo(reply.Output);
        return MessageOutcome.Answered;
    }

    internal static bool TryServe(KmipVersion requested, out KmipVersion version)
    {
        switch (requested.Major)
        {
            case 1 when requested.Minor >= 0:
                version = requested.Minor > 4 ? KmipVersion.V1_4 : requested;
                return true;
            case 2 when requested.Minor >= 0:
                version = requested.Minor > 1 ? KmipVersion.V2_1 : requested;
                return true;
            default:
                version = default;
                return false;
        }
    }

    private static async ValueTask<MessageOutcome> RunEachAsync(Reply reply, List<TtlvElement> items, bool continueOnError)
    {
        var (engine, caller, version) = (reply.Engine, reply.Caller, reply.Version);
        var batch = new BatchState();
        var results = new List<ItemResult>(items.Count);
        bool stopped = false;
        foreach (var item in items)
        {
            if (stopped)
            {
                results.Add(Canceled(item));
                continue;
            }
            var start = Stopwatch.GetTimestamp();
            ItemResult r = null!;
            for (int attempt = 0; attempt < EngineCore.MaxCommitAttempts; attempt++)
            {
                var work = new UnitOfWork(engine.Store);
                var saved = batch.IdPlaceholder;
                r = RunItem(engine, caller, version, item, work, batch);
                if (r.Status != ResultStatus.Success) break;
                CommitStatus? status;
                try
                {
                    status = await work.CommitAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (IsStoreFailure(e))
                {
                    status = null;
                }
                if (status == CommitStatus.Committed) break;
                if (status is null)
                {
                    batch.IdPlaceholder = saved;
                    r = Failed(item, ResultReason.GeneralFailure, "Storage failure");
                    break;
                }
                batch.IdPlaceholder = saved;
                r = Failed(item, ResultReason.GeneralFailure, "Too many concurrent changes; retry");
            }
            r.Duration = Stopwatch.GetElapsedTime(start);
            results.Add(r);
            if (r.Status != ResultStatus.Success && !continueOnError) stopped = true;
        }
        return Respond(reply, results);
    }

    private static async ValueTask<MessageOutcome> RunUndoAsync(Reply reply, List<TtlvElement> items)
    {
        var (engine, caller, version) = (reply.Engine, reply.Caller, reply.Version);
        for (int attempt = 0; ; attempt++)
        {
            var start = Stopwatch.GetTimestamp();
            var batch = new BatchState();
            var work = new UnitOfWork(engine.Store);
            var results = new List<ItemResult>(items.Count);
            int failedAt = -1;
            for (int i = 0; i < items.Count; i++)
            {
                if (failedAt >= 0)
                {
                    results.Add(Canceled(items[i]));
                    continue;
                }
                var itemStart = Stopwatch.GetTimestamp();
                var r = RunItem(engine, caller, version, items[i], work, batch);
                r.Duration = Stopwatch.GetElapsedTime(itemStart);
                results.Add(r);
                if (r.Status != ResultStatus.Success) failedAt = i;
            }
            if (failedAt >= 0)
            {
                for (int i = 0; i < failedAt; i++)
                {
                    results[i].Status = ResultStatus.OperationUndone;
                    results[i].Reason = null;
                    results[i].Message = null;
                }
                return Respond(reply, results);
            }
            CommitStatus? status;
            try
            {
                status = await work.CommitAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                status = null;
            }
            if (status == CommitStatus.Committed) return Respond(reply, results);
            if (status is null || attempt + 1 >= EngineCore.MaxCommitAttempts)
            {
                foreach (var r in results)
                {
                    r.Status = ResultStatus.OperationFailed;
                    r.Reason = ResultReason.GeneralFailure;
                    r.Message = status is null ? "Storage failure" : "Too many concurrent changes; retry";
                    r.Payload = null;
                    r.Duration = Stopwatch.GetElapsedTime(start);
                }
                return Respond(reply, results);
            }
        }
    }

    private static ItemResult RunItem(EngineCore engine, CallerIdentity caller, KmipVersion version, TtlvElement item, UnitOfWork work, BatchState batch)
    {
        var r = new ItemResult();
        var opElement = item.Find(Tag.Operation);
        r.BatchItemId = item.Find(Tag.UniqueBatchItemID) is { Type: ItemType.ByteString } id ? id.Bytes : null;
        if (item.Type != ItemType.Structure || opElement is not { Type: ItemType.Enumeration })
            return Fail(r, ResultReason.InvalidMessage, "Batch item without a valid Operation", version);
        r.Operation = (Operation)opElement.UInt32;
        foreach (var ext in item.Children)
        {
            if (ext.Tag == Tag.MessageExtension && ext.Find(Tag.CriticalityIndicator) is { Bool: true })
                return Fail(r, ResultReason.FeatureNotSupported, "Critical message extension not supported", version);
        }
        if (item.Find(Tag.Ephemeral) is { Bool: true })
            return Fail(r, ResultReason.FeatureNotSupported, "Ephemeral batch items are not supported", version);
        if (!engine.Operations.TryGetValue(r.Operation.Value, out var operation) || !OperationExists(r.Operation.Value, version))
            return Fail(r, ResultReason.OperationNotSupported, "Operation not supported", version);
        var payload = item.Find(Tag.RequestPayload) ?? TtlvElement.Structure(Tag.RequestPayload);
        if (payload.Type != ItemType.Structure) return Fail(r, ResultReason.InvalidMessage, "Request Payload must be a structure", version);

        var context = new OperationContext(engine, caller, version, work, batch, engine.NowSeconds);
        try
        {
            r.Payload = operation.Execute(context, payload);
            r.Status = ResultStatus.Success;
        }
        catch (KmipFault fault)
        {
            r.Status = ResultStatus.OperationFailed;
            r.Reason = Reasons.ForVersion(fault.Reason, fault.Reason1x, version);
            r.Message = fault.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug: never echo exception text (it could hold data); report a General Failure.
            r.Status = ResultStatus.OperationFailed;
            r.Reason = ResultReason.GeneralFailure;
            r.Message = "Internal error";
        }
        r.UniqueIdentifier = context.UniqueIdentifier;
        return r;
    }

    /// <summary>
    /// Whether a commit's exception is a store failure (e.g. a record over the store's size bound), reported as a General
    /// Failure, never an exception out of Process. (Caught where the commit is awaited: a wrapping async method would
    /// cost every durable change one more continuation.)
    /// </summary>
    private static bool IsStoreFailure(Exception e) => e is ArgumentException or InvalidOperationException or IOException;

    /// <summary>Whether <paramref name="operation"/> exists in <paramref name="version"/> (an unknown value is left to the operation table).</summary>
    internal static bool OperationExists(Operation operation, KmipVersion version)
    {
        uint value = (uint)operation;
        var info = value < (uint)s_operationsByValue.Length ? s_operationsByValue[value] : s_operations?.Find(value);
        return info is null || info.ExistsIn(version);
    }

    private static readonly EnumInfo? s_operations = KmipNames.EnumerationFor(Tag.Operation);

    // The standard operations (values 1..63) by value, so that every request (the fast path's too) skips the dictionary lookup.
    private static readonly EnumValueInfo?[] s_operationsByValue = OperationsByValue(64);

    private static EnumValueInfo?[] OperationsByValue(int count)
    {
        var table = new EnumValueInfo?[count];
        for (uint v = 0; v < count; v++) table[v] = s_operations?.Find(v);
        return table;
    }

    private static ItemResult Fail(ItemResult r, ResultReason reason, string message, KmipVersion version)
    {
        r.Status = ResultStatus.OperationFailed;
        r.Reason = Reasons.ForVersion(reason, null, version);
        r.Message = message;
        return r;
    }

    private static ItemResult Failed(TtlvElement item, ResultReason reason, string message) => new()
    {
        Operation = item.Find(Tag.Operation) is { Type: ItemType.Enumeration } op ? (Operation)op.UInt32 : null,
        BatchItemId = item.Find(Tag.UniqueBatchItemID) is { Type: ItemType.ByteString } id ? id.Bytes : null,
        Status = ResultStatus.OperationFailed,
        Reason = reason,
        Message = message,
    };

    private static ItemResult Canceled(TtlvElement item) => Failed(item, ResultReason.OperationCanceledByRequester, "Not processed: an earlier batch item failed");

    private static TtlvElement BuildResponse(KmipVersion version, long now, TtlvElement requestHeader, List<ItemResult> results)
    {
        var batchCount = results.Count == 1 ? s_oneItem : TtlvElement.Integer(Tag.BatchCount, results.Count);
        var header = version >= KmipVersion.V1_4 && requestHeader.Find(Tag.ClientCorrelationValue) is { Type: ItemType.TextString } ccv
            ? TtlvElement.Structure(Tag.ResponseHeader, ProtocolVersion(version), TtlvElement.DateTime(Tag.TimeStamp, now), ccv, batchCount)
            : TtlvElement.Structure(Tag.ResponseHeader, ProtocolVersion(version), TtlvElement.DateTime(Tag.TimeStamp, now), batchCount);
        var message = TtlvElement.Structure(Tag.ResponseMessage, header);
        foreach (var r in results)
        {
            var bi = TtlvElement.Structure(Tag.BatchItem);
            if (r.Operation is { } op) bi.Children.Add((uint)op < (uint)s_operationItems.Length ? s_operationItems[(int)op] : TtlvElement.Enumeration(Tag.Operation, (uint)op));
            if (r.BatchItemId is { } id) bi.Children.Add(TtlvElement.ByteString(Tag.UniqueBatchItemID, id));
            bi.Children.Add(r.Status == ResultStatus.Success ? s_success : TtlvElement.Enumeration(Tag.ResultStatus, (uint)r.Status));
            if (r.Reason is { } reason) bi.Children.Add(TtlvElement.Enumeration(Tag.ResultReason, (uint)reason));
            if (r.Message is { } msg) bi.Children.Add(TtlvElement.TextString(Tag.ResultMessage, msg.Length > MaxResultMessage ? msg[..MaxResultMessage] : msg));
            // Undone items keep the payload they produced (BL-M-2-21).
            if (r.Status is ResultStatus.Success or ResultStatus.OperationUndone) bi.Children.Add(r.Payload ?? TtlvElement.Structure(Tag.ResponsePayload));
            message.Children.Add(bi);
        }
        return message;
    }

    // Items most responses share, made once: a response tree is encoded and dropped, never changed after it is built.
    private static readonly TtlvElement s_oneItem = TtlvElement.Integer(Tag.BatchCount, 1);
    private static readonly TtlvElement s_success = TtlvElement.Enumeration(Tag.ResultStatus, (uint)ResultStatus.Success);
    private static readonly TtlvElement[] s_operationItems = [.. Enumerable.Range(0, 64).Select(op => TtlvElement.Enumeration(Tag.Operation, (uint)op))];
    private static readonly TtlvElement[] s_protocolVersions = [.. Enumerable.Range(0, 5).Select(minor => NewProtocolVersion(new(1, minor))),
        .. Enumerable.Range(0, 2).Select(minor => NewProtocolVersion(new(2, minor)))];

    // The versions served are 1.0–1.4 and 2.0–2.1 (TryServe).
    private static TtlvElement ProtocolVersion(KmipVersion v) => v.Major switch
    {
        1 when v.Minor is >= 0 and <= 4 => s_protocolVersions[v.Minor],
        2 when v.Minor is >= 0 and <= 1 => s_protocolVersions[5 + v.Minor],
        _ => NewProtocolVersion(v),
    };

    private static TtlvElement NewProtocolVersion(KmipVersion v) => TtlvElement.Structure(Tag.ProtocolVersion,
        TtlvElement.Integer(Tag.ProtocolVersionMajor, v.Major), TtlvElement.Integer(Tag.ProtocolVersionMinor, v.Minor));

    private static void WriteInvalidMessage(IBufferWriter<byte> output, KmipVersion version, long now, string message, CallerIdentity caller, EngineCore engine)
    {
        var r = new ItemResult { Status = ResultStatus.OperationFailed, Reason = ResultReason.InvalidMessage, Message = message };
        Audit(engine, caller, r);
        BuildResponse(version, now, TtlvElement.Structure(Tag.RequestHeader), [r]).WriteTo(output);
    }

    private static void Audit(EngineCore engine, CallerIdentity caller, ItemResult r)
    {
        engine.Options.Audit?.Record(new AuditEntry(engine.Options.Clock.GetUtcNow(), caller, r.Operation, r.UniqueIdentifier, r.Status, r.Reason, r.Duration));
    }
}
