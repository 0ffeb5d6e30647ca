namespace Kms.Conformance.Tests;

/// <summary>Finds files of this repository (test cases, the server build output) from the test output folder.</summary>
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
}
