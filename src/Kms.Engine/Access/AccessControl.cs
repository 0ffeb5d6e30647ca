using System.Text.Json;
using Kms.Engine.Model;
using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine.Access;

/// <summary>The outcome of an access-control call.</summary>
public enum AccessStatus
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>No such object, or the caller may not see it (the two are indistinguishable on purpose).</summary>
    NotFound,
    /// <summary>The caller may see the object but is not its owner.</summary>
    Denied,
    /// <summary>A bad argument (empty user, granting to the owner, no permission).</summary>
    Invalid,
}

/// <summary>One user's grants on an object.</summary>
public sealed record AccessGrant(string User, IReadOnlyList<Permission> Permissions);

/// <summary>An object the caller owns.</summary>
public sealed record OwnedObject(string Id, ObjectType ObjectType, State State, IReadOnlyList<string> Tags);

/// <summary>An object someone else owns on which the caller holds grants (directly or through "*").</summary>
public sealed record ObtainedObject(string Id, string Owner, ObjectType ObjectType, State State, IReadOnlyList<Permission> Permissions);

/// <summary>
/// Access rights of managed objects (docs/access-rights.md). The rules, all enforced by the engine:
/// <list type="number">
/// <item>Every object has exactly one owner: the user that created or registered it. The owner may do
/// every operation on it, and ownership never changes.</item>
/// <item>Anyone else needs a grant of the operation's permission on that object (Get, Export, Encrypt,
/// Decrypt, Sign, SignatureVerify, Mac, Import, Revoke, Locate, Rekey, Destroy, GetAttributes, Create).
/// Operations without a permission of their own (Activate, Add/Set/Modify/Delete Attribute, Archive,
/// Recover) are owner-only. Get Attribute List and Check need GetAttributes.</item>
/// <item>A grant to the user <c>*</c> applies to every user.</item>
/// <item>Only the owner grants, revokes and lists an object's grants; grants to the owner are refused.</item>
/// <item>When <see cref="EngineOptions.PrivilegedUsers"/> is set, only those users, and the users a privileged user
/// granted the Create permission on the object <c>*</c> (<see cref="AnyObject"/>), may Create, Register (and later
/// Import) objects; null means every authenticated user may.</item>
/// <item>A denied call gets Permission Denied when the caller can see the object (owns it or holds any
/// grant on it) and Object Not Found (1.x Item Not Found) otherwise, so existence never leaks.</item>
/// <item>Locate returns only objects the caller owns or holds a Locate grant on (directly or via <c>*</c>).</item>
/// </list>
/// </summary>
public sealed class AccessControl
{
    /// <summary>The pseudo-user whose grants apply to everyone.</summary>
    public const string Everyone = "*";

    /// <summary>
    /// The object id that stands for "any object" in a grant of <see cref="Permission.Create"/> (rule 7): the
    /// server-wide create right, which privileged users grant and revoke. No managed object has this id.
    /// </summary>
    public const string AnyObject = "*";

    private const int MaxUserLength = 1024;
    private readonly EngineCore _engine;
    // The users holding the server-wide create right, as last committed (this process is the store's only writer).
    private volatile CreateGrants? _createGrants;

    private sealed record CreateGrants(long Version, HashSet<string> Users);

    internal AccessControl(EngineCore engine) => _engine = engine;

    /// <summary>Whether <paramref name="user"/> may perform an operation needing <paramref name="permission"/> (None = owner only).</summary>
    internal static bool MayAct(ManagedObject obj, string user, Permission permission)
        => string.Equals(obj.Owner, user, StringComparison.Ordinal) || (permission != Permission.None && obj.IsGranted(user, permission));

    /// <summary>Whether <paramref name="user"/> may learn that the object exists (owner, or any grant).</summary>
    internal static bool MaySee(ManagedObject obj, string user)
        => string.Equals(obj.Owner, user, StringComparison.Ordinal)
        || obj.GrantOf(user) != Permission.None
        || obj.GrantOf(Everyone) != Permission.None;

