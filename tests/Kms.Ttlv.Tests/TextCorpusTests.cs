using System.Globalization;
using System.Text;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Ttlv.Tests;

/// <summary>
/// Every OASIS test case (spec/kmip/testcases, v1.4 and v2.1, mandatory and optional): each message goes
/// XML → tree → binary TTLV → tree → XML → tree, and tree → JSON → tree, with no loss.
/// </summary>
public class TextCorpusTests
{
    /// <summary>The fixed instant <c>$NOW</c> stands for in these tests.</summary>
    private static readonly DateTimeOffset s_now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<string> FileNames()
    {
        var root = RepoFiles.Path("spec", "kmip", "testcases");
        return Directory.EnumerateFiles(root, "*.xml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static TheoryData<string> Files() => new(FileNames());

    /// <summary>
    /// The placeholders of the corpus: <c>$NOW</c>, <c>$NOW-3600</c>, <c>$NOW+3600</c> (DateTime) become
    /// <see cref="s_now"/> ± seconds; ByteString ones (<c>$DATA_n</c>, <c>$KEY_MATERIAL_n</c>,
    /// <c>$SIGNATURE_DATA</c>, <c>$IV_COUNTER_NONCE</c>, <c>$CORRELATION_VALUE</c>, <c>$MAC_DATA</c>,
    /// <c>$KEY_VALUE_n</c>, <c>$AUTHENTICATED_ENCRYPTION_TAG</c>, <c>$SHORT_UNIQUE_IDENTIFIER_n</c>) become
    /// the hex of their name; TextString ones (<c>$UNIQUE_IDENTIFIER_n</c>) stay as written.
    /// </summary>
    internal static string? Bind(string placeholder, Tag tag, ItemType type)
    {
        switch (type)
        {
            case ItemType.DateTime when placeholder.StartsWith("$NOW", StringComparison.Ordinal):
                long offset = placeholder.Length == 4 ? 0 : long.Parse(placeholder.AsSpan(4), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return s_now.AddSeconds(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            case ItemType.ByteString:
                return Convert.ToHexString(Encoding.ASCII.GetBytes(placeholder));
            case ItemType.TextString:
                return null;
            default:
                throw new InvalidOperationException($"placeholder {placeholder} in a {type} ({tag}) is not bound by this test");
        }
    }

    [Fact]
    public void CorpusHasEveryFile()
    {
        var files = FileNames();
        Assert.Equal(168, files.Count);
        Assert.Equal(68, files.Count(f => f.StartsWith("v1.4/mandatory/", StringComparison.Ordinal)));
        Assert.Equal(7, files.Count(f => f.StartsWith("v1.4/optional/", StringComparison.Ordinal)));
        Assert.Equal(86, files.Count(f => f.StartsWith("v2.1/mandatory/", StringComparison.Ordinal)));
        Assert.Equal(7, files.Count(f => f.StartsWith("v2.1/optional/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TestCaseRoundTrips(string file)
    {
        var source = File.ReadAllText(RepoFiles.Path("spec", "kmip", "testcases", file));
        var messages = KmipXml.ReadTestCase(new StringReader(source), Bind);
        int hexEnumerations = 0;
        Assert.NotEmpty(messages);
        Assert.Equal(messages.Count(m => m.Tag == Tag.RequestMessage), messages.Count(m => m.Tag == Tag.ResponseMessage));
        for (int i = 0; i < messages.Count; i++)
        {
            var tree = messages[i];
            Assert.True(tree.Tag is Tag.RequestMessage or Tag.ResponseMessage, $"message {i} is {tree.Tag}");

            var decoded = TtlvElement.Decode(tree.ToBytes());
            Assert.True(tree.DeepEquals(decoded), $"message {i}: binary round trip differs");

            var xml = KmipXml.Serialize(decoded);
            Assert.True(KmipXml.TryParse(xml, out var fromXml, out var xmlError), $"message {i}: {xmlError}\n{xml}");
            Assert.True(tree.DeepEquals(fromXml), $"message {i}: XML round trip differs\n{xml}");
            hexEnumerations += CountHexEnumerations(xml);

            var json = KmipJson.Serialize(decoded);
            Assert.True(KmipJson.TryParse(json, out var fromJson, out var jsonError), $"message {i}: {jsonError}\n{json}");
            Assert.True(tree.DeepEquals(fromJson), $"message {i}: JSON round trip differs\n{json}");
        }
        // Names come back as names: only the values the file itself writes in hex are hex in our output.
        Assert.Equal(CountHexEnumerations(source), hexEnumerations);
    }

    private static int CountHexEnumerations(string xml) => xml.Split("type=\"Enumeration\" value=\"0x").Length - 1;
}
