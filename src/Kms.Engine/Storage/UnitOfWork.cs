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
    // A staged object is kept as its serialized body and index terms, exactly what the commit writes: staging
    // serializes once, and a later read of it decodes an independent copy (a failed item must not leave
    // half-applied edits).
    private readonly Dictionary<string, ObjectRecord> _staged = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public IObjectStore Store => store;

    /// <summary>Reads a private, mutable copy of an object (staged version first).</summary>
    public bool TryLoad(string id, out ManagedObject obj)
    {
        if (_staged.TryGetValue(id, out var staged))
        {
            obj = ObjectCodec.Deserialize(staged);
            return true;
        }
        // The server-wide create grants live under a reserved id; they are not a managed object.
        if (id != Access.AccessControl.AnyObject && store.TryRead(id, out var record))
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
        _staged[obj.Id] = new ObjectRecord(obj.Id, obj.Version, ObjectCodec.Serialize(obj), ObjectCodec.IndexTerms(obj), obj.Sequence);
    }

    /// <summary>Ids matching <paramref name="terms"/>, including staged objects, newest first.</summary>
    public List<string> FindByTerms(IReadOnlyList<string> terms)
    {
        var ids = new List<string>();
        // Staged new objects are the newest of all.
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            var staged = _staged[_order[i]];
            if (staged.Version == 0 && Matches(staged, terms)) ids.Add(staged.Id);
        }
        foreach (var id in store.FindByTerms(terms))
        {
            if (_staged.TryGetValue(id, out var staged) && !Matches(staged, terms)) continue;
            ids.Add(id);
        }
        // Staged changes of existing objects may add new matches.
        foreach (var id in _order)
        {
            var staged = _staged[id];
            if (staged.Version != 0 && Matches(staged, terms) && !ids.Contains(id)) ids.Add(id);
        }
        return ids;
    }

    /// <summary>Applies the staged objects atomically; completes once they are durable.</summary>
    public ValueTask<CommitStatus> CommitAsync()
    {
        if (_staged.Count == 0) return new(CommitStatus.Committed);
        var writes = new List<ObjectWrite>(_order.Count);
        foreach (var id in _order)
        {
            var staged = _staged[id];
            writes.Add(new ObjectWrite(staged.Id, staged.Version, staged.Body, staged.IndexTerms));
        }
        return store.CommitAsync(writes);
    }

    private static bool Matches(ObjectRecord staged, IReadOnlyList<string> terms)
    {
        foreach (var t in terms) if (!staged.IndexTerms.Contains(t)) return false;
        return true;
    }
}
