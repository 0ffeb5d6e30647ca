using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace Kms.Engine.Crypto;

/// <summary>Contents of a PKCS#12 file: the private key, its certificate and any further chain certificates (DER).</summary>
public sealed record Pkcs12Contents(byte[] PrivateKeyPkcs8, byte[] CertificateDer, IReadOnlyList<byte[]> Chain);

/// <summary>
/// PKCS#12 (RFC 7292) export and import for Key Format Type PKCS_12 (KMIP 2.1 §11.13): a private key with
/// its certificate (and chain) under a password. Export uses PBES2 with AES-256-CBC and HMAC-SHA-256
/// (RFC 8018) for both the key and the certificate bags, which OpenSSL 3 reads without the legacy provider.
/// </summary>
public static class Pkcs12Codec
{
    /// <summary>Largest PKCS#12 input accepted on import.</summary>
    public const int MaxInputLength = 1 << 20;

    /// <summary>Builds a PKCS#12 with one key entry. <paramref name="chain"/> lists issuer certificates after the leaf.</summary>
    public static byte[] Export(ReadOnlySpan<byte> privateKeyPkcs8, ReadOnlySpan<byte> certificateDer, IEnumerable<byte[]>? chain, string password, string friendlyName = "key")
    {
        if (string.IsNullOrEmpty(password)) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "A PKCS#12 export needs a password.");
        var key = Keys.PrivateFromPkcs8(privateKeyPkcs8);
        var certs = new List<X509CertificateEntry> { new(Certificates.Load(certificateDer)) };
        if (chain is not null)
            foreach (var c in chain) certs.Add(new X509CertificateEntry(Certificates.Load(c)));
        var store = new Pkcs12StoreBuilder()
            .SetKeyAlgorithm(NistObjectIdentifiers.IdAes256Cbc, PkcsObjectIdentifiers.IdHmacWithSha256)
            .SetCertAlgorithm(NistObjectIdentifiers.IdAes256Cbc, PkcsObjectIdentifiers.IdHmacWithSha256)
            .Build();
        store.SetKeyEntry(friendlyName, new AsymmetricKeyEntry(key), certs.ToArray());
        using var ms = new MemoryStream();
        var pw = password.ToCharArray();
        try { store.Save(ms, pw, Keys.Random); }
        finally { Array.Clear(pw); }
        return ms.ToArray();
    }

    /// <summary>Reads the first key entry of a PKCS#12. A wrong password is <see cref="CryptoFailureReason.BadPassword"/>.</summary>
    public static Pkcs12Contents Import(ReadOnlySpan<byte> pkcs12, string password)
    {
        if (pkcs12.Length > MaxInputLength) CryptoFailure.Throw(CryptoFailureReason.BadParameters, "PKCS#12 input too large.");
        var store = new Pkcs12StoreBuilder().Build();
        var pw = password.ToCharArray();
        try
        {
            using var ms = new MemoryStream(pkcs12.ToArray());
            store.Load(ms, pw);
        }
        catch (IOException e) when (e.Message.Contains("password", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("MAC", StringComparison.Ordinal))
        {
            return CryptoFailure.Throw<Pkcs12Contents>(CryptoFailureReason.BadPassword, "PKCS#12 password is wrong.");
        }
        catch (Exception e) when (e is not CryptoFailure)
        {
            // Untrusted input: BouncyCastle reports malformed structures with many exception types.
            return CryptoFailure.Throw<Pkcs12Contents>(CryptoFailureReason.InvalidKey, "PKCS#12 data could not be decoded.");
        }
        finally { Array.Clear(pw); }
        try
        {
            foreach (var alias in store.Aliases)
            {
                if (!store.IsKeyEntry(alias)) continue;
                var pkcs8 = Keys.ToPkcs8(store.GetKey(alias).Key);
                var chain = store.GetCertificateChain(alias) ?? [];
                var leaf = chain.Length > 0 ? chain[0].Certificate.GetEncoded() : store.GetCertificate(alias)?.Certificate.GetEncoded();
                if (leaf is null) break;
                var rest = new List<byte[]>();
                for (int i = 1; i < chain.Length; i++) rest.Add(chain[i].Certificate.GetEncoded());
                return new Pkcs12Contents(pkcs8, leaf, rest);
            }
        }
        catch (Exception e) when (e is not CryptoFailure)
        {
            return CryptoFailure.Throw<Pkcs12Contents>(CryptoFailureReason.InvalidKey, "PKCS#12 data could not be decoded.");
        }
        return CryptoFailure.Throw<Pkcs12Contents>(CryptoFailureReason.InvalidKey, "PKCS#12 holds no private key with a certificate.");
    }
}
