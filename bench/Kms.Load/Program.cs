using System.CommandLine;
using Kms.Load;

// Kms.Load: the mTLS load generator of issue 7. With no --port it starts Kms.Server itself (KMIP and echo modes).
var mix = new Option<string>("--mix") { Description = "Operation mix: " + string.Join(", ", OperationKind.Names) + ", weighted like get:80,create:20.", DefaultValueFactory = _ => "get" };
var connections = new Option<int>("--connections", "-c") { Description = "TLS connections.", DefaultValueFactory = _ => 1 };
var depth = new Option<int>("--depth", "-d") { Description = "Requests in flight per connection (pipelining).", DefaultValueFactory = _ => 1 };
var duration = new Option<double>("--duration") { Description = "Measured seconds per scenario and mode.", DefaultValueFactory = _ => 10 };
var warmUp = new Option<double>("--warmup") { Description = "Warm-up seconds before each measurement.", DefaultValueFactory = _ => 5 };
var maxOps = new Option<long>("--max-ops") { Description = "Stop after this many measured messages (0 = only the duration bounds the run).", DefaultValueFactory = _ => 0 };
var rate = new Option<double>("--rate") { Description = "Pace the load at this many messages/s in total (one in flight per connection); 0 = as fast as possible." };
var suite = new Option<string?>("--suite") { Description = "'standard' runs the issue-7 scenarios instead of one --mix scenario; 'create' runs durable create at 1, 16, 64 connections." };
var host = new Option<string?>("--host") { Description = "A running server's address (loopback only)." };
var port = new Option<int?>("--port") { Description = "A running server's KMIP port; without it the tool starts Kms.Server itself." };
var ca = new Option<string?>("--ca") { Description = "PEM CA of the running server." };
var cert = new Option<string?>("--cert") { Description = "PEM client certificate for the running server." };
var key = new Option<string?>("--key") { Description = "PEM client key for the running server." };
var server = new Option<string?>("--server") { Description = "Kms.Server.dll to start (default: the repository's build of the same configuration)." };
var noEcho = new Option<bool>("--no-echo") { Description = "Do not measure the echo baseline." };
var pykmip = new Option<bool>("--pykmip") { Description = "Also compare with pykmip-server (needs /usr/bin/python3 with PyKMIP)." };
var pykmipMix = new Option<string>("--pykmip-mix") { Description = "Mix of the PyKMIP comparison (get and create only).", DefaultValueFactory = _ => "get:80,create:20" };
var pykmipProcesses = new Option<int>("--pykmip-processes") { Description = "PyKMIP driver processes.", DefaultValueFactory = _ => 4 };
var serverEnv = new Option<string[]>("--server-env") { Description = "NAME=VALUE set in the environment of the Kms.Server processes it starts (repeatable), for experiments.", AllowMultipleArgumentsPerToken = false };
var output = new Option<string?>("--out", "-o") { Description = "Write the results as Markdown to this file." };
var rounds = new Option<int>("--rounds") { Description = "Measure Kms and its echo alternately this many times per scenario (A/B/A/B, each round 1/N of --duration, warm-up ≤ 1 s after the first) and sum the rounds, so load that drifts during the run weighs on both modes alike.", DefaultValueFactory = _ => 1 };
var append = new Option<string?>("--append") { Description = "Append the table to the --out file under this heading instead of writing a new file." };

var root = new RootCommand("Kms load generator: mutual-TLS KMIP load with an echo baseline and a PyKMIP comparison, over loopback.")
{
    mix, connections, depth, duration, warmUp, maxOps, rate, suite, host, port, ca, cert, key, server, noEcho, pykmip, pykmipMix, pykmipProcesses, serverEnv, rounds, output, append,
};
root.SetAction(async (parse, cancellationToken) =>
{
    string? h = parse.GetValue(host);
    if (h is not null && h is not ("127.0.0.1" or "localhost" or "::1"))
    {
        Console.Error.WriteLine("loopback only: --host must be 127.0.0.1, localhost or ::1");
        return 2;
    }
    if (parse.GetValue(connections) is < 1 or > 1024 || parse.GetValue(depth) is < 1 or > 1024 || parse.GetValue(duration) is <= 0 or > 3600 || parse.GetValue(warmUp) is < 0 or > 600
        || parse.GetValue(rounds) is < 1 or > 100)
    {
        Console.Error.WriteLine("out of range: connections and depth 1..1024, duration 0..3600 s, warm-up 0..600 s, rounds 1..100");
        return 2;
    }
    IReadOnlyList<Scenario> scenarios;
    string? suiteName = parse.GetValue(suite);
    if (suiteName is null)
    {
        string m = parse.GetValue(mix)!;
        Workload.ParseMix(m); // fail early on a bad mix
        scenarios = [new Scenario($"{m} c{parse.GetValue(connections)}" + (parse.GetValue(depth) > 1 ? $"x{parse.GetValue(depth)}" : ""), m, parse.GetValue(connections), parse.GetValue(depth))];
    }
    else if (suiteName == "standard") scenarios = Scenario.Standard;
    else if (suiteName == "create") scenarios = Scenario.Create;
    else if (suiteName == "crypto") scenarios = Scenario.Crypto;
    else
    {
        Console.Error.WriteLine("unknown suite: " + suiteName);
        return 2;
    }
    var options = new BenchOptions(scenarios, TimeSpan.FromSeconds(parse.GetValue(warmUp)), TimeSpan.FromSeconds(parse.GetValue(duration)),
        parse.GetValue(maxOps), parse.GetValue(rate), h, parse.GetValue(port), parse.GetValue(ca), parse.GetValue(cert), parse.GetValue(key),
        parse.GetValue(server), !parse.GetValue(noEcho), parse.GetValue(pykmip), parse.GetValue(pykmipMix)!, parse.GetValue(pykmipProcesses),
        parse.GetValue(output), "Kms.Load " + string.Join(' ', args), parse.GetValue(serverEnv) ?? [], parse.GetValue(append), parse.GetValue(rounds));
    var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
    return await new Bench(options, TextWriter.Synchronized(stdout)).RunAsync();
});
return await root.Parse(args).InvokeAsync();
