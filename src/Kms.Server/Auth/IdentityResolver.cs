using System.Security.Cryptography.X509Certificates;
using Kms.Server.Configuration;

namespace Kms.Server.Auth;

/// <summary>
/// Maps an authenticated transport identity to a KMS user, with the same rules on the socket and on HTTP:
/// a client certificate names its user by subject CN (or email SAN with <c>client_identity = "email"</c>);
/// an empty name or <c>*</c> is refused; with <c>force_default_username</c> the caller is authenticated
/// and then acts as <c>default_username</c>.
/// <para>
/// The KMIP <c>Authentication</c> structure of a request header is not used for identity: the mutual-TLS
/// certificate (or the HTTP bearer token) is the only credential. The engine sees the resolved user only.
/// </para>
/// </summary>
public sealed class IdentityResolver(ServerOptions options)
{
    /// <summary>True when some authentication method (client certificates or JWT) is configured.</summary>
    public bool AuthenticationConfigured { get; } = options.Tls.ClientsCaCertFile is not null || options.IdpAuth.JwtAuthProvider.Count > 0;

    /// <summary>The user every caller acts as when no authentication is configured.</summary>
    public string DefaultUser => options.DefaultUsername;

    /// <summary>The user named by a validated client certificate, or null when it names none acceptable.</summary>
    public string? UserFromCertificate(X509Certificate2 certificate)
    {
        string? name = options.Tls.ClientIdentity == "email"
            ? certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false)
            : CommonName(certificate.SubjectName);
        return Accept(name);
    }

    /// <summary>The user an authenticated caller acts as.</summary>
    public string Effective(string authenticatedUser) => options.ForceDefaultUsername ? options.DefaultUsername : authenticatedUser;

    /// <summary>Refuses empty names, the wildcard <c>*</c> and names with control characters.</summary>
    public static string? Accept(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim() == "*") return null;
        foreach (char c in name) if (char.IsControl(c)) return null;
        return name;
    }

    private static string? CommonName(X500DistinguishedName subject)
    {
        string? cn = null;
        foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3")
            {
                if (cn is not null) return null;    // several CNs: ambiguous, refuse
                cn = rdn.GetSingleElementValue();
            }
        return cn;
    }
}