    /// <summary>Whether <paramref name="user"/> may create or register objects (rule 7).</summary>
    internal bool MayCreate(string user)
    {
        if (_engine.Options.PrivilegedUsers is not { } list || list.Contains(user, StringComparer.Ordinal)) return true;
        var granted = (_createGrants ??= ReadCreateGrants()).Users;
        return granted.Contains(user) || granted.Contains(Everyone);
    }

    private CreateGrants ReadCreateGrants()
    {
        if (!_engine.Store.TryRead(AnyObject, out var record)) return new CreateGrants(0, new HashSet<string>(StringComparer.Ordinal));
        var users = JsonSerializer.Deserialize<string[]>(record.Body.Span) ?? throw new InvalidDataException("Corrupt create grants.");
        return new CreateGrants(record.Version, new HashSet<string>(users, StringComparer.Ordinal));
    }

    /// <summary>A privileged user grants or revokes the server-wide create right (rule 7).</summary>
    private AccessStatus ChangeCreateRight(CallerIdentity caller, string user, Permission bits, bool grant)
    {
        if (_engine.Options.PrivilegedUsers is not { } list) return AccessStatus.Invalid; // everybody may create already
        if (!list.Contains(caller.User, StringComparer.Ordinal)) return AccessStatus.Denied;
        if (bits != Permission.Create || list.Contains(user, StringComparer.Ordinal)) return AccessStatus.Invalid;
        for (int attempt = 0; attempt < EngineCore.MaxCommitAttempts; attempt++)
        {
            var current = ReadCreateGrants();
            var users = new HashSet<string>(current.Users, StringComparer.Ordinal);
            if (!(grant ? users.Add(user) : users.Remove(user))) return AccessStatus.Ok;
            var body = JsonSerializer.SerializeToUtf8Bytes(users.Order(StringComparer.Ordinal).ToArray());
            var write = users.Count == 0
                ? new ObjectWrite(AnyObject, current.Version, null, [])
                : new ObjectWrite(AnyObject, current.Version, body, []);
            if (_engine.Store.Commit([write]) == CommitStatus.Committed)
            {
                _createGrants = null; // re-read on next use, with the version the store assigned
                return AccessStatus.Ok;
            }
        }
        throw new InvalidOperationException("Too many concurrent changes to the create grants.");
    }

    /// <summary>The owner of <paramref name="objectId"/> grants <paramref name="permissions"/> to <paramref name="user"/> (or "*").</summary>
    public AccessStatus Grant(CallerIdentity caller, string objectId, string user, IEnumerable<Permission> permissions)
        => Change(caller, objectId, user, permissions, grant: true);

    /// <summary>The owner removes <paramref name="permissions"/> of <paramref name="user"/> on <paramref name="objectId"/>.</summary>
    public AccessStatus Revoke(CallerIdentity caller, string objectId, string user, IEnumerable<Permission> permissions)
        => Change(caller, objectId, user, permissions, grant: false);

    /// <summary>The grants on an object; owner only.</summary>
    public AccessStatus ListByObject(CallerIdentity caller, string objectId, out IReadOnlyList<AccessGrant> grants)
    {
        ArgumentNullException.ThrowIfNull(caller);
        grants = [];
        if (objectId == AnyObject)
        {
            if (_engine.Options.PrivilegedUsers is not { } privileged) return AccessStatus.NotFound;
            if (!privileged.Contains(caller.User, StringComparer.Ordinal)) return AccessStatus.Denied;
            grants = [.. ReadCreateGrants().Users.Order(StringComparer.Ordinal).Select(u => new AccessGrant(u, [Permission.Create]))];
            return AccessStatus.Ok;
        }
        if (!_engine.Store.TryRead(objectId, out var record)) return AccessStatus.NotFound;
        var obj = ObjectCodec.Deserialize(record);
        if (!string.Equals(obj.Owner, caller.User, StringComparison.Ordinal))
            return MaySee(obj, caller.User) ? AccessStatus.Denied : AccessStatus.NotFound;
        var list = new List<AccessGrant>();
        foreach (var (user, perms) in obj.Grants)
            if (perms != Permission.None) list.Add(new AccessGrant(user, [.. PermissionNames.Split(perms)]));
        grants = list;
        return AccessStatus.Ok;
    }

