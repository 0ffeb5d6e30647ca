using System.Globalization;
using Kms.Ttlv;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;
using Xunit.Abstractions;

namespace Kms.Engine.Tests;

/// <summary>
/// Replays OASIS test cases (spec/kmip/testcases) against the engine and compares, per batch item, the
/// Operation, Result Status and Result Reason with the expected response. Unique identifiers are bound
/// from the engine's responses as the case proceeds.
/// </summary>
internal static class ConformanceReplay
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kms.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Kms.sln not found above " + AppContext.BaseDirectory);
    });

    public static string TestCase(string version, string kind, string name) => Path.Combine(s_root.Value, "spec", "kmip", "testcases", version, kind, name + ".xml");

    /// <summary>
    /// Runs cases in order on one fresh engine (a later case may use objects of an earlier one, as the
    /// OASIS suites do); returns the differences (empty = conformant on status/reason).
    /// </summary>
    public static List<string> Run(params string[] files)
    {
        using var t = new TestEngine(policy: TestEngine.WithTripleDes);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var diffs = new List<string>();
        foreach (var file in files) RunOne(t, file, ids, diffs);
        return diffs;
    }

    private static void RunOne(TestEngine t, string file, Dictionary<string, string> ids, List<string> diffs)
    {
        var now = DateTimeOffset.UtcNow;
        string? Resolve(string placeholder, Tag tag, ItemType type)
        {
            if (type == ItemType.DateTime && placeholder.StartsWith("$NOW", StringComparison.Ordinal))
            {
                var offset = placeholder.Length > 4 ? long.Parse(placeholder[4..], CultureInfo.InvariantCulture) : 0;
                return now.AddSeconds(offset).ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture);
            }
            // Values the server chooses (Short Unique Identifier, …): any well-formed value; only status and reason are compared.
            return type == ItemType.ByteString ? "00" : null;
        }
        List<TtlvElement> messages;
        using (var reader = File.OpenText(file)) messages = KmipXml.ReadTestCase(reader, Resolve);
        var name = Path.GetFileNameWithoutExtension(file);
        for (int m = 0; m + 1 < messages.Count; m += 2)
        {
            var request = Substitute(messages[m], ids);
            var expected = messages[m + 1];
            var actual = t.Send(request);
            var e = expected.FindAll(Tag.BatchItem).ToList();
            var a = actual.FindAll(Tag.BatchItem).ToList();
            if (e.Count != a.Count) { diffs.Add($"{name} msg {m / 2}: {a.Count} items, expected {e.Count}"); continue; }
            for (int i = 0; i < e.Count; i++)
            {
                Bind(e[i], a[i], ids);
                var es = e[i].Find(Tag.ResultStatus)?.UInt32;
                var ars = a[i].Find(Tag.ResultStatus)?.UInt32;
                var er = e[i].Find(Tag.ResultReason)?.UInt32;
                var ar = a[i].Find(Tag.ResultReason)?.UInt32;
                if (es != ars || er != ar)
                {
                    var op = e[i].Find(Tag.Operation) is { } o ? ((Operation)o.UInt32).ToString() : "?";
                    diffs.Add($"{name} msg {m / 2} {op}: got {(ResultStatus?)ars}/{(ResultReason?)ar} {a[i].Find(Tag.ResultMessage)?.Text}, expected {(ResultStatus?)es}/{(ResultReason?)er}");
                }
            }
        }
    }

    private static void Bind(TtlvElement expected, TtlvElement actual, Dictionary<string, string> ids)
    {
        if (expected.Type == ItemType.TextString && expected.Text.StartsWith("$UNIQUE_IDENTIFIER_", StringComparison.Ordinal)
            && actual.Type == ItemType.TextString && !ids.ContainsKey(expected.Text))
        {
            ids[expected.Text] = actual.Text;
            return;
        }
        if (expected.Type != ItemType.Structure || actual.Type != ItemType.Structure) return;
        // Pair children by tag and occurrence.
        var seen = new Dictionary<Tag, int>();
        foreach (var c in expected.Children)
        {
            int k = seen.GetValueOrDefault(c.Tag);
            seen[c.Tag] = k + 1;
            var match = actual.FindAll(c.Tag).Skip(k).FirstOrDefault();
            if (match is not null) Bind(c, match, ids);
        }
    }

    private static TtlvElement Substitute(TtlvElement e, Dictionary<string, string> ids)
    {
        if (e.Type == ItemType.TextString && e.Text.StartsWith("$UNIQUE_IDENTIFIER_", StringComparison.Ordinal))
            return TtlvElement.TextString(e.Tag, ids.GetValueOrDefault(e.Text, e.Text));
        if (e.Type != ItemType.Structure) return e;
        return TtlvElement.Structure(e.Tag, e.Children.Select(c => Substitute(c, ids)).ToList());
    }
}

