using System.Text.RegularExpressions;
using Kms.Ttlv.Tree;

namespace Kms.Ttlv.Tests;

/// <summary>Every hex vector of spec/kmip/ttlv-vectors.md and spec.md §2.1 decodes and re-encodes byte-exact.</summary>
public class GoldenVectorTests
{
    public static TheoryData<string, string> MessageVectors()
    {
        var data = new TheoryData<string, string>();
        var text = File.ReadAllText(RepoFiles.Path("spec", "kmip", "ttlv-vectors.md"));
        string title = "";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal)) title = line[3..].Trim();
            else if (Regex.IsMatch(line, "^[0-9a-f]{32,}$")) data.Add(title, line.Trim());
        }
        return data;
    }

    [Fact]
    public void AllMessageVectorsAreFound() => Assert.Equal(9, MessageVectors().Count);

    [Theory]
    [MemberData(nameof(MessageVectors))]
    public void MessageVectorRoundTrips(string title, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.True(TtlvElement.TryDecode(bytes, out var tree, out var error, out var offset), $"{title}: {error} at {offset}");
        Assert.Equal(bytes, tree.ToBytes());
    }

    public static TheoryData<string, string> SpecItemVectors()
    {
        var data = new TheoryData<string, string>();
        var text = File.ReadAllText(RepoFiles.Path("spec", "kmip", "spec.md"));
        foreach (Match m in Regex.Matches(text, @"^\| (?<name>[^|]+?) \| `(?<hex>42 00 20[^`]*)` \|", RegexOptions.Multiline))
            data.Add(m.Groups["name"].Value, m.Groups["hex"].Value.Replace(" ", "").Replace("|", "").Replace("\\", ""));
        return data;
    }

    [Fact]
    public void AllSpecItemVectorsAreFound() => Assert.Equal(11, SpecItemVectors().Count);

    [Theory]
    [MemberData(nameof(SpecItemVectors))]
    public void SpecItemVectorRoundTrips(string name, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.True(TtlvElement.TryDecode(bytes, out var tree, out var error, out var offset), $"{name}: {error} at {offset}");
        Assert.Equal(bytes, tree.ToBytes());
    }

    [Fact]
    public void SpecItemValuesDecodeToTheirMeaning()
    {
        static TtlvElement D(string hex) => TtlvElement.Decode(Convert.FromHexString(hex.Replace(" ", "")));
        Assert.Equal(8, D("42 00 20 02 00 00 00 04 00 00 00 08 00 00 00 00").Int32);
        Assert.Equal(123456789000000000L, D("42 00 20 03 00 00 00 08 01 B6 9B 4B A5 74 92 00").Number);
        Assert.Equal(System.Numerics.BigInteger.Parse("1234567890000000000000000000"),
            D("42 00 20 04 00 00 00 10 00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00").BigIntegerValue);
        Assert.Equal(255u, D("42 00 20 05 00 00 00 04 00 00 00 FF 00 00 00 00").UInt32);
        Assert.True(D("42 00 20 06 00 00 00 08 00 00 00 00 00 00 00 01").Bool);
        Assert.Equal("Hello World", D("42 00 20 07 00 00 00 0B 48 65 6C 6C 6F 20 57 6F 72 6C 64 00 00 00 00 00").Text);
        Assert.Equal(new byte[] { 1, 2, 3 }, D("42 00 20 08 00 00 00 03 01 02 03 00 00 00 00 00").Bytes);
        Assert.Equal(new DateTimeOffset(2008, 3, 14, 11, 56, 40, TimeSpan.Zero), D("42 00 20 09 00 00 00 08 00 00 00 00 47 DA 67 F8").DateTimeValue);
        Assert.Equal(864000u, D("42 00 20 0A 00 00 00 04 00 0D 2F 00 00 00 00 00").UInt32);
        Assert.Equal(new DateTimeOffset(2008, 3, 14, 11, 56, 40, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000,
            D("42 00 20 0B 00 00 00 08 00 04 48 64 5C EF EE 00").Number);
        var s = D("42 00 20 01 00 00 00 20 42 00 04 05 00 00 00 04 00 00 00 FE 00 00 00 00 42 00 05 02 00 00 00 04 00 00 00 FF 00 00 00 00");
        Assert.Equal(2, s.Children.Count);
        Assert.Equal((Tag)0x420004, s.Children[0].Tag);
        Assert.Equal(254u, s.Children[0].UInt32);
        Assert.Equal(255, s.Children[1].Int32);
    }

    [Fact]
    public void BigIntegerIsSignExtendedToMultipleOf8()
    {
        Assert.Equal(Convert.FromHexString("FFFFFFFFFFFFFFFF"), TtlvElement.BigIntegerToWire(-1));
        Assert.Equal(Convert.FromHexString("0000000000000080"), TtlvElement.BigIntegerToWire(128));
        Assert.Equal(Convert.FromHexString("0000000000000000FFFFFFFFFFFFFFFF"),
            TtlvElement.BigIntegerToWire(System.Numerics.BigInteger.Parse("18446744073709551615")));
    }
}
