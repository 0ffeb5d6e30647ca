using Kms.Engine.Model;

namespace Kms.Engine.Storage;

/// <summary>
/// Staged changes of one batch item (or of a whole batch under Batch Error Continuation Option Undo):
/// reads see the staged objects first, then the store; <see cref="Commit"/> applies every staged object
/// in one atomic <see cref="IObjectStore.CommitAsync"/> with the versions that were read (optimistic
/// concurrency: a conflict means nothing was applied and the caller re-runs the work).
/// </summary>
internal sealed class UnitOfWork(IObjectStore store)
{
    private readonly Dictionary<string, ManagedObject> _staged = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public IObjectStore Store => store;

    /// <summary>Reads a private, mutable copy of an object (staged version first).</summary>
    public bool TryLoad(string id, out ManagedObject obj)
    {
        if (_staged.TryGetValue(id, out var staged))
        {
            // Re-decode to hand out an independent copy: a failed item must not leave half-applied edits.
            obj = Copy(staged);
            return true;
        }
        if (store.TryRead(id, out var record))
        {
            obj = ObjectCodec.Deserialize(record);
            return true;
        }
        obj = null!;
        return false;
    }

    /// <summary>Stages <paramref name="obj"/> (a new object has Version 0).</summary>
    public void Stage(ManagedObject obj)
    {
        if (!_staged.ContainsKey(obj.Id)) _order.Add(obj.Id);
        _staged[obj.Id] = Copy(obj);
    }

    /// <summary>Ids matching <paramref name="terms"/>, including staged objects, newest first.</summary>
    public List<string> FindByTerms(IReadOnlyList<string> terms)
    {
        var ids = new List<string>();
        // Staged new objects are the newest of all.
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            var obj = _staged[_order[i]];
            if (obj.Version == 0 && Matches(obj, terms)) ids.Add(obj.Id);
        }
        foreach (var id in store.FindByTerms(terms))
        {
            if (_staged.TryGetValue(id, out var obj) && !Matches(obj, terms)) continue;
            ids.Add(id);
        }
        // Staged changes of existing objects may add new matches.
        foreach (var id in _order)
        {
            var obj = _staged[id];
            if (obj.Version != 0 && Matches(obj, terms) && !ids.Contains(id)) ids.Add(id);
        }
        return ids;
    }

    /// <summary>Applies the staged objects atomically; completes once they are durable.</summary>
    public ValueTask<CommitStatus> CommitAsync()
    {
        if (_staged.Count == 0) return new(CommitStatus.Committed);
        var writes = new List<ObjectWrite>(_order.Count);
        foreach (var id in _order) writes.Add(ObjectCodec.ToWrite(_staged[id]));
        return store.CommitAsync(writes);
    }

    private static bool Matches(ManagedObject obj, IReadOnlyList<string> terms)
    {
        if (terms.Count == 0) return true;
        var have = ObjectCodec.IndexTerms(obj);
        foreach (var t in terms) if (!have.Contains(t)) return false;
        return true;
    }

    private static ManagedObject Copy(ManagedObject obj)
    {
        var record = new ObjectRecord(obj.Id, obj.Version, ObjectCodec.Serialize(obj), [], obj.Sequence);
        return ObjectCodec.Deserialize(record);
    }
}