    /// <summary>The objects the caller owns, newest first.</summary>
    public IReadOnlyList<OwnedObject> Owned(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var list = new List<OwnedObject>();
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var id in _engine.Store.FindByTerms([ObjectCodec.Term("owner=", caller.User)]))
        {
            if (!_engine.Store.TryRead(id, out var record)) continue;
            var obj = ObjectCodec.Deserialize(record);
            list.Add(new OwnedObject(obj.Id, obj.ObjectType, Lifecycle.Effective(obj, now), [obj.SystemTag, .. obj.SystemTags, .. obj.UserTags]));
        }
        return list;
    }

    /// <summary>The objects others own on which the caller holds grants, directly or through "*", newest first.</summary>
    public IReadOnlyList<ObtainedObject> Obtained(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var list = new List<ObtainedObject>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ids = new List<(string Id, long Seq, ManagedObject Obj)>();
        foreach (var who in (string[])[caller.User, Everyone])
        {
            foreach (var id in _engine.Store.FindByTerms([ObjectCodec.Term("grant=", who)]))
            {
                if (!seen.Add(id) || !_engine.Store.TryRead(id, out var record)) continue;
                var obj = ObjectCodec.Deserialize(record);
                if (string.Equals(obj.Owner, caller.User, StringComparison.Ordinal)) continue;
                ids.Add((id, record.Sequence, obj));
            }
        }
        ids.Sort(static (a, b) => b.Seq.CompareTo(a.Seq));
        foreach (var (id, _, obj) in ids)
        {
            var perms = obj.GrantOf(caller.User) | obj.GrantOf(Everyone);
            list.Add(new ObtainedObject(id, obj.Owner, obj.ObjectType, Lifecycle.Effective(obj, now), [.. PermissionNames.Split(perms)]));
        }
        return list;
    }

    private AccessStatus Change(CallerIdentity caller, string objectId, string user, IEnumerable<Permission> permissions, bool grant)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(permissions);
        if (string.IsNullOrEmpty(user) || user.Length > MaxUserLength || string.IsNullOrEmpty(objectId)) return AccessStatus.Invalid;
        var bits = Permission.None;
        foreach (var p in permissions) bits |= p;
        if (bits == Permission.None) return AccessStatus.Invalid;
        if (objectId == AnyObject) return ChangeCreateRight(caller, user, bits, grant);
        for (int attempt = 0; attempt < EngineCore.MaxCommitAttempts; attempt++)
        {
            if (!_engine.Store.TryRead(objectId, out var record)) return AccessStatus.NotFound;
            var obj = ObjectCodec.Deserialize(record);
            if (!string.Equals(obj.Owner, caller.User, StringComparison.Ordinal))
                return MaySee(obj, caller.User) ? AccessStatus.Denied : AccessStatus.NotFound;
            if (string.Equals(user, obj.Owner, StringComparison.Ordinal)) return AccessStatus.Invalid;
            var current = obj.GrantOf(user);
            var next = grant ? current | bits : current & ~bits;
            if (next == current) return AccessStatus.Ok;
            if (next == Permission.None) obj.Grants.Remove(user);
            else obj.Grants[user] = next;
            if (_engine.Store.Commit([ObjectCodec.ToWrite(obj)]) == CommitStatus.Committed) return AccessStatus.Ok;
        }
        throw new InvalidOperationException("Too many concurrent changes to one object.");
    }
}
