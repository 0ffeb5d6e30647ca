namespace Kms.Engine.Access;

/// <summary>
/// An operation type a non-owner may be granted on one object (docs/access-rights.md). Values are stored
/// as bits in the object's grants: append only, never renumber.
/// </summary>
[Flags]
public enum Permission
{
    None = 0,
    Get = 1 << 0,
    Export = 1 << 1,
    Encrypt = 1 << 2,
    Decrypt = 1 << 3,
    Sign = 1 << 4,
    SignatureVerify = 1 << 5,
    Mac = 1 << 6,
    Import = 1 << 7,
    Revoke = 1 << 8,
    Locate = 1 << 9,
    Rekey = 1 << 10,
    Destroy = 1 << 11,
    GetAttributes = 1 << 12,
    Create = 1 << 13,
}

/// <summary>Names of <see cref="Permission"/> values as the HTTP API and the CLI spell them.</summary>
public static class PermissionNames
{
    /// <summary>Every single permission, in declaration order.</summary>
    public static IReadOnlyList<Permission> All { get; } =
    [
        Permission.Get, Permission.Export, Permission.Encrypt, Permission.Decrypt, Permission.Sign, Permission.SignatureVerify,
        Permission.Mac, Permission.Import, Permission.Revoke, Permission.Locate, Permission.Rekey, Permission.Destroy,
        Permission.GetAttributes, Permission.Create,
    ];

    /// <summary>Parses one name (case-insensitive; "MAC" and "Mac" both work).</summary>
    public static bool TryParse(string name, out Permission permission)
    {
        foreach (var p in All)
        {
            if (string.Equals(p.ToString(), name, StringComparison.OrdinalIgnoreCase)) { permission = p; return true; }
        }
        permission = Permission.None;
        return false;
    }

    /// <summary>The single permissions contained in <paramref name="set"/>.</summary>
    public static IEnumerable<Permission> Split(Permission set)
    {
        foreach (var p in All) if ((set & p) != 0) yield return p;
    }
}
