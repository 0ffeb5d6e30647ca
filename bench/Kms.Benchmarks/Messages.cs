using Kms.Ttlv;
using Kms.Ttlv.Tests;

namespace Kms.Benchmarks;

/// <summary>The benchmarked messages by name. A benchmark method whose name starts with a key processes that message once per operation.</summary>
public static class Messages
{
    public static readonly byte[] GetRequest = SampleMessages.GetRequest();
    public static readonly byte[] GetResponse = SampleMessages.GetResponse();
    public static readonly byte[] Create6Attributes = SampleMessages.CreateRequest();
    public static readonly byte[] Batch100Gets = SampleMessages.GetBatch100();

    public static readonly IReadOnlyDictionary<string, byte[]> ByName = new Dictionary<string, byte[]>
    {
        [nameof(GetRequest)] = GetRequest,
        [nameof(GetResponse)] = GetResponse,
        [nameof(Create6Attributes)] = Create6Attributes,
        [nameof(Batch100Gets)] = Batch100Gets,
    };

    /// <summary>Bytes processed by one operation of <paramref name="methodName"/>, or 0 when it names no message.</summary>
    public static int BytesPerOperation(string methodName)
    {
        foreach (var (name, bytes) in ByName)
            if (methodName.StartsWith(name, StringComparison.Ordinal)) return bytes.Length;
        return 0;
    }

    internal static SampleMessages.WriteMessage Writer(string name) => name switch
    {
        nameof(GetRequest) => static (ref TtlvWriter w) => SampleMessages.WriteGetRequest(ref w),
        nameof(GetResponse) => static (ref TtlvWriter w) => SampleMessages.WriteGetResponse(ref w),
        nameof(Create6Attributes) => static (ref TtlvWriter w) => SampleMessages.WriteCreateRequest(ref w),
        nameof(Batch100Gets) => static (ref TtlvWriter w) => SampleMessages.WriteGetRequest(ref w, 100),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
