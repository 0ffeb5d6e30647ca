using System.Security.Cryptography;
using Kms.Engine;
using Kms.Engine.Storage;

namespace Kms.Benchmarks;

/// <summary>
/// A durable engine for benchmarks: a real FASTER store in a fresh temporary folder, with a random master key in a file
/// there. <see cref="Dispose"/> closes the engine and deletes the folder.
/// </summary>
/// <param name="name">Part of the folder's name.</param>
/// <param name="storeOptions">The store's options from its data folder and master key file (default: the store's defaults).</param>
internal sealed class BenchEngine : IDisposable
{
    private readonly string _directory;

    public BenchEngine(string name, Func<string, string, FasterStoreOptions>? storeOptions = null)
    {
        _directory = Path.Combine(Path.GetTempPath(), $"kms-bench-{name}-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        string keyFile = Path.Combine(_directory, "master.key");
        File.WriteAllText(keyFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        FasterObjectStore? store = null;
        Engine = KmsEngine.Open(new EngineOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            MasterKeyFile = keyFile,
            StoreFactory = o => store = FasterObjectStore.Open(storeOptions?.Invoke(o.DataDirectory!, keyFile)
                ?? new FasterStoreOptions { DataDirectory = o.DataDirectory!, MasterKeyFile = keyFile }),
        });
        Store = store!;
    }

    public KmsEngine Engine { get; }

    /// <summary>The engine's store, for its counters and for store-level stages.</summary>
    public FasterObjectStore Store { get; }

    public void Dispose()
    {
        Engine.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
