using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kms.Engine.Access;
using Kms.Engine.Crypto;
using Kms.Engine.Model;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Operations;

/// <summary>
/// Validate (KMIP 2.1 §6.1.49; 1.4 §4.24): validates the certificate chain made of the request's Certificate
/// objects followed by the certificates named by its Unique Identifiers (the first one is the end entity), at the
/// Validity Date (default: now). Issuers come from the request and from the stored certificates the caller may
/// Get (found by subject name); the path must end at a self-signed certificate stored in the KMS. Answers Validity
/// Indicator Valid, Invalid (a date, signature, CA or key-usage check failed, or a certificate named by identifier
/// is Compromised) or Unknown (an issuer is missing or the root is not stored). A Unique Identifier that is not a
/// certificate is Invalid Object Type; no certificate at all is Missing Data. Needs Get on the named certificates.
/// </summary>
internal sealed class ValidateOperation : IKmipOperation
{
    /// <summary>Most stored certificates considered per issuer name.</summary>
    private const int MaxCandidatesPerName = 16;

    public Operation Operation => Operation.Validate;

    public TtlvElement Execute(OperationContext ctx, TtlvElement payload)
    {
        var chain = new List<byte[]>();
        var trusted = new List<byte[]>();
        bool compromised = false;
        foreach (var c in payload.FindAll(Tag.Certificate))
        {
            if (c.Find(Tag.CertificateValue) is not { Type: ItemType.ByteString } v) throw KmipFault.Invalid("Certificate needs a Certificate Value");
            if (c.Find(Tag.CertificateType) is { } type && type.UInt32 != (uint)CertificateType.X_509)
                throw new KmipFault(ResultReason.FeatureNotSupported, "Only X.509 certificates can be validated");
            chain.Add(v.Bytes);
        }
        foreach (var u in payload.FindAll(Tag.UniqueIdentifier))
        {
            var id = ctx.ResolveId(TtlvElement.Structure(Tag.RequestPayload, u));
            var obj = ctx.Load(id, Permission.Get);
            if (obj.IsDestroyed || obj.Value is null) throw new KmipFault(ResultReason.ObjectDestroyed, "Object destroyed", ResultReason.ItemNotFound);
            var der = CertificateLinks.Der(obj);
            compromised |= Lifecycle.Effective(obj, ctx.Now) is State.Compromised;
            chain.Add(der);
            trusted.Add(der);
        }
        if (chain.Count == 0) throw KmipFault.Missing("Validate needs at least one certificate");
        long at = payload.Find(Tag.ValidityDate) is { Type: ItemType.DateTime } d ? d.Number : ctx.Now;

        var pool = new List<byte[]>(chain);
        AddStoredIssuers(ctx, pool, trusted);
        var result = Certificates.Validate(chain[0], pool, trusted, DateTimeOffset.FromUnixTimeSeconds(at));
        var indicator = compromised ? ValidityIndicator.Invalid : result.Indicator;
        return TtlvElement.Structure(Tag.ResponsePayload, TtlvElement.Enumeration(Tag.ValidityIndicator, (uint)indicator));
    }

    /// <summary>Adds the stored certificates (not compromised, Get allowed) whose subject is the issuer of a certificate of the pool, up the chain.</summary>
    private static void AddStoredIssuers(OperationContext ctx, List<byte[]> pool, List<byte[]> trusted)
    {
        var user = ctx.Caller.User;
        string[] scopes = [ObjectCodec.Term("owner=", user), ObjectCodec.Term("perm=", user + ":" + Permission.Get), ObjectCodec.Term("perm=", AccessControl.Everyone + ":" + Permission.Get)];
        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < pool.Count && i < Certificates.MaxChainDepth * 4; i++)
        {
            byte[] issuerDn;
            try
            {
                using var c = X509CertificateLoader.LoadCertificate(pool[i]);
                issuerDn = c.IssuerName.RawData;
            }
            catch (CryptographicException) { continue; }
            var term = ObjectCodec.SubjectTerm(issuerDn);
            if (!seenNames.Add(term)) continue;
            int taken = 0;
            foreach (var scope in scopes)
            {
                foreach (var id in ctx.Work.FindByTerms([term, ObjectCodec.Term("type=", nameof(ObjectType.Certificate)), scope]))
                {
                    if (taken >= MaxCandidatesPerName) break;
                    if (!ctx.Work.TryLoad(id, out var obj) || obj.IsDestroyed || obj.Value is null || !AccessControl.MayAct(obj, user, Permission.Get)) continue;
                    if (Lifecycle.Effective(obj, ctx.Now) is State.Compromised) continue;
                    var der = CertificateLinks.Der(obj);
                    taken++;
                    if (!pool.Exists(p => p.AsSpan().SequenceEqual(der))) pool.Add(der);
                    trusted.Add(der);
                }
            }
        }
    }
}
