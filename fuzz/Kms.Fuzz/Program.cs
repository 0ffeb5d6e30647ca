using SharpFuzz;

namespace Kms.Fuzz;

/// <summary>
/// SharpFuzz harnesses, one per decoder, selected by the first argument. Under AFL++ each run reads one
/// input from stdin (<see cref="Fuzzer.OutOfProcess"/>); any exception that escapes a target is a crash.
/// The targets live in FuzzTargets.cs, which the test project links, so a crash file replays through the same
/// code in tests/Kms.Ttlv.Tests/FuzzRegressionTests.cs.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 1 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: Kms.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [--replay FILE...]");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
        {
            // Runs crash files without the fuzzer (only with an UNinstrumented Kms.Ttlv.dll).
            foreach (var file in args.Skip(2)) target(File.ReadAllBytes(file));
            return 0;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            target(ms.ToArray());
        });
        return 0;
    }
}

