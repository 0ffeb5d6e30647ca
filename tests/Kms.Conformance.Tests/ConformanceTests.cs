namespace Kms.Conformance.Tests;

/// <summary>One server process per version folder (a class fixture), shared by the theories of that folder.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ServerProcess.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Replays every OASIS KMIP test case of one version folder against a real server process and checks the outcome
/// against conformance-expectations.tsv (see <see cref="ExpectationTable"/>). Set <c>KMS_CONFORMANCE_RECORD</c> to a
/// file path to append each outcome there (one TSV row per case, used to write the table's first version), and
/// <c>KMS_CONFORMANCE_ALL</c> to a file path to run every step past the first difference and append all differences
/// there (a diagnostic listing of every deviation; the pass/exception check still uses the first one), and
/// <c>KMS_CONFORMANCE_DUMP</c> to a folder to write the responses received, one XML file per case.
/// </summary>
public abstract class ConformanceTestsBase(ServerFixture fixture)
{
    internal static readonly Lazy<ExpectationTable> Table = new(() => ExpectationTable.Load("conformance-expectations.tsv"));
    private static readonly object s_recordLock = new();

    protected async Task RunAsync(string relativePath)
    {
        var testCase = TestCase.Load(relativePath);
        string? all = Environment.GetEnvironmentVariable("KMS_CONFORMANCE_ALL");
        var result = await ConformanceRunner.RunAsync(fixture.Server, testCase, continueAfterDifference: all is { Length: > 0 });
        if (all is { Length: > 0 })
            lock (s_recordLock)
                File.AppendAllLines(all, result.AllDifferences.Select(d => relativePath + "\t" + d.Replace('\t', ' ')));
        if (Environment.GetEnvironmentVariable("KMS_CONFORMANCE_DUMP") is { Length: > 0 } dump)
        {
            string file = Path.Combine(dump, relativePath.Replace('/', '_'));
            File.WriteAllText(file, string.Concat(result.Responses.Select(r => Kms.Ttlv.Xml.KmipXml.Serialize(r) + "\n")));
        }
        if (Environment.GetEnvironmentVariable("KMS_CONFORMANCE_RECORD") is { Length: > 0 } record)
        {
            string reason = result.Passed ? "" : result.ToString()[(relativePath.Length + 2)..].Replace('\t', ' ');
            lock (s_recordLock)
                File.AppendAllText(record, ExpectationTable.Format([new Expectation(relativePath, TestCase.ProfileOf(testCase.Name), result.Passed, reason)]));
        }
        Table.Value.Check(relativePath, result.Passed, result.ToString());
    }
}

public sealed class ConformanceV14Tests(ServerFixture fixture) : ConformanceTestsBase(fixture), IClassFixture<ServerFixture>
{
    public static TheoryData<string> Cases => [.. TestCase.All("v1.4")];

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Replay(string file) => RunAsync(file);
}

public sealed class ConformanceV21Tests(ServerFixture fixture) : ConformanceTestsBase(fixture), IClassFixture<ServerFixture>
{
    public static TheoryData<string> Cases => [.. TestCase.All("v2.1")];

    [Theory]
    [MemberData(nameof(Cases))]
    public Task Replay(string file) => RunAsync(file);
}
