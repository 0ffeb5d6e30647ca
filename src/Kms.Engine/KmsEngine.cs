using System.Buffers;
using Kms.Engine.Access;
using Kms.Engine.Messages;
using Kms.Engine.Storage;

namespace Kms.Engine;

/// <summary>
/// The KMIP engine: one whole binary TTLV Request Message in, one whole Response Message out, for an
/// authenticated caller. No transport types; thread-safe; never throws on bad input.
/// </summary>
public sealed class KmsEngine : IDisposable
{
    private readonly EngineCore _core;
    private int _disposed;

    private KmsEngine(EngineCore core) => _core = core;

    /// <summary>
    /// Opens the store described by <paramref name="options"/> (FASTER in <see cref="EngineOptions.DataDirectory"/>,
    /// or in memory when none is set) and returns a ready engine.
    /// </summary>
    public static KmsEngine Open(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Validate();
        var store = options.StoreFactory?.Invoke(options) ?? DefaultStore(options);
        return new KmsEngine(new EngineCore(options, store));
    }

    private static IObjectStore DefaultStore(EngineOptions options) => options.DataDirectory is null
        ? new MemoryObjectStore()
        : FasterObjectStore.Open(new FasterStoreOptions
        {
            DataDirectory = options.DataDirectory,
            ClearOnStart = options.ClearOnStart,
            MasterKeyFile = options.MasterKeyFile,
            MasterKeyEnvironmentVariable = options.MasterKeyEnvironmentVariable,
            Warn = options.Warn,
        });

    /// <summary>Grants, revocations and listings of access rights (docs/access-rights.md).</summary>
    public AccessControl Access => _core.Access;

    /// <summary>
    /// Processes one Request Message (KMIP 2.1 §8) and writes one Response Message to
    /// <paramref name="responseMessage"/>. A malformed message gets an Invalid Message response; the outcome tells a
    /// socket whether it must close the connection after sending it.
    /// </summary>
    /// <remarks>
    /// <paramref name="requestMessage"/> is read only before this method returns. The task completes once the response
    /// is written, which for a state-changing message is after its changes are durable on disk; no thread waits for
    /// the disk meanwhile. A message that changes nothing completes synchronously. Nothing else may write to
    /// <paramref name="responseMessage"/> until the task completes.
    /// </remarks>
    public ValueTask<MessageOutcome> ProcessAsync(ReadOnlyMemory<byte> requestMessage, IBufferWriter<byte> responseMessage, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(responseMessage);
        ArgumentNullException.ThrowIfNull(caller);
        return MessageProcessor.ProcessAsync(_core, requestMessage.Span, responseMessage, caller);
    }

    /// <summary>
    /// <see cref="ProcessAsync"/>, blocking the calling thread until the response is written (tests and tools; a server
    /// awaits <see cref="ProcessAsync"/> instead).
    /// </summary>
    public MessageOutcome Process(ReadOnlySpan<byte> requestMessage, IBufferWriter<byte> responseMessage, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(responseMessage);
        ArgumentNullException.ThrowIfNull(caller);
        var pending = MessageProcessor.ProcessAsync(_core, requestMessage, responseMessage, caller);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The engine's shared state (tests and benchmarks).</summary>
    internal EngineCore Core => _core;

    /// <summary>A cheap readiness probe of the store.</summary>
    public bool IsHealthy() => Volatile.Read(ref _disposed) == 0 && _core.Store.IsHealthy();

    /// <summary>Flushes and closes the store.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _core.Store.Dispose();
    }
}
