using System.Text;

namespace Kms.Conformance.Tests;

/// <summary>
/// Renders the README's <c>## Conformance</c> section (the last section of README.md) from the two expectations tables,
/// so the README always shows what the tests enforce. <see cref="ReadmeTests"/> checks it; run the tests with
/// <c>KMS_UPDATE_README=1</c> to rewrite it after changing a table.
/// </summary>
public static class ReadmeSection
{
    public const string Heading = "## Conformance";

    private static readonly (string Profile, string Reason)[] s_unclaimed =
    [
        ("TL-M", "tape library profile: not claimed (no tape-specific semantics)"),
        ("SASED-M", "self-encrypting drive profile: not claimed"),
        ("PKCS11-M", "PKCS#11 profile (the PKCS#11 operation): not claimed"),
        ("SUITEB_128-M", "Suite B profiles: not claimed (NSA Suite B is withdrawn; its TLS suite list is not enforced)"),
        ("SUITEB_192-M", "Suite B profiles: not claimed"),
    ];

    public static string Render(ExpectationTable conformance, ExpectationTable pykmip, ExpectationTable traps)
    {
        var sb = new StringBuilder();
        sb.Append(Heading).Append("\n\n");
        sb.Append("""
            Every OASIS KMIP Profiles test case in `spec/kmip/testcases` (v1.4 and v2.1, mandatory and optional) is replayed
            by `tests/Kms.Conformance.Tests` against a real server process started from the build output: each request is
            encoded to binary TTLV and sent over the mutual-TLS socket (the MSGENC-HTTPS/JSON/XML cases go to HTTPS `/kmip` in
            their own encoding), and each response is compared with the expected one by `ConformanceComparer`, which allows
            only the variations of Profiles 2.1 §4.1: generated identifiers (bound per file to `$UNIQUE_IDENTIFIER_n` and
            reused in later requests), time stamps, generated key material, attribute order, extra attributes, Result
            Message text, and the server's own Query capability lists. Cryptographic output is variable only where it depends
            on a key the server generated or on randomness: ciphertexts, MACs and signatures under generated keys, public-key
            (RSA) encryption, server-chosen IVs, RNG Retrieve data; it must keep the case's length, and wherever a later
            request carries the reference server's value the runner sends this server's own instead, so the Decrypt, MAC
            Verify or Signature Verify that follows is checked exactly. The Random Number Generator attribute describes the
            server's own generator (it reports SP 800-90A CTR_DRBG with AES-256, not the reference server's ANSI X9.31): it
            must be present where the case expects it and be a well-formed RNG Parameters structure. Everything else
            (status, reason, operation, object types, every deterministic value) must match; the rules, each with a test
            that a wrong value still fails, are documented in `ConformanceComparer`. Each file runs as its own client
            identity, so objects of other files are invisible to it; only in the TL-M and SASED-M profiles, whose third file
            uses the objects the earlier ones left, does a file run after the profile's earlier files as the same identity.

            The table below is `tests/Kms.Conformance.Tests/conformance-expectations.tsv`: a case marked pass must pass; an
            exception must still fail, for the reason given (why, where, and whose work fixes it), so a fixed case forces the
            table to be updated. Nothing is skipped. Reproduce with:

            ```bash
            dotnet build tests/Kms.Conformance.Tests -c Release
            dotnet test tests/Kms.Conformance.Tests -c Release --no-build
            # after an engine change: set the cases that now pass to pass (the others keep their hand-written reasons)
            KMS_CONFORMANCE_RECORD=/tmp/record.tsv dotnet test tests/Kms.Conformance.Tests -c Release --no-build --filter Replay
            python3 tests/Kms.Conformance.Tests/expectations_from_record.py /tmp/record.tsv tests/Kms.Conformance.Tests/conformance-expectations.tsv
            # rewrite this section after editing a table
            KMS_UPDATE_README=1 dotnet test tests/Kms.Conformance.Tests -c Release --no-build --filter ReadmeTests
            ```


            """.Replace("\r", ""));

        sb.Append("| folder | pass | exception |\n|---|---|---|\n");
        foreach (var folder in new[] { "v1.4/mandatory", "v1.4/optional", "v2.1/mandatory", "v2.1/optional" })
        {
            var rows = conformance.Rows.Where(r => r.Key.StartsWith(folder + "/", StringComparison.Ordinal)).ToList();
            sb.Append($"| {folder} | {rows.Count(r => r.MustPass)} | {rows.Count(r => !r.MustPass)} |\n");
        }
        sb.Append("\nProfiles not claimed (their cases run and are listed like the others; a pass there is incidental):\n\n");
        foreach (var (profile, reason) in s_unclaimed) sb.Append($"- `{profile}`: {reason}\n");

        sb.Append("\n| profile | file | result |\n|---|---|---|\n");
        foreach (var r in conformance.Rows.OrderBy(r => r.Group, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal))
            sb.Append($"| {r.Group} | `{r.Key}` | {(r.MustPass ? "pass" : "exception: " + Cell(r.Reason))} |\n");

        sb.Append("""

            Known client traps from the field, probed by `VersionTrapTests` (`version-traps.tsv`): a KMIP 1.0 client gets
            only attributes KMIP 1.0 has; a 1.4 Get of an asymmetric key carries no attributes inside the Key Value;
            Operation Policy Name is accepted from 1.x clients; Locate by Name returns the named object, not the first one; a
            KMIP 1.2 client's key pair carries no 1.3+ attribute (Random Number Generator). Every response of these probes
            must be in the request's protocol version and use only that version's tags, enumeration values and attribute names.


            """.Replace("\r", ""));
        sb.Append("| trap | version | result |\n|---|---|---|\n");
        foreach (var r in traps.Rows)
            sb.Append($"| {r.Key} | {r.Group} | {(r.MustPass ? "pass" : "exception: " + Cell(r.Reason))} |\n");

        sb.Append("""

            ### PyKMIP interoperability

            `tests/interop/pykmip_interop.py` drives the server through PyKMIP's `ProxyKmipClient` (PyKMIP 0.10, Debian
            `python3-pykmip`, installed by `tests/run-all.sh`) over the mutual-TLS socket with KMIP 1.2, 1.4 and 2.0, and
            checks results (decrypt(encrypt(x)) = x, a signature verifies and a tampered one does not, a MAC equals the local
            HMAC, a located id is the right one). `PyKmipInteropTests` runs it once per version against a real server process
            and compares each operation with `tests/Kms.Conformance.Tests/pykmip-expectations.tsv`. By hand:

            ```bash
            /usr/bin/python3 tests/interop/pykmip_interop.py --host 127.0.0.1 --port 5696 \
              --cert pki/alice.pem --key pki/alice.key --ca pki/ca.pem --version 2.0
            ```

            What PyKMIP needs, with the server's default TLS settings unchanged: Debian's `/usr/bin/python3` (a pyenv or venv
            `python3` cannot import `kmip`); a client certificate with the `clientAuth` usage from the configured client CA
            (its CN is the KMIP user); the CA of the server certificate as `--ca`. It negotiates TLS 1.3 with default suites,
            sends no server name and does not check the host name. In KMIP 2.0 it sends attributes in an `Attributes`
            structure.


            """.Replace("\r", ""));
        sb.Append("| operation | 1.2 | 1.4 | 2.0 |\n|---|---|---|---|\n");
        var ops = pykmip.Rows.Select(r => r.Key[(r.Key.IndexOf('/') + 1)..]).Distinct();
        foreach (var op in ops)
        {
            sb.Append($"| {op} |");
            foreach (var v in new[] { "1.2", "1.4", "2.0" })
                sb.Append(pykmip.Find($"{v}/{op}") is { } row ? (row.MustPass ? " pass |" : " exception: " + Cell(row.Reason) + " |") : " — |");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("<", "&lt;").Replace("\n", " ");
}

/// <summary>The README's Conformance section is exactly what the tables render.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void ReadmeShowsTheExpectationTables()
    {
        string path = RepoFiles.Path("README.md");
        string readme = File.ReadAllText(path).Replace("\r", "");
        string section = ReadmeSection.Render(ConformanceTestsBase.Table.Value, ExpectationTable.Load("pykmip-expectations.tsv"), VersionTrapTests.Table);
        int at = readme.IndexOf("\n" + ReadmeSection.Heading + "\n", StringComparison.Ordinal);
        // The section runs to the next level-2 heading or the end of the file.
        int end = at < 0 ? -1 : readme.IndexOf("\n## ", at + 1, StringComparison.Ordinal);
        string current = at < 0 ? "" : end < 0 ? readme[(at + 1)..] : readme[(at + 1)..(end + 1)];
        if (Environment.GetEnvironmentVariable("KMS_UPDATE_README") == "1")
        {
            string updated = at < 0 ? readme.TrimEnd('\n') + "\n\n" + section : readme[..(at + 1)] + section + (end < 0 ? "" : "\n" + readme[(end + 1)..]);
            File.WriteAllText(path, updated);
            return;
        }
        Assert.True(at >= 0, $"README.md has no '{ReadmeSection.Heading}' section: run the tests with KMS_UPDATE_README=1");
        Assert.True(current.TrimEnd('\n') == section.TrimEnd('\n'), "README.md's Conformance section differs from the expectations tables: run the tests with KMS_UPDATE_README=1");
    }
}
