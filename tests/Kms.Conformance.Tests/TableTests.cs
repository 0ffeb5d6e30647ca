namespace Kms.Conformance.Tests;

/// <summary>The expectations table covers every case file exactly once, and the README renders it.</summary>
public sealed class TableTests
{
    [Fact]
    public void EveryCaseFileHasExactlyOneRow()
    {
        var table = ConformanceTestsBase.Table.Value;
        var files = TestCase.All("v1.4").Concat(TestCase.All("v2.1")).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(table.Rows.Count, table.Rows.Select(r => r.Key).Distinct().Count());
        var withoutRow = files.Where(f => table.Find(f) is null).ToList();
        Assert.True(withoutRow.Count == 0, "case files without a row in the table: " + string.Join(", ", withoutRow));
        var withoutFile = table.Rows.Where(r => !files.Contains(r.Key)).Select(r => r.Key).ToList();
        Assert.True(withoutFile.Count == 0, "rows without a case file: " + string.Join(", ", withoutFile));
        foreach (var row in table.Rows) Assert.Equal(TestCase.ProfileOf(Path.GetFileNameWithoutExtension(row.Key)), row.Group);
    }

    [Fact]
    public void EveryCaseFileParses()
    {
        foreach (var file in TestCase.All("v1.4").Concat(TestCase.All("v2.1")))
        {
            var testCase = TestCase.Load(file);
            Assert.NotEmpty(testCase.Steps);
        }
    }
}
