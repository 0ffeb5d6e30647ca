namespace Kms.Load;

/// <summary>One row of a run: a mix at a concurrency, optionally paced at a fraction of an earlier row's throughput.</summary>
public sealed record Scenario(string Name, string Mix, int Connections, int Depth, bool Echo = true, string? HalfLoadOf = null)
{
    public string Shape => Depth > 1 ? $"{Connections}×{Depth}" : $"{Connections}";

    /// <summary>The issue-7 scenarios: get and encrypt-64B at 1, 16 and 16×8; durable create at 1, 16, 64; sign; locate.</summary>
    public static IReadOnlyList<Scenario> Standard { get; } =
    [
        new("get c1", "get", 1, 1),
        new("get c16", "get", 16, 1),
        new("get c16x8", "get", 16, 8),
        new("get c16 @ half load", "get", 16, 1, Echo: false, HalfLoadOf: "get c16"),
        new("encrypt-64B c1", "encrypt-64B", 1, 1),
        new("encrypt-64B c16", "encrypt-64B", 16, 1),
        new("encrypt-64B c16x8", "encrypt-64B", 16, 8),
        new("encrypt-4KiB c16", "encrypt-4KiB", 16, 1),
        new("create c1", "create", 1, 1),
        new("create c16", "create", 16, 1),
        new("create c64", "create", 64, 1),
        new("sign-ed25519 c16", "sign-ed25519", 16, 1),
        new("sign-p256 c16", "sign-p256", 16, 1),
        new("locate-by-tag c16", "locate-by-tag", 16, 1),
        new("batch-10 c16", "batch-10", 16, 1),
    ];

    /// <summary>The encrypt and sign scenarios of <see cref="Standard"/> alone.</summary>
    public static IReadOnlyList<Scenario> Crypto { get; } = [.. Standard.Where(s => s.Mix.StartsWith("encrypt", StringComparison.Ordinal) || s.Mix.StartsWith("sign", StringComparison.Ordinal))];

    /// <summary>Durable create only (for experiments with the server's environment, e.g. its thread pool).</summary>
    public static IReadOnlyList<Scenario> Create { get; } =
    [
        new("create c1", "create", 1, 1, Echo: false),
        new("create c16", "create", 16, 1, Echo: false),
        new("create c64", "create", 64, 1, Echo: false),
    ];
}
