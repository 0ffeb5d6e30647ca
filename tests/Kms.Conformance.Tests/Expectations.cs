using System.Text;

namespace Kms.Conformance.Tests;

/// <summary>One row of an expectations table: a case (or operation), its profile (or protocol version), and whether it must pass.</summary>
public sealed record Expectation(string Key, string Group, bool MustPass, string Reason);

/// <summary>
/// An explicit expectations table kept in the repository (tab-separated: key, group, <c>pass</c>|<c>exception</c>, reason).
/// A row marked <c>pass</c> must pass; a row marked <c>exception</c> must currently fail, for the reason given, so that a
/// fixed case forces the table (and the README) to be updated. Nothing is skipped.
/// </summary>
public sealed class ExpectationTable
{
    private readonly Dictionary<string, Expectation> _rows;

    private ExpectationTable(string path, List<Expectation> rows)
    {
        Path = path;
        Rows = rows;
        _rows = rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
    }

    public string Path { get; }
    public IReadOnlyList<Expectation> Rows { get; }

    public static ExpectationTable Load(string fileName)
    {
        string path = RepoFiles.Path("tests", "Kms.Conformance.Tests", fileName);
        var rows = new List<Expectation>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            if (cells.Length != 4 || cells[2] is not ("pass" or "exception"))
                throw new FormatException($"{path}: bad row (want key, group, pass|exception, reason): {line}");
            if (cells[2] == "exception" && cells[3].Trim().Length == 0) throw new FormatException($"{path}: exception without a reason: {line}");
            rows.Add(new Expectation(cells[0], cells[1], cells[2] == "pass", cells[3]));
        }
        return new ExpectationTable(path, rows);
    }

    public Expectation? Find(string key) => _rows.GetValueOrDefault(key);

    /// <summary>
    /// Asserts that an outcome agrees with the table. <paramref name="detail"/> is the first difference (or the error)
    /// of a failed run.
    /// </summary>
    public void Check(string key, bool passed, string detail)
    {
        var row = Find(key);
        Assert.True(row is not null, $"{key} has no row in {Path}: add one (pass, or exception with the reason). Outcome: {(passed ? "pass" : detail)}");
        if (row!.MustPass)
            Assert.True(passed, $"{key} is listed as pass but failed: {detail}");
        else
            Assert.False(passed, $"{key} now passes: update {Path} (set it to pass, was exception: {row.Reason}) and the README table.");
    }

    /// <summary>Writes rows in the table's format (used to record a first version from a run).</summary>
    public static string Format(IEnumerable<Expectation> rows)
    {
        var sb = new StringBuilder();
        foreach (var r in rows) sb.Append(r.Key).Append('\t').Append(r.Group).Append('\t').Append(r.MustPass ? "pass" : "exception").Append('\t').Append(r.Reason).Append('\n');
        return sb.ToString();
    }
}
