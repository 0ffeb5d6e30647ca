using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Engine.Tests;

/// <summary>
/// Pins what a Create stores and answers, byte for byte: for each variant (AES, HMAC, 3DES, ChaCha20, Secret Data, with
/// names, tags, dates, vendor attributes, 1.x templates), the record body in the store and the whole response message,
/// dumped with the random parts (Unique Identifier, key material, and the two SHA-256 values derived from them, checked
/// here) replaced by placeholders and the clock fixed. The expected text (Golden/create-records.txt) was written by the
/// code before the Create path was made cheaper; any change to the stored object or the response shows as a diff.
/// Set KMS_WRITE_GOLDEN=1 to rewrite the file after an intended change.
/// </summary>
public sealed partial class CreateRecordGoldenTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly TestEngine _t = new(clock: new ManualClock(s_now), policy: TestEngine.WithTripleDes);

    public void Dispose() => _t.Dispose();

    private static IEnumerable<(string Name, KmipVersion Version, TtlvElement Payload)> Variants()
    {
        var past = TtlvElement.DateTime(Tag.ActivationDate, s_now.AddDays(-1).ToUnixTimeSeconds());
        var future = TtlvElement.DateTime(Tag.DeactivationDate, s_now.AddDays(30).ToUnixTimeSeconds());
        yield return ("AES-256 (the benchmark's request)", Req.V2, Req.CreateAes(256));
        yield return ("AES-128 with names, tags, dates, Sensitive, group, description, vendor attribute", Req.V2, Req.CreateAes(128,
            Req.Name("golden-a"), Req.Name("golden-b"), Req.Tags("t1", "t0"), past, future,
            TtlvElement.Boolean(Tag.Sensitive, true), TtlvElement.TextString(Tag.ObjectGroup, "grp"),
            TtlvElement.TextString(Tag.Description, "a key"), TtlvElement.Structure(Tag.Attribute,
                TtlvElement.TextString(Tag.VendorIdentification, "acme"), TtlvElement.TextString(Tag.AttributeName, "color"),
                TtlvElement.TextString(Tag.AttributeValue, "blue"))));
        yield return ("AES-192 with Extractable false and Quantum Safe false", Req.V2, Req.CreateAes(192,
            TtlvElement.Boolean(Tag.Extractable, false), TtlvElement.Boolean(Tag.QuantumSafe, false)));
        yield return ("HMAC-SHA256 without a length", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.HMAC_SHA256), Req.Mask(CryptographicUsageMask.MACGenerate | CryptographicUsageMask.MACVerify))));
        yield return ("HMAC-SHA512 with 384 bits", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.HMAC_SHA512), Req.Len(384), Req.Mask(CryptographicUsageMask.MACGenerate))));
        yield return ("3DES 168", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.DES3), Req.Len(168), Req.Mask(CryptographicUsageMask.Encrypt))));
        yield return ("ChaCha20 without a length", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SymmetricKey),
            Req.Attrs(Req.Alg(CryptographicAlgorithm.ChaCha20), Req.Mask(CryptographicUsageMask.Encrypt))));
        yield return ("Secret Data 128 with a name", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData),
            Req.Attrs(Req.Len(128), Req.Name("golden-secret"))));
        yield return ("Secret Data without a length", Req.V2, Req.Payload(TtlvElement.Enumeration(Tag.ObjectType, (uint)ObjectType.SecretData), Req.Attrs()));
        yield return ("1.4 template: AES-128, name, custom attribute, activation date", Req.V1, Req.CreateAes1(128,
            Req.Attr1("Name", Req.Name("golden-1x")), Req.Attr1("x-team", TtlvElement.TextString(Tag.AttributeValue, "blue")),
            Req.Attr1("x-team", TtlvElement.TextString(Tag.AttributeValue, "red"), 1), Req.Attr1("Activation Date", past)));
        yield return ("1.2 template: AES-256", KmipVersion.V1_2, Req.CreateAes1(256));
        yield return ("2.0: AES-256 with a Random Number Generator given", new KmipVersion(2, 0), Req.CreateAes(256,
            TtlvElement.Structure(Tag.RandomNumberGenerator, TtlvElement.Enumeration(Tag.RNGAlgorithm, (uint)RNGAlgorithm.ANSIX9_31))));
    }

    [Fact]
    public void Create_stores_and_answers_as_pinned()
    {
        var text = new StringBuilder();
        foreach (var (name, version, payload) in Variants())
        {
            var response = _t.Send(Req.Message(version, [(Operation.Create, payload)]));
            var item = new Item(response.Find(Tag.BatchItem)!);
            Assert.True(item.Status == ResultStatus.Success, $"{name}: {item.Reason} {item.Message}");
            string id = item.Payload!.Find(Tag.UniqueIdentifier)!.Text;
            Assert.Matches(V4Uuid(), id);
            Assert.True(_t.Engine.Core.Store.TryRead(id, out var record));
            var body = TtlvElement.Decode(record.Body.Span);
            text.Append("== ").Append(name).Append('\n');
            text.Append(Normalize(body.ToString(), body, id));
            text.Append("-- response\n");
            text.Append(Normalize(response.ToString(), body, id));
        }
        string path = GoldenPath();
        if (Environment.GetEnvironmentVariable("KMS_WRITE_GOLDEN") == "1") File.WriteAllText(path, text.ToString());
        Assert.Equal(File.ReadAllText(path), text.ToString());
    }

    [Fact]
    public void New_ids_are_distinct_version_4_uuids()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 5000; i++)
        {
            var id = Kms.Engine.Operations.ObjectBuilder.NewId();
            Assert.Matches(V4Uuid(), id);
            Assert.True(ids.Add(id));
        }
    }

    /// <summary>The dump with the id, the key material and the SHA-256 values of both replaced (after checking the hashes).</summary>
    private static string Normalize(string dump, TtlvElement body, string id)
    {
        var material = FindAll(body, Tag.KeyMaterial).Single().Bytes;
        var digest = FindAll(body, Tag.DigestValue).Single().Bytes;
        Assert.Equal(SHA256.HashData(material), digest);
        var shortId = FindAll(body, Tag.ShortUniqueIdentifier).Single().Bytes;
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(id)), shortId);
        return dump.Replace(id, "<ID>", StringComparison.Ordinal)
            .Replace(Convert.ToHexString(material), $"<KEY {material.Length} B>", StringComparison.Ordinal)
            .Replace(Convert.ToHexString(digest), "<SHA-256 KEY>", StringComparison.Ordinal)
            .Replace(Convert.ToHexString(shortId), "<SHA-256 ID>", StringComparison.Ordinal);
    }

    private static IEnumerable<TtlvElement> FindAll(TtlvElement e, Tag tag)
    {
        if (e.Tag == tag) yield return e;
        if (e.Type != ItemType.Structure) yield break;
        foreach (var c in e.Children)
            foreach (var f in FindAll(c, tag)) yield return f;
    }

    private static string GoldenPath([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden", "create-records.txt");

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex V4Uuid();
}
