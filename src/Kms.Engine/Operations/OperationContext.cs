using Kms.Engine.Access;
using Kms.Engine.Model;
using Kms.Engine.Storage;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>One KMIP operation: reads its request payload, works on the unit of work, returns the response payload.</summary>
internal interface IKmipOperation
{
    Operation Operation { get; }

    /// <summary>Runs the operation; failures are thrown as <see cref="KmipFault"/>.</summary>
    TtlvElement Execute(OperationContext context, TtlvElement payload);
}

/// <summary>Batch-wide state shared by the items of one request message (KMIP 2.1 §6 ID Placeholder).</summary>
internal sealed class BatchState
{
    /// <summary>The ID Placeholder: set by Create, Register, Locate (single result), Recover…; empty = null.</summary>
    public string? IdPlaceholder { get; set; }
}

/// <summary>Everything an operation needs for one batch item.</summary>
internal sealed class OperationContext(EngineCore engine, CallerIdentity caller, KmipVersion version, UnitOfWork work, BatchState batch, long now)
{
    public EngineCore Engine { get; } = engine;
    public CallerIdentity Caller { get; } = caller;
    public KmipVersion Version { get; } = version;
    public bool Is1x => Version.Major < 2;
    public UnitOfWork Work { get; } = work;
    public BatchState Batch { get; } = batch;

    /// <summary>"Now" for this batch item, POSIX seconds.</summary>
    public long Now { get; } = now;

    /// <summary>The object the item worked on, for the audit entry.</summary>
    public string? UniqueIdentifier { get; set; }

    /// <summary>
    /// The Unique Identifier of a request payload: a Text String, or (absent / 2.x Enumeration
    /// IDPlaceholder) the batch's ID Placeholder.
    /// </summary>
    public string ResolveId(TtlvElement payload)
    {
        var uid = payload.Find(Tag.UniqueIdentifier);
        string? id = uid switch
        {
            null => Batch.IdPlaceholder,
            { Type: ItemType.TextString } => uid.Text,
            { Type: ItemType.Enumeration } when !Is1x && uid.UInt32 == (uint)Ttlv.UniqueIdentifier.IDPlaceholder => Batch.IdPlaceholder,
            _ => throw KmipFault.Invalid("Unsupported Unique Identifier form"),
        };
        if (string.IsNullOrEmpty(id)) throw new KmipFault(ResultReason.ObjectNotFound, "No Unique Identifier and no ID Placeholder", ResultReason.ItemNotFound);
        UniqueIdentifier = id;
        return id;
    }

    /// <summary>
    /// Loads an object the caller may act on: the owner always may; anyone else needs
    /// <paramref name="permission"/> (directly or through "*"); <see cref="Permission.None"/> means owner only.
    /// An object the caller may not see at all is reported as not found (no existence oracle); one the
    /// caller can see (holds any grant) but lacks this right for gets Permission Denied.
    /// The lifecycle dates are evaluated first (<see cref="Lifecycle.Refresh"/>).
    /// </summary>
    public ManagedObject Load(string id, Permission permission)
    {
        if (!Work.TryLoad(id, out var obj)) throw NotFound();
        if (!AccessControl.MayAct(obj, Caller.User, permission))
        {
            if (AccessControl.MaySee(obj, Caller.User)) throw KmipFault.Denied();
            throw NotFound();
        }
        Lifecycle.Refresh(obj, Now);
        return obj;
    }

    public static KmipFault NotFound() => KmipFault.NotFound();

    /// <summary>Stages a changed object, stamping Last Change Date.</summary>
    public void Save(ManagedObject obj, bool touch = true)
    {
        if (touch) obj.SetSingle(TtlvElement.DateTime(Tag.LastChangeDate, Now));
        Work.Stage(obj);
    }

    /// <summary>
    /// Stores <paramref name="created"/>, a new object made from <paramref name="source"/> (Derive Key, Re-Key), with
    /// links both ways, makes it the ID Placeholder and returns its payload.
    /// </summary>
    public TtlvElement SaveDerived(ManagedObject created, ManagedObject source, LinkType toSource, LinkType toCreated)
    {
        created.AddInstance(CreateKeyPairOperation.Link(toSource, source.Id));
        source.AddInstance(CreateKeyPairOperation.Link(toCreated, created.Id));
        ObjectBuilder.Finish(this, created);
        Save(created, touch: false);
        Save(source);
        Batch.IdPlaceholder = created.Id;
        UniqueIdentifier = created.Id;
        return PayloadWithId(created.Id);
    }

    /// <summary>A payload with the Unique Identifier first (most responses start with it).</summary>
    public static TtlvElement PayloadWithId(string id, params IEnumerable<TtlvElement> rest)
    {
        var p = TtlvElement.Structure(Tag.ResponsePayload, TtlvElement.TextString(Tag.UniqueIdentifier, id));
        p.Children.AddRange(rest);
        return p;
    }
}