public sealed class ConformanceReplayTests(ITestOutputHelper output)
{
    /// <summary>
    /// The OASIS cases whose operations this engine implements (no cryptographic operations, no Create Key
    /// Pair, no key wrapping; a "+" chains cases that use each other's objects): every batch item must
    /// have the expected Operation, Result Status and Result Reason.
    /// </summary>
    [Theory]
    [InlineData("v1.4/mandatory/MSGENC-HTTPS-M-1-14")]
    [InlineData("v1.4/mandatory/MSGENC-JSON-M-1-14")]
    [InlineData("v1.4/mandatory/MSGENC-XML-M-1-14")]
    [InlineData("v1.4/mandatory/OMOS-M-1-14")]
    [InlineData("v1.4/mandatory/SASED-M-1-14")]
    [InlineData("v1.4/mandatory/SASED-M-2-14")]
    [InlineData("v1.4/mandatory/SASED-M-2-14,v1.4/mandatory/SASED-M-3-14")]
    [InlineData("v1.4/mandatory/SKFF-M-1-14")]
    [InlineData("v1.4/mandatory/SKFF-M-2-14")]
    [InlineData("v1.4/mandatory/SKFF-M-3-14")]
    [InlineData("v1.4/mandatory/SKFF-M-4-14")]
    [InlineData("v1.4/mandatory/SKFF-M-5-14")]
    [InlineData("v1.4/mandatory/SKFF-M-6-14")]
    [InlineData("v1.4/mandatory/SKFF-M-7-14")]
    [InlineData("v1.4/mandatory/SKFF-M-8-14")]
    [InlineData("v1.4/mandatory/SKFF-M-9-14")]
    [InlineData("v1.4/mandatory/SKFF-M-10-14")]
    [InlineData("v1.4/mandatory/SKFF-M-11-14")]
    [InlineData("v1.4/mandatory/SKFF-M-12-14")]
    [InlineData("v1.4/mandatory/SKLC-M-1-14")]
    [InlineData("v1.4/mandatory/SKLC-M-2-14")]
    [InlineData("v1.4/mandatory/SKLC-M-3-14")]
    [InlineData("v1.4/mandatory/SUITEB_128-M-1-14")]
    [InlineData("v1.4/mandatory/SUITEB_192-M-1-14")]
    [InlineData("v1.4/mandatory/TL-M-1-14")]
    [InlineData("v1.4/mandatory/TL-M-2-14")]
    [InlineData("v1.4/mandatory/TL-M-2-14,v1.4/mandatory/TL-M-3-14")]
    [InlineData("v1.4/mandatory/AX-M-1-14")]
    [InlineData("v2.1/mandatory/MSGENC-HTTPS-M-1-21")]
    [InlineData("v2.1/mandatory/MSGENC-JSON-M-1-21")]
    [InlineData("v2.1/mandatory/MSGENC-XML-M-1-21")]
    [InlineData("v2.1/mandatory/OMOS-M-1-21")]
    [InlineData("v2.1/mandatory/SASED-M-1-21")]
    [InlineData("v2.1/mandatory/SASED-M-2-21")]
    [InlineData("v2.1/mandatory/SASED-M-2-21,v2.1/mandatory/SASED-M-3-21")]
    [InlineData("v2.1/mandatory/SKFF-M-1-21")]
    [InlineData("v2.1/mandatory/SKFF-M-2-21")]
    [InlineData("v2.1/mandatory/SKFF-M-3-21")]
    [InlineData("v2.1/mandatory/SKFF-M-4-21")]
    [InlineData("v2.1/mandatory/SKFF-M-5-21")]
    [InlineData("v2.1/mandatory/SKFF-M-6-21")]
    [InlineData("v2.1/mandatory/SKFF-M-7-21")]
    [InlineData("v2.1/mandatory/SKFF-M-8-21")]
    [InlineData("v2.1/mandatory/SKFF-M-9-21")]
    [InlineData("v2.1/mandatory/SKFF-M-10-21")]
    [InlineData("v2.1/mandatory/SKFF-M-11-21")]
    [InlineData("v2.1/mandatory/SKFF-M-12-21")]
    [InlineData("v2.1/mandatory/SKLC-M-1-21")]
    [InlineData("v2.1/mandatory/SKLC-M-2-21")]
    [InlineData("v2.1/mandatory/SKLC-M-3-21")]
    [InlineData("v2.1/mandatory/TL-M-1-21")]
    [InlineData("v2.1/mandatory/TL-M-2-21")]
    [InlineData("v2.1/mandatory/TL-M-2-21,v2.1/mandatory/TL-M-3-21")]
    [InlineData("v2.1/mandatory/AX-M-1-21")]
    [InlineData("v2.1/mandatory/BL-M-1-21")]
    [InlineData("v2.1/mandatory/BL-M-2-21")]
    [InlineData("v2.1/mandatory/BL-M-3-21")]
    [InlineData("v2.1/mandatory/BL-M-4-21")]
    [InlineData("v2.1/mandatory/BL-M-5-21")]
    [InlineData("v2.1/mandatory/BL-M-6-21")]
    [InlineData("v2.1/mandatory/BL-M-7-21")]
    [InlineData("v2.1/mandatory/BL-M-8-21")]
    [InlineData("v2.1/mandatory/BL-M-9-21")]
    [InlineData("v2.1/mandatory/BL-M-10-21")]
    [InlineData("v2.1/mandatory/BL-M-11-21")]
    [InlineData("v2.1/mandatory/BL-M-12-21")]
    [InlineData("v2.1/mandatory/BL-M-13-21")]
    [InlineData("v2.1/mandatory/QS-M-1-21")]
    [InlineData("v2.1/mandatory/QS-M-2-21")]
    [InlineData("v1.4/optional/OMOS-O-1-14")]
    [InlineData("v1.4/optional/SKLC-O-1-14")]
    [InlineData("v2.1/optional/OMOS-O-1-21")]
    [InlineData("v2.1/optional/SKLC-O-1-21")]
    public void Case_matches(string cases)
    {
        var files = cases.Split(',').Select(c => c.Split('/')).Select(p => ConformanceReplay.TestCase(p[0], p[1], p[2])).ToArray();
        var diffs = ConformanceReplay.Run(files);
        foreach (var d in diffs) output.WriteLine(d);
        Assert.Empty(diffs);
    }
}
