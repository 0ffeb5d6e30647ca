namespace Kms.Ttlv.Tests;

/// <summary>Finds files of this repository (the spec data under spec/kmip) from the test output folder.</summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Kms.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Kms.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => s_root.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Rows of a TSV file under spec/kmip, as dictionaries keyed by the header.</summary>
    public static List<Dictionary<string, string>> Tsv(string name)
    {
        var lines = File.ReadAllLines(Path("spec", "kmip", name));
        var header = lines[0].Split('\t');
        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var cells = line.Split('\t');
            var row = new Dictionary<string, string>();
            for (int i = 0; i < header.Length; i++) row[header[i]] = i < cells.Length ? cells[i] : "";
            rows.Add(row);
        }
        return rows;
    }
}
