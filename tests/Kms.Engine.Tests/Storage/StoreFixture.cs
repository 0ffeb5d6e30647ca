using System.Text;
using Kms.Engine.Storage;

namespace Kms.Engine.Tests.Storage;

/// <summary>A temporary data directory with a fixed master key file; deleted on dispose.</summary>
internal sealed class TempStoreDir : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "kms-store-" + Guid.NewGuid().ToString("N"));
    public string Data => Path.Combine(Root, "data");
    public string KeyFile => Path.Combine(Root, "master.key");

    public TempStoreDir(byte? keyByte = 7)
    {
        Directory.CreateDirectory(Data);
        if (keyByte is { } b)
            File.WriteAllText(KeyFile, Convert.ToHexString(Enumerable.Repeat(b, 32).ToArray()));
    }

    public FasterStoreOptions Options(bool clear = false, string? keyFile = null) => new()
    {
        DataDirectory = Data,
        MasterKeyFile = keyFile ?? KeyFile,
        ClearOnStart = clear,
        IndexBuckets = 1 << 12,
        KvMemoryBytes = 1 << 22,
        LogSegmentBytes = 1 << 22,
        PageBytes = 1 << 20,
    };

    public FasterObjectStore Open(bool clear = false) => FasterObjectStore.Open(Options(clear));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class W
{
    public static ObjectWrite Put(string id, long expected, string body, params string[] terms)
        => new(id, expected, Encoding.UTF8.GetBytes(body), terms);

    public static ObjectWrite Delete(string id, long expected) => new(id, expected, null, []);

    public static string Body(this ObjectRecord r) => Encoding.UTF8.GetString(r.Body.Span);
}
