using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine;

/// <summary>Configuration of a <see cref="KmsEngine"/>.</summary>
public sealed class EngineOptions
{
    /// <summary>
    /// Folder of the durable, encrypted FASTER store. Null (and no <see cref="StoreFactory"/>) = the
    /// ephemeral in-memory store: nothing survives the process (tools, demos).
    /// </summary>
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
    /// Creates the object store the engine owns (and disposes), overriding the default: a
    /// <see cref="FasterObjectStore"/> in <see cref="DataDirectory"/>, or a <see cref="MemoryObjectStore"/>
    /// when no data directory is set.
    /// </summary>
    public Func<EngineOptions, IObjectStore>? StoreFactory { get; init; }

    /// <summary>Receives warnings of the store (e.g. "master key generated"); never key material.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>The clock for lifecycle dates and time stamps.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// Register of a wrapped key (Key Wrapping Data present): false = stored as received (the default); true = unwrapped
    /// before it is stored when the wrapping key is in the KMS and the caller may Decrypt with it (Unwrap Key usage),
    /// and stored as received otherwise. Import always follows its Key Wrap Type (KMIP 2.1 §6.1.27).
    /// </summary>
    public bool UnwrapOnRegister { get; init; }

    /// <summary>
    /// How many decoded objects the engine keeps for its allocation-free read path (<see cref="ObjectCache"/>);
    /// 0 turns the cache off. Each entry holds one object's attributes and key material in memory.
    /// </summary>
    public int ObjectCacheEntries { get; init; } = 16_384;

    /// <summary>The Vendor Identification returned by Query.</summary>
    public string VendorIdentification { get; init; } = "Kms";

    /// <summary>The algorithm policy every cryptographic operation checks first (issue 4; default: no 3DES, no RSA PKCS#1 v1.5 encryption).</summary>
    public Crypto.AlgorithmPolicy Policy { get; init; } = Crypto.AlgorithmPolicy.Default;
}
