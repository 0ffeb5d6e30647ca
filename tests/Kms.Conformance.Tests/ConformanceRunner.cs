using System.Net.Http.Headers;
using System.Text;
using Kms.Client;
using Kms.Ttlv;
using Kms.Ttlv.Json;
using Kms.Ttlv.Tree;
using Kms.Ttlv.Xml;

namespace Kms.Conformance.Tests;

/// <summary>The outcome of one case file: passed, or the first step that did not match and why.</summary>
public sealed record CaseResult(string RelativePath, bool Passed, int Steps, int FailedStep, string Detail)
{
    /// <summary>With <c>continueAfterDifference</c>: every step's difference ("step n/N: ..."), not only the first.</summary>
    public List<string> AllDifferences { get; init; } = [];

    /// <summary>The responses received, in step order (for the <c>KMS_CONFORMANCE_DUMP</c> diagnostic).</summary>
    public List<TtlvElement> Responses { get; init; } = [];

    public override string ToString() => Passed ? $"{RelativePath}: pass ({Steps} steps)" : $"{RelativePath}: step {FailedStep}/{Steps}: {Detail}";
}

/// <summary>
/// Replays one test case against a running server: each request (placeholders replaced by bound values and the
/// current time) is encoded and sent — binary TTLV over the mutual-TLS socket, or over HTTP /kmip in the MSGENC
/// case's own encoding — and its response is decoded and checked by <see cref="ConformanceComparer"/>. Each file runs
/// as its own user (client certificate CN <c>conformance-&lt;case&gt;</c>), so objects left over by other files are invisible
/// to its Locate requests. The files of a cross-file profile (<see cref="CrossFileProfiles"/>) are the exception: their
/// later files use what an earlier file left on the server, so such a file runs after the profile's earlier files of
/// its folder, in order, as the same user and with the same <see cref="ObjectFacts"/>; each test still runs on its own,
/// in any order.
/// </summary>
public static class ConformanceRunner
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Profiles whose later files need an earlier file's objects: TL-M-3 locates and reads the key TL-M-2 created (by its
    /// Application Specific Information), SASED-M-3 the password SASED-M-2 registered.
    /// </summary>
    public static readonly IReadOnlySet<string> CrossFileProfiles = new HashSet<string>(StringComparer.Ordinal) { "TL-M", "SASED-M" };

    /// <summary>
    /// Runs one case (after the earlier files of its profile when it belongs to a cross-file profile). Normally it stops
    /// at the first difference; with <paramref name="continueAfterDifference"/> (a diagnostic mode) it goes on with the
    /// remaining steps and collects every difference in <see cref="CaseResult.AllDifferences"/>.
    /// </summary>
    public static async Task<CaseResult> RunAsync(ServerProcess server, TestCase testCase, bool continueAfterDifference = false)
    {
        string user = "conformance-" + testCase.Name;
        var objects = new ObjectFacts();
        foreach (var earlier in EarlierFilesOfProfile(testCase))
        {
            var setup = await RunFileAsync(server, TestCase.Load(earlier), user, objects, continueAfterDifference: false);
            if (!setup.Passed)
                return new CaseResult(testCase.RelativePath, false, testCase.Steps.Count, 0, $"the profile's earlier file, run first as the same user, failed: {setup}");
        }
        return await RunFileAsync(server, testCase, user, objects, continueAfterDifference);
    }

    /// <summary>The files of the same folder and cross-file profile with a lower case number, in order (none for other profiles).</summary>
    public static IEnumerable<string> EarlierFilesOfProfile(TestCase testCase)
    {
        string profile = TestCase.ProfileOf(testCase.Name);
        if (!CrossFileProfiles.Contains(profile)) return [];
        string folder = testCase.RelativePath[..testCase.RelativePath.LastIndexOf('/')];
        int number = TestCase.NumberOf(testCase.Name);
        return TestCase.All(folder)
            .Where(f => Path.GetFileNameWithoutExtension(f) is var name && TestCase.ProfileOf(name) == profile && TestCase.NumberOf(name) < number)
            .OrderBy(f => TestCase.NumberOf(Path.GetFileNameWithoutExtension(f)));
    }

    private static async Task<CaseResult> RunFileAsync(ServerProcess server, TestCase testCase, string user, ObjectFacts objects, bool continueAfterDifference)
    {
        CaseResult? first = null;
        var all = new List<string>();
        var responses = new List<TtlvElement>();
        var bindings = new Bindings();
        var comparer = new ConformanceComparer(testCase.Placeholders, bindings, objects);
        var transport = TestCase.TransportOf(testCase.Name);
        KmipClient? socket = null;
        HttpClient? http = null;
        try
        {
            if (transport == Transport.Socket) socket = await server.ConnectAsync(user);
            else http = server.HttpClient(user);
            for (int step = 0; step < testCase.Steps.Count; step++)
            {
                var (expectedRequest, expectedResponse) = testCase.Steps[step];
                string label = OperationsOf(expectedRequest);
                TtlvElement request;
                try
                {
                    request = Substitute(expectedRequest, testCase.Placeholders, bindings);
                }
                catch (KeyNotFoundException e)
                {
                    if (Record(Fail(step, label, e.Message))) return Done();
                    continue;
                }
                TtlvElement actual;
                try
                {
                    using var timeout = new CancellationTokenSource(s_stepTimeout);
                    actual = transport == Transport.Socket
                        ? TtlvElement.Decode(await socket!.SendRawAsync(request.ToBytes(), timeout.Token))
                        : await SendHttpAsync(http!, transport, request, timeout.Token);
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or InvalidDataException or HttpRequestException or FormatException or System.Net.Sockets.SocketException)
                {
                    Record(Fail(step, label, $"transport: {e.GetType().Name}: {e.Message}"));
                    return Done();
                }
                responses.Add(actual);
                if (comparer.Compare(expectedResponse, actual, expectedRequest) is { } diff && Record(Fail(step, label, diff + ServerSaid(actual))))
                    return Done();
            }
            return Done();
        }
        finally
        {
            if (socket is not null) await socket.DisposeAsync();
            http?.Dispose();
        }

        CaseResult Fail(int step, string label, string detail) =>
            new(testCase.RelativePath, false, testCase.Steps.Count, step, $"{label}: {detail}");

        // Keeps the first failure and every difference; true when the run should stop here.
        bool Record(CaseResult failure)
        {
            first ??= failure;
            all.Add($"step {failure.FailedStep}/{failure.Steps}: {failure.Detail}");
            return !continueAfterDifference;
        }

        CaseResult Done() => (first ?? new CaseResult(testCase.RelativePath, true, testCase.Steps.Count, -1, "")) with { AllDifferences = all, Responses = responses };
    }

    /// <summary>
    /// A copy of a request with every placeholder replaced: bound values, and <c>$NOW±n</c> as the current time ± n seconds.
    /// Two implicit bindings of <see cref="ConformanceComparer"/> apply too: a literal value for which this server's own
    /// output was recorded (rule 7: a ciphertext, IV, tag, signature or MAC the case got from the reference server) is
    /// replaced by that output, and a placeholder no response bound yet takes the latest value of its tag (rule 8).
    /// </summary>
    public static TtlvElement Substitute(TtlvElement e, Placeholders placeholders, Bindings bindings)
    {
        if (e.Type == ItemType.Structure)
        {
            var children = new List<TtlvElement>(e.Children.Count);
            foreach (var c in e.Children) children.Add(Substitute(c, placeholders, bindings));
            return TtlvElement.Structure(e.Tag, children);
        }
        if (placeholders.NameOf(e) is not { } name)
            return e.Type == ItemType.ByteString && bindings.TryGetOutput(e.Tag, e.Bytes, out var ours) ? TtlvElement.ByteString(e.Tag, ours.Bytes) : e;
        if (Placeholders.IsTime(name))
            return TtlvElement.DateTime(e.Tag, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + Placeholders.TimeOffset(name));
        if (!bindings.TryGet(name, out var bound))
        {
            if (!(ConformanceComparer.OutputTags.Contains(e.Tag) && bindings.TryGetLatest(e.Tag, out bound)))
                throw new KeyNotFoundException($"request uses {name} before any response bound it");
            bindings.Set(name, bound);
        }
        return e.Type switch
        {
            ItemType.TextString when bound.Type == ItemType.TextString => TtlvElement.TextString(e.Tag, bound.Text),
            ItemType.ByteString when bound.Type == ItemType.ByteString => TtlvElement.ByteString(e.Tag, bound.Bytes),
            _ => throw new KeyNotFoundException($"request uses {name} as {e.Type}, but it was bound to a {bound.Type}"),
        };
    }

    private static async Task<TtlvElement> SendHttpAsync(HttpClient http, Transport transport, TtlvElement request, CancellationToken cancellationToken)
    {
        HttpContent content = transport switch
        {
            Transport.HttpJson => new StringContent(KmipJson.Serialize(request), Encoding.UTF8, "application/json"),
            Transport.HttpXml => new StringContent(KmipXml.Serialize(request), Encoding.UTF8, "text/xml"),
            _ => new ByteArrayContent(request.ToBytes()) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
        };
        using var response = await http.PostAsync("/kmip", content, cancellationToken);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 200)))}");
        string? type = response.Content.Headers.ContentType?.MediaType;
        return transport switch
        {
            Transport.HttpJson when type == "application/json" => KmipJson.Parse(body),
            Transport.HttpXml when type is "text/xml" or "application/xml" => KmipXml.Parse(body),
            Transport.HttpBinary when type == "application/octet-stream" => TtlvElement.Decode(body),
            _ => throw new FormatException($"response Content-Type {type ?? "(none)"} does not match the request's encoding"),
        };
    }

    private static string OperationsOf(TtlvElement request)
    {
        var names = request.FindAll(Tag.BatchItem).Select(b => b.Find(Tag.Operation) is { } op ? ((Operation)op.UInt32).ToString() : "?");
        return string.Join('+', names);
    }

    /// <summary>The actual result of failed batch items, to make a difference readable.</summary>
    private static string ServerSaid(TtlvElement actual)
    {
        var sb = new StringBuilder();
        foreach (var item in actual.FindAll(Tag.BatchItem))
        {
            if (item.Find(Tag.ResultStatus) is not { } status || status.UInt32 == (uint)ResultStatus.Success) continue;
            sb.Append(sb.Length == 0 ? " [server: " : "; ").Append((ResultStatus)status.UInt32);
            if (item.Find(Tag.ResultReason) is { } reason) sb.Append('/').Append((ResultReason)reason.UInt32);
            if (item.Find(Tag.ResultMessage) is { } message) sb.Append(" \"").Append(message.Text.Length > 100 ? message.Text[..100] : message.Text).Append('"');
        }
        return sb.Length == 0 ? "" : sb.Append(']').ToString();
    }
}
