using System.Security.Cryptography;
using System.Text;

namespace Kms.Engine.CrashChild;

/// <summary>The body every writer stores for (id, version): 40 to 551 bytes derived from SHA-256.</summary>
internal static class CrashBodies
{
    public static byte[] Body(string id, long version)
    {
        byte[] seed = SHA256.HashData(Encoding.UTF8.GetBytes($"{id}:{version}"));
        var body = new byte[40 + seed[0] * 2];
        for (int i = 0; i < body.Length; i += 32)
            SHA256.HashData([.. seed, (byte)i]).AsSpan(0, Math.Min(32, body.Length - i)).CopyTo(body.AsSpan(i));
        return body;
    }
}
