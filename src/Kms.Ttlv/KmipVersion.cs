namespace Kms.Ttlv;

/// <summary>A KMIP protocol version (Protocol Version Major/Minor).</summary>
public readonly record struct KmipVersion(int Major, int Minor) : IComparable<KmipVersion>
{
    public static readonly KmipVersion V1_0 = new(1, 0);
    public static readonly KmipVersion V1_1 = new(1, 1);
    public static readonly KmipVersion V1_2 = new(1, 2);
    public static readonly KmipVersion V1_3 = new(1, 3);
    public static readonly KmipVersion V1_4 = new(1, 4);
    public static readonly KmipVersion V2_0 = new(2, 0);
    public static readonly KmipVersion V2_1 = new(2, 1);

    /// <summary>Every version this codec knows, newest first (the server's preference order).</summary>
    public static readonly KmipVersion[] All = [V2_1, V2_0, V1_4, V1_3, V1_2, V1_1, V1_0];

    /// <summary>The compact code used by the generated tables: major &lt;&lt; 4 | minor.</summary>
    public byte Code => (byte)((Major << 4) | Minor);

    public int CompareTo(KmipVersion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);
    public static bool operator <(KmipVersion a, KmipVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KmipVersion a, KmipVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KmipVersion a, KmipVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KmipVersion a, KmipVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";
}
