using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Shared steps of the cryptographic operations (issue 4): the policy, the <see cref="CryptoFailure"/> →
/// <see cref="KmipFault"/> mapping, loading a key for a use (access right, usage mask, state) and reading
/// the stored key material in the crypto layer's canonical forms (raw / PKCS#8 / SubjectPublicKeyInfo).
/// </summary>
internal static class CryptoSupport
{
    public static AlgorithmPolicy Policy(OperationContext ctx) => ctx.Engine.Options.Policy;

    /// <summary>Runs a crypto-layer call, turning a <see cref="CryptoFailure"/> into the KMIP fault its reason maps to (KMIP 2.1 §11.1).</summary>
    public static T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (CryptoFailure f)
        {
            throw Fault(f);
        }
    }

    /// <summary><see cref="Run{T}(Func{T})"/> with the call's arguments passed in, so that a static lambda (no closure) can be used.</summary>
    public static T Run<TState, T>(TState state, Func<TState, T> call)
    {
        try
        {
            return call(state);
        }
        catch (CryptoFailure f)
        {
            throw Fault(f);
        }
    }

    public static KmipFault Fault(CryptoFailure f)
    {
        var reason = f.ToResultReason();
        ResultReason? reason1x = reason switch
        {
            ResultReason.BadCryptographicParameters or ResultReason.UnsupportedCryptographicParameters or ResultReason.MissingInitializationVector
                or ResultReason.InvalidCorrelationValue or ResultReason.BadPassword or ResultReason.InvalidCSR => ResultReason.CryptographicFailure,
            _ => null,
        };
        return new KmipFault(reason, f.Message, reason1x);
    }

    /// <summary>
    /// Loads the key of a cryptographic operation: the caller needs <paramref name="permission"/>; the
    /// usage mask must hold <paramref name="usage"/> (Incompatible Cryptographic Usage Mask) and the state be
    /// one of <paramref name="states"/> (Wrong Key Lifecycle State). KMIP 2.1 §3.1: only Active objects
    /// protect new data; Deactivated and Compromised ones may still process (decrypt, verify).
    /// </summary>
    /// <remarks>
    /// Protecting uses (Encrypt, Sign, MAC: <paramref name="protect"/>) also fail once the Protect Stop Date is
    /// reached, processing uses before the Process Start Date (KMIP 2.1 §4.37, §4.36): Wrong Key Lifecycle State.
    /// </remarks>
    public static ManagedObject LoadKey(OperationContext ctx, TtlvElement payload, Permission permission, CryptographicUsageMask usage, params ReadOnlySpan<State> states)
    {
        var id = ctx.ResolveId(payload);
        var obj = ctx.Load(id, permission);
        if (KeyFault(obj, ctx.Now, usage, states) is { } fault) throw fault;
        return obj;
    }

    /// <summary>
    /// Why <paramref name="obj"/> may not serve <paramref name="usage"/> at <paramref name="now"/>, or null when it may (the
    /// checks of <see cref="LoadKey"/> after the access check). The state is the one the dates give at
    /// <paramref name="now"/> (<see cref="Lifecycle.Effective"/>), so a shared, unrefreshed object gets the same answer.
    /// </summary>
    public static KmipFault? KeyFault(ManagedObject obj, long now, CryptographicUsageMask usage, ReadOnlySpan<State> states)
        => KeyFault(KeyUse.Of(obj), now, usage, states);

    /// <summary><see cref="KeyFault(ManagedObject, long, CryptographicUsageMask, ReadOnlySpan{State})"/> over the object's <see cref="KeyUse"/> facts.</summary>
    public static KmipFault? KeyFault(in KeyUse key, long now, CryptographicUsageMask usage, ReadOnlySpan<State> states)
    {
        bool protect = (usage & (CryptographicUsageMask.Encrypt | CryptographicUsageMask.Sign | CryptographicUsageMask.MACGenerate)) != 0;
        if (key.Destroyed) return new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
        if (key.Archived) return new KmipFault(ResultReason.ObjectArchived, "Object archived");
        var state = Lifecycle.Effective(key.StoredState, key.ActivationDate, key.DeactivationDate, now);
        bool allowed = false;
        foreach (var s in states) allowed |= s == state;
        if (!allowed) return KmipFault.WrongState("The key is not in a state that allows this operation");
        if (protect && key.ProtectStopDate is { } stop && stop <= now) return KmipFault.WrongState("The Protect Stop Date has passed");
        if (!protect && key.ProcessStartDate is { } start && start > now) return KmipFault.WrongState("The Process Start Date is not reached");
        return Lifecycle.UsageFault(key.UsageMask, usage);
    }

    public static CryptographicAlgorithm Algorithm(ManagedObject obj)
        => obj.Get(Tag.CryptographicAlgorithm) is { } a ? (CryptographicAlgorithm)a.UInt32
        : obj.Value?.FindPath(Tag.KeyBlock, Tag.CryptographicAlgorithm) is { } b ? (CryptographicAlgorithm)b.UInt32 : 0;

    public static RecommendedCurve Curve(ManagedObject obj)
        => obj.Get(Tag.RecommendedCurve) is { } c ? (RecommendedCurve)c.UInt32
        : obj.Get(Tag.CryptographicDomainParameters)?.Find(Tag.RecommendedCurve) is { } d ? (RecommendedCurve)d.UInt32 : 0;

    private static (KeyFormatType Format, byte[] Material) Block(ManagedObject obj)
    {
        var block = obj.Value?.Find(Tag.KeyBlock) ?? throw new KmipFault(ResultReason.InvalidObjectType, "The object holds no key", ResultReason.InvalidField);
        if (block.Find(Tag.KeyWrappingData) is not null)
            throw new KmipFault(ResultReason.KeyWrapTypeNotSupported, "The key is stored wrapped", ResultReason.CryptographicFailure);
        var format = block.Find(Tag.KeyFormatType) is { } f ? (KeyFormatType)f.UInt32 : 0;
        var material = block.FindPath(Tag.KeyValue, Tag.KeyMaterial);
        if (material is { Type: ItemType.ByteString }) return (format, material.Bytes);
        if (format == KeyFormatType.TransparentSymmetricKey && material?.Find(Tag.Key) is { Type: ItemType.ByteString } k) return (KeyFormatType.Raw, k.Bytes);
        throw new KmipFault(ResultReason.KeyFormatTypeNotSupported, "Key format not supported for this operation", ResultReason.InvalidField);
    }

    /// <summary>The raw bytes of a Symmetric Key or Secret Data.</summary>
    public static byte[] SymmetricKey(ManagedObject obj)
    {
        if (obj.ObjectType is not (ObjectType.SymmetricKey or ObjectType.SecretData))
            throw new KmipFault(ResultReason.InvalidObjectType, "A symmetric key is required", ResultReason.InvalidField);
        var (format, material) = Block(obj);
        if (format is not (KeyFormatType.Raw or KeyFormatType.Opaque or KeyFormatType.TransparentSymmetricKey))
            throw new KmipFault(ResultReason.KeyFormatTypeNotSupported, "Key format not supported for this operation", ResultReason.InvalidField);
        return material;
    }

    /// <summary>A Private Key as PKCS#8 DER.</summary>
    public static byte[] PrivateKey(ManagedObject obj)
    {
        if (obj.ObjectType != ObjectType.PrivateKey) throw new KmipFault(ResultReason.InvalidObjectType, "A private key is required", ResultReason.InvalidField);
        var (format, material) = Block(obj);
        return Run(() => KeyFormats.PrivateToPkcs8(format, material, Algorithm(obj), Curve(obj)));
    }

    /// <summary>A Public Key (or the key of a Certificate) as SubjectPublicKeyInfo DER.</summary>
    public static byte[] PublicKey(ManagedObject obj)
    {
        if (obj.ObjectType == ObjectType.Certificate && obj.Value?.Find(Tag.CertificateValue) is { Type: ItemType.ByteString } cert)
        {
            using var x = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(cert.Bytes);
            return x.PublicKey.ExportSubjectPublicKeyInfo();
        }
        if (obj.ObjectType != ObjectType.PublicKey) throw new KmipFault(ResultReason.InvalidObjectType, "A public key is required", ResultReason.InvalidField);
        var (format, material) = Block(obj);
        return Run(() => KeyFormats.PublicToSpki(format, material, Algorithm(obj), Curve(obj)));
    }

    /// <summary>
    /// The Cryptographic Parameters of a request merged over the object's Cryptographic Parameters
    /// attribute (KMIP 2.1 §6.1.18: the request's fields win; absent fields come from the object).
    /// </summary>
    public static TtlvElement Parameters(ManagedObject obj, TtlvElement payload)
    {
        var merged = TtlvElement.Structure(Tag.CryptographicParameters);
        var request = payload.Find(Tag.CryptographicParameters);
        if (request is not null && request.Type != ItemType.Structure) throw KmipFault.Invalid("Cryptographic Parameters must be a structure");
        if (request is not null) merged.Children.AddRange(request.Children);
        if (obj.Get(Tag.CryptographicParameters) is { Type: ItemType.Structure } stored)
            foreach (var c in stored.Children)
                if (merged.Find(c.Tag) is null) merged.Children.Add(c);
        return merged;
    }

    public static T Enum<T>(TtlvElement parameters, Tag tag) where T : struct, System.Enum
        => parameters.Find(tag) is { Type: ItemType.Enumeration } e ? (T)(object)e.UInt32 : default;

    public static int? Int(TtlvElement parameters, Tag tag) => parameters.Find(tag) is { Type: ItemType.Integer } i ? i.Int32 : null;

    public static byte[]? Bytes(TtlvElement payload, Tag tag)
    {
        var e = payload.Find(tag);
        if (e is null) return null;
        if (e.Type != ItemType.ByteString) throw KmipFault.Invalid("Byte String expected");
        return e.Bytes;
    }

    /// <summary>
    /// Register / Import of a Private or Public Key in PKCS#1, PKCS#8, SEC1 (ECPrivateKey) or X.509 form: fills
    /// Cryptographic Algorithm, Cryptographic Length and (EC) the Recommended Curve from the key itself when the
    /// client did not give them (<see cref="KeyDescription"/>). A key that does not decode is left as received.
    /// </summary>
    public static void Describe(ManagedObject obj)
    {
        if (obj.ObjectType is not (ObjectType.PrivateKey or ObjectType.PublicKey)) return;
        var block = obj.Value?.Find(Tag.KeyBlock);
        if (block is null || block.Find(Tag.KeyWrappingData) is not null) return;
        if (block.FindPath(Tag.KeyValue, Tag.KeyMaterial) is not { Type: ItemType.ByteString } material) return;
        var format = block.Find(Tag.KeyFormatType) is { } f ? (KeyFormatType)f.UInt32 : 0;
        if (format is not (KeyFormatType.PKCS_1 or KeyFormatType.PKCS_8 or KeyFormatType.ECPrivateKey or KeyFormatType.X_509)) return;
        KeyDescription d;
        try
        {
            if (obj.ObjectType == ObjectType.PrivateKey)
            {
                var pkcs8 = KeyFormats.PrivateToPkcs8(format, material.Bytes);
                d = KeyDescription.FromPkcs8(pkcs8);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(pkcs8);
            }
            else d = KeyDescription.FromSpki(KeyFormats.PublicToSpki(format, material.Bytes));
        }
        catch (CryptoFailure)
        {
            return;
        }
        if (d.Algorithm != 0 && obj.Get(Tag.CryptographicAlgorithm) is null && block.Find(Tag.CryptographicAlgorithm) is null)
            obj.AddInstance(TtlvElement.Enumeration(Tag.CryptographicAlgorithm, (uint)d.Algorithm));
        if (d.Bits > 0 && obj.Get(Tag.CryptographicLength) is null && block.Find(Tag.CryptographicLength) is null)
            obj.AddInstance(TtlvElement.Integer(Tag.CryptographicLength, d.Bits));
        if (d.Curve != 0 && obj.Get(Tag.CryptographicDomainParameters) is null)
            obj.AddInstance(TtlvElement.Structure(Tag.CryptographicDomainParameters, TtlvElement.Enumeration(Tag.RecommendedCurve, (uint)d.Curve)));
    }
}

/// <summary>
/// The attributes of an object that decide whether it may serve as a key at a given time (<see cref="CryptoSupport.KeyFault(in KeyUse, long, CryptographicUsageMask, ReadOnlySpan{State})"/>):
/// read per request by the operations, once per cached object by the fast path (Storage.CipherKey), which evaluates the
/// dates at each request.
/// </summary>
/// <param name="Destroyed">Destroyed, or without key material.</param>
internal readonly record struct KeyUse(bool Destroyed, bool Archived, State StoredState, long? ActivationDate, long? DeactivationDate,
    long? ProtectStopDate, long? ProcessStartDate, CryptographicUsageMask UsageMask)
{
    public static KeyUse Of(ManagedObject obj) => new(obj.IsDestroyed || obj.Value is null, obj.Archived, obj.StoredState,
        obj.Date(Tag.ActivationDate), obj.Date(Tag.DeactivationDate), obj.Date(Tag.ProtectStopDate), obj.Date(Tag.ProcessStartDate), obj.UsageMask);
}
