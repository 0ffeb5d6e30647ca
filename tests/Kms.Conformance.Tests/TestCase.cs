using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Kms.Ttlv;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>
/// One OASIS test-case file (Profiles 2.1 §4, spec/kmip/testcases/&lt;version&gt;/&lt;mandatory|optional&gt;/*.xml): its
/// request/response pairs, parsed once with <see cref="KmipXml.ReadTestCase"/>. Every placeholder (<c>$UNIQUE_IDENTIFIER_0</c>,
/// <c>$NOW-3600</c>, <c>$KEY_MATERIAL_1</c>, …) is kept in the trees as a recognisable sentinel (see <see cref="Placeholders"/>):
/// the runner substitutes bound values into requests, the comparer treats sentinels in expected responses as variables.
/// </summary>
public sealed partial class TestCase
{
    private TestCase(string relativePath, string name, Placeholders placeholders, List<(TtlvElement Request, TtlvElement Response)> steps)
    {
        RelativePath = relativePath;
        Name = name;
        Placeholders = placeholders;
        Steps = steps;
    }

    /// <summary>Path under spec/kmip/testcases, e.g. <c>v2.1/mandatory/BL-M-1-21.xml</c> (the expectations key).</summary>
    public string RelativePath { get; }

    /// <summary>The case name, e.g. <c>BL-M-1-21</c>.</summary>
    public string Name { get; }

    public Placeholders Placeholders { get; }

    public List<(TtlvElement Request, TtlvElement Response)> Steps { get; }

    /// <summary>The profile of a case name: <c>CS-BC-M-GCM-1-21</c> → <c>CS-BC-M</c>, <c>SUITEB_128-M-1-14</c> → <c>SUITEB_128-M</c>.</summary>
    public static string ProfileOf(string name) => ProfileName().Match(name) is { Success: true } m ? m.Groups[1].Value : name;

    /// <summary>The case number within its profile: <c>TL-M-3-21</c> → 3.</summary>
    public static int NumberOf(string name) => CaseNumber().Match(name) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>How the case's requests travel: MSGENC-JSON/XML/HTTPS cases over HTTP /kmip, every other case over the socket.</summary>
    public static Transport TransportOf(string name) =>
        name.StartsWith("MSGENC-JSON-", StringComparison.Ordinal) ? Transport.HttpJson
        : name.StartsWith("MSGENC-XML-", StringComparison.Ordinal) ? Transport.HttpXml
        : name.StartsWith("MSGENC-HTTPS-", StringComparison.Ordinal) ? Transport.HttpBinary
        : Transport.Socket;

