using System.Globalization;

namespace Kms.Ttlv.Tests;

/// <summary>Pins every generated tag, item type, enumeration and mask value and name against spec/kmip/*.tsv.</summary>
public class TablesTests
{
    private static uint Hex(string text) => uint.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    [Fact]
    public void EveryTagOfTheTableHasItsValueAndName()
    {
        var rows = RepoFiles.Tsv("tags.tsv");
        Assert.Equal(372, rows.Count);
        foreach (var row in rows)
        {
            var value = Hex(row["hex"]);
            // The C# enum member carries the XML/JSON name and the spec's value.
            Assert.True(Enum.TryParse<Tag>(row["xml_json_name"], out var tag), row["name"]);
            Assert.Equal(value, (uint)tag);
            var info = KmipNames.FindTag(tag);
            Assert.NotNull(info);
            Assert.Equal(row["xml_json_name"], info.Name);
            Assert.Equal(row["name"], info.SpecName);
            Assert.Same(info, KmipNames.FindTag(row["xml_json_name"]));
            foreach (var type in row["type"].Split('|', StringSplitOptions.RemoveEmptyEntries))
            {
                if (type == "Varies") continue;
                Assert.True(info.Allows(Enum.Parse<ItemType>(type)), $"{row["name"]} should allow {type}");
            }
        }
        // Every enum member (but None) is a row of the table.
        Assert.Equal(rows.Count, Enum.GetValues<Tag>().Length - 1);
    }

    [Fact]
    public void TagVersionRangesFollowTheTable()
    {
        var fresh = KmipNames.FindTag(Tag.Fresh)!;
        Assert.False(fresh.ExistsIn(KmipVersion.V1_0));
        Assert.True(fresh.ExistsIn(KmipVersion.V1_1));
        var index = KmipNames.FindTag(Tag.AttributeIndex)!;
        Assert.True(index.ExistsIn(KmipVersion.V1_4));
        Assert.False(index.ExistsIn(KmipVersion.V2_0));
        Assert.False(KmipNames.FindTag(Tag.Attributes)!.ExistsIn(KmipVersion.V1_4));
        Assert.True(KmipNames.FindTag(Tag.Attributes)!.ExistsIn(KmipVersion.V2_1));
    }

    [Fact]
    public void ItemTypesMatchTheItemTypeEnumeration()
    {
        var rows = RepoFiles.Tsv("enums-all.tsv").Where(r => r["enumeration"] == "Item Type").ToList();
        Assert.Equal(11, rows.Count);
        foreach (var row in rows)
            Assert.Equal(Hex(row["value"]), (uint)(byte)Enum.Parse<ItemType>(row["xml_json_name"]));
    }

    [Fact]
    public void EveryEnumerationValueHasItsValueAndName()
    {
        var rows = RepoFiles.Tsv("enums-all.tsv");
        var assembly = typeof(Tag).Assembly;
        int checkedValues = 0;
        foreach (var group in rows.GroupBy(r => r["enumeration"]))
        {
            var info = KmipNames.FindEnumeration(group.Key);
            Assert.NotNull(info);
            Assert.Equal(group.Count(), info.Values.Count);
            var clrType = group.Key == "Item Type" ? null : assembly.GetType("Kms.Ttlv." + info.TypeName);
            if (group.Key != "Item Type") Assert.NotNull(clrType);
            foreach (var row in group)
            {
                var value = Hex(row["value"]);
                Assert.True(info.TryGetName(value, out var name), $"{group.Key} {row["name"]}");
                Assert.Equal(row["xml_json_name"], name);
                Assert.True(info.TryGetValue(row["xml_json_name"], out var back));
                Assert.Equal(value, back);
                Assert.Equal(row["name"], info.Find(value)!.SpecName);
                if (clrType is not null)
                    Assert.Equal(value, Convert.ToUInt32(Enum.Parse(clrType, row["xml_json_name"]), CultureInfo.InvariantCulture));
                checkedValues++;
            }
            if (clrType is not null) Assert.Equal(group.Count(), Enum.GetValues(clrType).Length);
        }
        Assert.Equal(853, checkedValues);
    }

    [Fact]
    public void MasksAreFlagsAndKnownByTheirTags()
    {
        Assert.True(KmipNames.IsMask(Tag.CryptographicUsageMask));
        Assert.True(KmipNames.IsMask(Tag.StorageStatusMask));
        Assert.True(KmipNames.IsMask(Tag.ProtectionStorageMask));
        Assert.False(KmipNames.IsMask(Tag.CryptographicLength));
        Assert.True(typeof(CryptographicUsageMask).IsDefined(typeof(FlagsAttribute), false));
        Assert.Equal(0x0Cu, (uint)(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt));
    }

    [Theory]
    [InlineData(Tag.CryptographicAlgorithm, "Cryptographic Algorithm")]
    [InlineData(Tag.ObjectType, "Object Type")]
    [InlineData(Tag.Operation, "Operation")]
    [InlineData(Tag.ResultReason, "Result Reason")]
    [InlineData(Tag.LinkedObjectIdentifier, "Unique Identifier")]
    [InlineData(Tag.ExtensionType, "Item Type")]
    [InlineData(Tag.ObjectGroupMember, "Object Group Member Option")]
    [InlineData(Tag.DestroyAction, "Destroy Action Type")]
    [InlineData(Tag.MaskGeneratorHashingAlgorithm, "Hashing Algorithm")]
    [InlineData(Tag.CryptographicUsageMask, "Cryptographic Usage Mask")]
    public void EnumerationTagsMapToTheirEnumeration(Tag tag, string enumeration) =>
        Assert.Equal(enumeration, KmipNames.EnumerationFor(tag)?.SpecName);

    [Theory]
    [InlineData("ActivationDate", 0x420001u, true)]
    [InlineData("0x540001", 0x540001u, true)]
    [InlineData("0x420001", 0x420001u, true)]
    [InlineData("0x430000", 0u, false)]
    [InlineData("0x420000", 0u, false)]
    [InlineData("NoSuchTag", 0u, false)]
    [InlineData("0x42zz01", 0u, false)]
    public void TagsParseByNameOrHex(string text, uint expected, bool ok)
    {
        Assert.Equal(ok, KmipNames.TryParseTag(text, out var tag));
        Assert.Equal(expected, (uint)tag);
    }

    [Fact]
    public void UnknownTagsAreNamedInHex()
    {
        Assert.Equal("0x54ABCD", KmipNames.TagName((Tag)0x54ABCD));
        Assert.Equal("UniqueIdentifier", KmipNames.TagName(Tag.UniqueIdentifier));
        Assert.True(KmipNames.TryGetTagBySpecName("Cryptographic Usage Mask", out var t));
        Assert.Equal(Tag.CryptographicUsageMask, t);
    }
}
