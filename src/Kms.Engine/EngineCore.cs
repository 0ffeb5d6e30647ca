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

    internal long NowSeconds => Options.Clock.GetUtcNow().ToUnixTimeSeconds();
}
