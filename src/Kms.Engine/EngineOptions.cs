using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine;

/// <summary>Configuration of a <see cref="KmsEngine"/>.</summary>
public sealed class EngineOptions
{
    /// <summary>Folder of the durable store (used by the durable store factory).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Erase the database when the engine opens.</summary>
    public bool ClearOnStart { get; init; }

    /// <summary>Path of the master key file of the durable store.</summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>Environment variable holding the master key of the durable store.</summary>
    public string? MasterKeyEnvironmentVariable { get; init; }

    /// <summary>
    /// The users allowed to Create, Register and Import objects; null = every authenticated user
    /// (docs/access-rights.md).
    /// </summary>
    public IReadOnlyList<string>? PrivilegedUsers { get; init; }

    /// <summary>Bounds on request messages (size, depth, batch count).</summary>
    public TtlvLimits Limits { get; init; } = TtlvLimits.Default;

    /// <summary>Receives one entry per processed batch item.</summary>
    public IAuditSink? Audit { get; init; }

    /// <summary>
    /// Creates the object store the engine owns (and disposes). Null = the ephemeral
    /// <see cref="MemoryObjectStore"/> until the durable store is wired in as the default.
    /// </summary>
    public Func<EngineOptions, IObjectStore>? StoreFactory { get; init; }

    /// <summary>The clock for lifecycle dates and time stamps.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The Vendor Identification returned by Query.</summary>
    public string VendorIdentification { get; init; } = "Kms";
}