    /// <summary>All case files, relative to spec/kmip/testcases, sorted.</summary>
    public static IEnumerable<string> All(string versionFolder)
    {
        string root = RepoFiles.Path("spec", "kmip", "testcases");
        return Directory.EnumerateFiles(Path.Combine(root, versionFolder), "*.xml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    public static TestCase Load(string relativePath)
    {
        var placeholders = new Placeholders();
        using var reader = File.OpenText(RepoFiles.Path("spec", "kmip", "testcases", relativePath));
        var messages = KmipXml.ReadTestCase(reader, placeholders.Sentinel);
        var steps = new List<(TtlvElement, TtlvElement)>();
        for (int i = 0; i < messages.Count; i += 2)
        {
            if (messages[i].Tag != Tag.RequestMessage || i + 1 >= messages.Count || messages[i + 1].Tag != Tag.ResponseMessage)
                throw new FormatException($"{relativePath}: message {i} is not a RequestMessage followed by a ResponseMessage");
            steps.Add((messages[i], messages[i + 1]));
        }
        return new TestCase(relativePath, Path.GetFileNameWithoutExtension(relativePath), placeholders, steps);
    }

    [GeneratedRegex(@"^(.*?-[MO])(-[A-Z0-9_]+)?-\d+-\d+$")]
    private static partial Regex ProfileName();

    [GeneratedRegex(@"-(\d+)-\d+$")]
    private static partial Regex CaseNumber();
}

/// <summary>Where the runner sends a case's requests.</summary>
public enum Transport
{
    /// <summary>Binary TTLV over the mutual-TLS KMIP socket (KMIP 2.1 §9.1).</summary>
    Socket,
    /// <summary>POST /kmip, application/octet-stream (MSGENC-HTTPS).</summary>
    HttpBinary,
    /// <summary>POST /kmip, application/json with the JSON encoding (MSGENC-JSON).</summary>
    HttpJson,
    /// <summary>POST /kmip, text/xml with the XML encoding (MSGENC-XML).</summary>
    HttpXml,
}

/// <summary>
/// The placeholders of one case and their sentinels in the parsed trees. Text String placeholders stay as their own
/// text (<c>$UNIQUE_IDENTIFIER_0</c>); Byte Strings become <see cref="ByteMagic"/> + a 4-byte index; Date-Times become
/// <c>0x7FEE0000_iiiiiiii</c> (the year 10^11, which no real value reaches). The index points into <see cref="Names"/>.
/// </summary>
public sealed class Placeholders
{
    /// <summary>The 8-byte prefix of a Byte String sentinel.</summary>
    public static ReadOnlySpan<byte> ByteMagic => "\0KMS-PH\0"u8;

    private const long DateTimeMagic = 0x7FEE0000L << 32;
    private readonly List<string> _names = [];
    private readonly HashSet<string> _texts = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    /// <summary>The <see cref="KmipPlaceholderResolver"/> used while parsing: returns the sentinel's XML text.</summary>
    public string? Sentinel(string placeholder, Tag tag, ItemType type)
    {
        switch (type)
        {
            case ItemType.TextString:
                _texts.Add(placeholder);
                return null;
            case ItemType.ByteString:
                Span<byte> bytes = stackalloc byte[12];
                ByteMagic.CopyTo(bytes);
                BinaryPrimitives.WriteInt32BigEndian(bytes[8..], Add(placeholder));
                return Convert.ToHexString(bytes);
            case ItemType.DateTime:
                return "0x" + (DateTimeMagic | (uint)Add(placeholder)).ToString("X16", CultureInfo.InvariantCulture);
            default:
                throw new FormatException($"placeholder {placeholder} in a {type} item is not supported by the runner");
        }
    }

    /// <summary>The placeholder name an element stands for, or null for an ordinary value.</summary>
    public string? NameOf(TtlvElement e)
    {
        switch (e.Type)
        {
            case ItemType.TextString:
                return _texts.Contains(e.Text) ? e.Text : null;
            case ItemType.ByteString when e.Bytes.Length == 12 && e.Bytes.AsSpan(0, 8).SequenceEqual(ByteMagic):
                return _names[BinaryPrimitives.ReadInt32BigEndian(e.Bytes.AsSpan(8))];
            case ItemType.DateTime when (e.Number & ~0xFFFFFFFFL) == DateTimeMagic:
                return _names[(int)(e.Number & 0xFFFFFFFF)];
            default:
                return null;
        }
    }

    /// <summary>True for placeholders that name one value for the whole case (<c>$X_3</c>); false for <c>$IV_COUNTER_NONCE</c> and the like, which stand for the latest value.</summary>
    public static bool IsNumbered(string name) => name.Length > 2 && char.IsAsciiDigit(name[^1]) && name.LastIndexOf('_') is > 0 and var u && name[(u + 1)..].All(char.IsAsciiDigit);

    /// <summary>True for <c>$NOW</c>, <c>$NOW-3600</c>, <c>$NOW+60</c>.</summary>
    public static bool IsTime(string name) => name.StartsWith("$NOW", StringComparison.Ordinal);

    /// <summary>The offset in seconds of a <c>$NOW±n</c> placeholder.</summary>
    public static long TimeOffset(string name) => name.Length == 4 ? 0 : long.Parse(name.AsSpan(4), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private int Add(string placeholder)
    {
        _names.Add(placeholder);
        return _names.Count - 1;
    }
}
