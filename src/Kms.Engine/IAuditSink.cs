using Kms.Ttlv;

namespace Kms.Engine;

/// <summary>One audited operation (one batch item). Never holds key material.</summary>
public readonly record struct AuditEntry(
    DateTimeOffset Time,
    CallerIdentity Caller,
    Operation? Operation,
    string? UniqueIdentifier,
    ResultStatus Status,
    ResultReason? Reason,
    TimeSpan Duration);

/// <summary>Receives an <see cref="AuditEntry"/> for every processed batch item. Implemented by the host.</summary>
public interface IAuditSink
{
    void Record(in AuditEntry entry);
}
