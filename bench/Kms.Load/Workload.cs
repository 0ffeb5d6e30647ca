using System.Security.Cryptography;
using Kms.Client;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Load;

/// <summary>One kind of request of the operation mix.</summary>
public sealed record OperationKind(string Name, int BatchCount = 1)
{
    public static readonly string[] Names = ["get", "encrypt-64B", "encrypt-4KiB", "create", "locate-by-tag", "sign-ed25519", "sign-p256", "batch-N"];

    /// <summary>Parses one name of <see cref="Names"/> (batch-N with a number, e.g. batch-10).</summary>
    public static OperationKind Parse(string name)
    {
        if (name.StartsWith("batch-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), out int n) && n is >= 1 and <= 1000)
            return new OperationKind(name, n);
        if (name == "locate") name = "locate-by-tag";
        if (Array.IndexOf(Names, name) < 0 || name == "batch-N")
            throw new ArgumentException($"unknown operation '{name}'; expected one of {string.Join(", ", Names)}");
        return new OperationKind(name);
    }
}

/// <summary>
/// The pre-encoded requests of one scenario's mix (KMIP 2.1 binary TTLV), built once against a live Kms server
/// (which also creates the objects they name) and then sent unchanged by every connection, to Kms and to the echo.
/// </summary>
public sealed class Workload
{
    private Workload(byte[][] sequence, int[] opsPerMessage, string description, int responseSize)
    {
        Sequence = sequence;
        OpsPerMessage = opsPerMessage;
        Description = description;
        ResponseSize = responseSize;
    }

    /// <summary>The requests, in the order a connection sends them (cycled); weights are expanded by repetition.</summary>
    public byte[][] Sequence { get; }
    /// <summary>Batch items in each message of <see cref="Sequence"/> (1 except for batch-N).</summary>
    public int[] OpsPerMessage { get; }
    public string Description { get; }
    public int MaxRequestSize => Sequence.Max(s => s.Length);
    /// <summary>
    /// Mean size of the Kms server's responses over <see cref="Sequence"/> (each kind's answer when it was checked), in
    /// whole TTLV messages (a multiple of 8): the echo baseline answers every message with this many bytes, so it
    /// moves as many bytes as the scenario.
    /// </summary>
    public int ResponseSize { get; }

    /// <summary>Parses a mix like <c>get</c> or <c>get:80,create:20</c>.</summary>
    public static List<(OperationKind Kind, int Weight)> ParseMix(string mix)
    {
        var list = new List<(OperationKind, int)>();
        foreach (string part in mix.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] nw = part.Split(':');
            int weight = nw.Length > 1 ? int.Parse(nw[1]) : 1;
            if (weight is < 1 or > 100) throw new ArgumentException($"weight of '{nw[0]}' must be 1..100");
            list.Add((OperationKind.Parse(nw[0]), weight));
        }
        if (list.Count == 0) throw new ArgumentException("empty operation mix");
        return list;
    }

    /// <summary>
    /// Creates the objects the mix needs on the server behind <paramref name="client"/>, encodes one request per
    /// kind and checks that each succeeds once. Returns null and a reason when the server refuses one.
    /// </summary>
    public static async Task<(Workload? Workload, string? Error)> PrepareAsync(KmipClient client, string mix)
    {
        var kinds = ParseMix(mix);
        var encoded = new Dictionary<string, byte[]>();
        var responseSizes = new Dictionary<string, int>();
        foreach (var (kind, _) in kinds)
        {
            if (encoded.ContainsKey(kind.Name)) continue;
            byte[] request;
            try
            {
                request = await BuildAsync(client, kind);
            }
            catch (KmipException e)
            {
                return (null, $"{kind.Name}: setup failed: {e.Message}");
            }
            byte[] response = await client.SendRawAsync(request);
            string? error = Check(response, kind.BatchCount);
            if (error is not null) return (null, $"{kind.Name}: {error}");
            encoded[kind.Name] = request;
            responseSizes[kind.Name] = response.Length;
        }
        // Weighted round robin, so a mix is spread evenly over the sequence.
        var sequence = new List<byte[]>();
        var ops = new List<int>();
        long responseBytes = 0;
        int maxWeight = kinds.Max(k => k.Weight);
        for (int round = 0; round < maxWeight; round++)
            foreach (var (kind, weight) in kinds)
                if (round < weight)
                {
                    sequence.Add(encoded[kind.Name]);
                    ops.Add(kind.BatchCount);
                    responseBytes += responseSizes[kind.Name];
                }
        int responseSize = (int)Math.Round(responseBytes / (8.0 * sequence.Count)) * 8;
        return (new Workload([.. sequence], [.. ops], mix, Math.Max(8, responseSize)), null);
    }

    private static async Task<byte[]> BuildAsync(KmipClient client, OperationKind kind)
    {
        switch (kind.Name)
        {
            case "get":
                return Message(Item(Operation.Get, KmipRequests.IdPayload(await client.CreateAesKeyAsync(256))));
            case "encrypt-64B":
            case "encrypt-4KiB":
                string key = await client.CreateAesKeyAsync(256);
                await ActivateAsync(client, key); // KMIP 2.1 §3.22: a Pre-Active key does not encrypt
                byte[] data = RandomNumberGenerator.GetBytes(kind.Name == "encrypt-64B" ? 64 : 4096);
                return Message(Item(Operation.Encrypt, TtlvElement.Structure(Tag.RequestPayload,
                    TtlvElement.TextString(Tag.UniqueIdentifier, key),
                    TtlvElement.Structure(Tag.CryptographicParameters,
                        TtlvElement.Enumeration(Tag.BlockCipherMode, BlockCipherMode.GCM),
                        TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
                        TtlvElement.Integer(Tag.TagLength, 16),
                        TtlvElement.Boolean(Tag.RandomIV, true)),
                    TtlvElement.ByteString(Tag.Data, data))));
            case "create":
                return Message(Item(Operation.Create, KmipRequests.CreateAesKeyPayload(256)));
            case "locate-by-tag":
                // Ten keys share a tag no other object has: Locate answers ten identifiers through the tag index.
                string tag = "bench-" + Guid.NewGuid().ToString("N")[..12];
                var tagAttribute = TtlvElement.Structure(Tag.Attribute,
                    TtlvElement.TextString(Tag.VendorIdentification, "cosmian"),
                    TtlvElement.TextString(Tag.AttributeName, "tag"),
                    TtlvElement.TextString(Tag.AttributeValue, $"[\"{tag}\"]"));
                for (int i = 0; i < 10; i++)
                {
                    var payload = KmipRequests.CreateAesKeyPayload(256);
                    payload.Find(Tag.Attributes)!.Children.Add(tagAttribute);
                    KmipRequests.SinglePayload(await client.SendAsync(KmipRequests.Message(KmipVersion.V2_1, KmipRequests.BatchItem(Operation.Create, payload))));
                }
                return Message(Item(Operation.Locate, KmipRequests.LocatePayload([tagAttribute], null)));
            case "sign-ed25519":
            case "sign-p256":
                bool ed = kind.Name == "sign-ed25519";
                string privateKey = await CreateKeyPairAsync(client, ed);
                await ActivateAsync(client, privateKey);
                var parameters = ed
                    ? TtlvElement.Structure(Tag.CryptographicParameters,
                        TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.Ed25519))
                    : TtlvElement.Structure(Tag.CryptographicParameters,
                        TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.ECDSA),
                        TtlvElement.Enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
                        TtlvElement.Enumeration(Tag.DigitalSignatureAlgorithm, DigitalSignatureAlgorithm.ECDSAWithSHA256));
                return Message(Item(Operation.Sign, TtlvElement.Structure(Tag.RequestPayload,
                    TtlvElement.TextString(Tag.UniqueIdentifier, privateKey),
                    parameters,
                    TtlvElement.ByteString(Tag.Data, RandomNumberGenerator.GetBytes(64)))));
            default:
                // batch-N: N Gets of one key in one message.
                var getItem = Item(Operation.Get, KmipRequests.IdPayload(await client.CreateAesKeyAsync(256)));
                return Message([.. Enumerable.Repeat(getItem, kind.BatchCount)]);
        }
    }

    private static async Task<string> CreateKeyPairAsync(KmipClient client, bool ed25519)
    {
        var common = ed25519
            ? TtlvElement.Structure(Tag.CommonAttributes,
                TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.Ed25519),
                TtlvElement.Integer(Tag.CryptographicLength, 256))
            : TtlvElement.Structure(Tag.CommonAttributes,
                TtlvElement.Enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.EC),
                TtlvElement.Integer(Tag.CryptographicLength, 256),
                // KMIP 2.1 §4.13: the curve is a field of Cryptographic Domain Parameters.
                TtlvElement.Structure(Tag.CryptographicDomainParameters, TtlvElement.Enumeration(Tag.RecommendedCurve, RecommendedCurve.P_256)));
        var payload = TtlvElement.Structure(Tag.RequestPayload,
            common,
            TtlvElement.Structure(Tag.PrivateKeyAttributes, TtlvElement.Integer(Tag.CryptographicUsageMask, (int)CryptographicUsageMask.Sign)),
            TtlvElement.Structure(Tag.PublicKeyAttributes, TtlvElement.Integer(Tag.CryptographicUsageMask, (int)CryptographicUsageMask.Verify)));
        var response = await client.CallAsync(Operation.CreateKeyPair, payload);
        return response?.Find(Tag.PrivateKeyUniqueIdentifier)?.Text
            ?? throw new KmipException(ResultStatus.OperationFailed, null, "no Private Key Unique Identifier");
    }

    private static async Task ActivateAsync(KmipClient client, string id) =>
        await client.CallAsync(Operation.Activate, KmipRequests.IdPayload(id));

    private static TtlvElement Item(Operation operation, TtlvElement payload) => KmipRequests.BatchItem(operation, payload);

    private static byte[] Message(params TtlvElement[] items) => KmipRequests.Message(KmipVersion.V2_1, items).ToBytes();

    /// <summary>Null when every batch item of the response succeeded, else the first failure as text.</summary>
    public static string? Check(byte[] response, int expectedItems)
    {
        if (!TtlvElement.TryDecode(response, out var message, out _, out _)) return "the response does not decode";
        int n = 0;
        foreach (var item in message.FindAll(Tag.BatchItem))
        {
            n++;
            var status = (ResultStatus)(item.Find(Tag.ResultStatus)?.UInt32 ?? uint.MaxValue);
            if (status != ResultStatus.Success)
            {
                string reason = item.Find(Tag.ResultReason) is { } r ? ((ResultReason)r.UInt32).ToString() : "no reason";
                return $"{status} / {reason}: {item.Find(Tag.ResultMessage)?.Text}";
            }
        }
        return n == expectedItems ? null : $"{n} batch items answered, {expectedItems} sent";
    }
}
