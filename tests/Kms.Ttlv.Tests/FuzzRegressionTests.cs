using Kms.Fuzz;

namespace Kms.Ttlv.Tests;

/// <summary>
/// Replays every committed fuzz input through the fuzz target it was found with (fuzz/Kms.Fuzz/FuzzTargets.cs,
/// linked into this project): the crash inputs under tests/Kms.Ttlv.Tests/fuzz-regressions/TARGET/ and the seed
/// corpus under fuzz/corpus/TARGET/. A target throws on any misbehaviour, so each case passes only if the
/// input is now refused cleanly (or accepted and re-encoded byte for byte).
/// </summary>
public class FuzzRegressionTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var root in new[] { RepoFiles.Path("tests", "Kms.Ttlv.Tests", "fuzz-regressions"), RepoFiles.Path("fuzz", "corpus") })
        {
            if (!Directory.Exists(root)) continue;
            foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
                foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                    if (!file.EndsWith(".md", StringComparison.Ordinal))
                        data.Add(Path.GetFileName(dir), Path.GetRelativePath(RepoFiles.Root, file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void InputReplaysCleanly(string target, string file)
    {
        Assert.True(FuzzTargets.All.TryGetValue(target, out var run), $"no fuzz target '{target}' for {file}");
        run(File.ReadAllBytes(Path.Combine(RepoFiles.Root, file)));
    }

    [Fact]
    public void EveryTargetHasSeeds()
    {
        foreach (var target in FuzzTargets.All.Keys)
            Assert.NotEmpty(Directory.GetFiles(RepoFiles.Path("fuzz", "corpus", target)));
    }

    [Fact]
    public void TargetsRunValidAndGarbageInputsWithoutThrowing()
    {
        // The framer target checks the framer against the input: a stream that frames is fine...
        FuzzTargets.Framer([3, .. SampleMessages.GetRequest(), .. SampleMessages.GetResponse()]);
        // ...and the binary target accepts a valid message and refuses garbage without throwing.
        FuzzTargets.Binary(SampleMessages.GetResponse());
        FuzzTargets.Binary([0x42, 0x00, 0x78, 0x01, 0xFF, 0xFF, 0xFF, 0xF8]);
        FuzzTargets.Binary([]);
    }
}
