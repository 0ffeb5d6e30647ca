namespace Kms.Engine;

/// <summary>Who is calling, as the transport authenticated it. The engine never sees transport objects.</summary>
/// <param name="User">The authenticated user id (certificate CN, email, JWT subject, or the default user).</param>
/// <param name="Transport">"socket" (binary TTLV over mTLS) or "http".</param>
/// <param name="PeerAddress">The remote address, for audit only.</param>
public sealed record CallerIdentity(string User, string Transport, string? PeerAddress);
