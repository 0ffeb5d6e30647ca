using System.Collections.Frozen;
using Kms.Engine.Access;
using Kms.Engine.Operations;
using Kms.Engine.Storage;
using Kms.Ttlv;

namespace Kms.Engine;

/// <summary>The engine's shared state: options, store, access control and the operation table.</summary>
internal sealed class EngineCore
{
    /// <summary>How many times a unit of work is re-run after a version conflict before giving up.</summary>
    internal const int MaxCommitAttempts = 64;

    internal EngineCore(EngineOptions options, IObjectStore store)
    {
        Options = options;
        Cache = new ObjectCache(store, options.ObjectCacheEntries);
        Store = Cache; // every read and commit passes the cache, so no commit path can skip its invalidation
        Access = new AccessControl(this);
        IKmipOperation[] ops =
        [
            new DiscoverVersionsOperation(), new QueryOperation(), new CreateOperation(), new RegisterOperation(),
            new GetOperation(), new GetAttributesOperation(), new GetAttributeListOperation(),
            new AddAttributeOperation(), new SetAttributeOperation(), new ModifyAttributeOperation(), new DeleteAttributeOperation(),
            new LocateOperation(), new ActivateOperation(), new RevokeOperation(), new DestroyOperation(),
            new CheckOperation(), new ArchiveOperation(), new RecoverOperation(), new InteropOperation(), new LogOperation(),
            // Cryptographic operations (issue 4).
            new CreateKeyPairOperation(), new EncryptOperation(), new DecryptOperation(), new SignOperation(), new SignatureVerifyOperation(),
            new MacOperation(), new MacVerifyOperation(), new HashOperation(), new RngRetrieveOperation(), new RngSeedOperation(), new DeriveKeyOperation(), new ReKeyOperation(), new ReKeyKeyPairOperation(),
            new CertifyOperation(), new ValidateOperation(), new ExportOperation(), new ImportOperation(),
        ];
        Operations = ops.ToFrozenDictionary(o => o.Operation);
    }

    internal EngineOptions Options { get; }
    internal IObjectStore Store { get; }
    internal ObjectCache Cache { get; }
    internal AccessControl Access { get; }
    internal FrozenDictionary<Operation, IKmipOperation> Operations { get; }

    /// <summary>
    /// The current Unix time in whole seconds (time stamps, lifecycle dates). With the system clock, one wall-clock
    /// reading serves until shortly before the next second begins, as told by the cheap coarse tick count (a
    /// wall-clock read costs ~25 ns on this VM, once per fast-path message); any other <see cref="TimeProvider"/>
    /// (tests) is read every time.
    /// </summary>
    internal long NowSeconds
    {
        get
        {
            if (!ReferenceEquals(Options.Clock, TimeProvider.System)) return Options.Clock.GetUtcNow().ToUnixTimeSeconds();
            var second = Volatile.Read(ref _second);
            long tick = Environment.TickCount64;
            return tick < second.ValidUntilTick ? second.Unix : ReadSecond(tick);
        }
    }

    // The tick count advances in scheduler ticks (1–10 ms): a reading is trusted only until this long before its second ends.
    private const long SecondMarginMilliseconds = 20;
    private sealed record SecondReading(long Unix, long ValidUntilTick);
    private SecondReading _second = new(0, long.MinValue);

    private long ReadSecond(long tick)
    {
        var now = DateTimeOffset.UtcNow;
        long unix = now.ToUnixTimeSeconds();
        // Published once per second: inside the margin every call reads the clock itself and allocates nothing.
        long validUntil = tick + (1000 - now.Millisecond) - SecondMarginMilliseconds;
        if (validUntil > tick) Volatile.Write(ref _second, new SecondReading(unix, validUntil));
        return unix;
    }
}
