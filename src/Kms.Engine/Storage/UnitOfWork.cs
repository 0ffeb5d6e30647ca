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
    // A staged object is kept as the write its commit makes (serialized body and index terms) plus its store sequence:
    // staging serializes once, and a later read of it decodes an independent copy (a failed item must not leave
    // half-applied edits). In staging order; most units stage one object, so ids are found by a scan until there are
    // more than IndexFrom of them, then through a dictionary (a whole batch under Undo can stage many).
    private readonly record struct Staged(ObjectWrite Write, long Sequence);

    private const int IndexFrom = 16;
    private readonly List<Staged> _staged = new(1);
    private Dictionary<string, int>? _index;

    public IObjectStore Store => store;

    /// <summary>Reads a private, mutable copy of an object (staged version first).</summary>
    public bool TryLoad(string id, out ManagedObject obj)
    {
        int at = IndexOf(id);
        if (at >= 0)
        {
            var (write, sequence) = _staged[at];
            obj = ObjectCodec.Deserialize(new ObjectRecord(write.Id, write.ExpectedVersion, write.Body!.Value, write.IndexTerms, sequence));
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
        var staged = new Staged(new ObjectWrite(obj.Id, obj.Version, ObjectCodec.Serialize(obj), ObjectCodec.IndexTerms(obj)), obj.Sequence);
        int at = IndexOf(obj.Id);
        if (at >= 0)
        {
            _staged[at] = staged;
            return;
        }
        _staged.Add(staged);
        if (_index is not null) _index[obj.Id] = _staged.Count - 1;
        else if (_staged.Count > IndexFrom)
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < _staged.Count; i++) _index[_staged[i].Write.Id] = i;
        }
    }

    private int IndexOf(string id)
    {
        if (_index is not null) return _index.TryGetValue(id, out int i) ? i : -1;
        for (int i = 0; i < _staged.Count; i++) if (string.Equals(_staged[i].Write.Id, id, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Ids matching <paramref name="terms"/>, including staged objects, newest first.</summary>
    public List<string> FindByTerms(IReadOnlyList<string> terms)
    {
        var ids = new List<string>();
        // Staged new objects are the newest of all.
        for (int i = _staged.Count - 1; i >= 0; i--)
        {
            var staged = _staged[i].Write;
            if (staged.ExpectedVersion == 0 && Matches(staged, terms)) ids.Add(staged.Id);
        }
        foreach (var id in store.FindByTerms(terms))
        {
            int at = IndexOf(id);
            if (at >= 0 && !Matches(_staged[at].Write, terms)) continue;
            ids.Add(id);
        }
        // Staged changes of existing objects may add new matches.
        foreach (var (staged, _) in _staged)
        {
            if (staged.ExpectedVersion != 0 && Matches(staged, terms) && !ids.Contains(staged.Id)) ids.Add(staged.Id);
        }
        return ids;
    }

    /// <summary>Applies the staged objects atomically; completes once they are durable.</summary>
    public ValueTask<CommitStatus> CommitAsync()
    {
        if (_staged.Count == 0) return new(CommitStatus.Committed);
        var writes = new ObjectWrite[_staged.Count];
        for (int i = 0; i < writes.Length; i++) writes[i] = _staged[i].Write;
        return store.CommitAsync(writes);
    }

    private static bool Matches(ObjectWrite staged, IReadOnlyList<string> terms)
    {
        foreach (var t in terms) if (!staged.IndexTerms.Contains(t)) return false;
        return true;
    }
}
