using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Kms.Engine.Storage;

/// <summary>
/// Key hierarchy of the store: a 256-bit master key (from configuration, or generated on first start)
/// wraps a random 256-bit data key (AES-KWP, RFC 5649) kept in <c>keys/datakey.wrapped</c>. Two subkeys
/// are derived from the data key with HKDF-SHA256: one for AES-256-GCM sealing of records and log
/// entries, one for the HMAC that turns a Unique Identifier into its storage key.
/// </summary>
internal static class StoreKeys
{
    internal const int KeySize = 32;
    // Version 2: records and log groups sealed under per-instance subkeys (StoreCrypto). A version 1 directory is from
    // a pre-release build whose sealed layout this one cannot read.
    private static ReadOnlySpan<byte> WrappedMagic => "KMSDK2\n"u8;
    private static ReadOnlySpan<byte> PreReleaseMagic => "KMSDK1\n"u8;

    /// <summary>Loads or generates the master key, then opens or creates the data key and derives the subkeys.</summary>
    /// <exception cref="InvalidOperationException">The master key is malformed or does not open the data key.</exception>
    internal static void Open(FasterStoreOptions options, Span<byte> sealKey, Span<byte> idKey)
    {
        Span<byte> master = stackalloc byte[KeySize];
        Span<byte> data = stackalloc byte[KeySize];
        try
        {
            LoadMasterKey(options, master);
            string path = Path.Combine(options.DataDirectory, "keys", "datakey.wrapped");
            if (File.Exists(path))
                UnwrapDataKey(File.ReadAllBytes(path), master, data);
            else
                CreateDataKey(path, master, data);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, data, sealKey, salt: default, "kms/store/seal/v1"u8);
            HKDF.DeriveKey(HashAlgorithmName.SHA256, data, idKey, salt: default, "kms/store/id/v1"u8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
            CryptographicOperations.ZeroMemory(data);
        }
    }

    private static void LoadMasterKey(FasterStoreOptions options, Span<byte> master)
    {
        if (options.MasterKeyFile is { } file)
        {
            if (!File.Exists(file))
                Fail($"The master key file '{file}' does not exist.");
            byte[] raw = File.ReadAllBytes(file);
            try
            {
                if (raw.Length == KeySize) { raw.CopyTo(master); return; }
                if (!TryParseBytes(raw, master))
                    Fail($"The master key file '{file}' must hold 32 raw bytes, 64 hex characters or base64 of 32 bytes.");
            }
            finally { CryptographicOperations.ZeroMemory(raw); }
            return;
        }
        if (options.MasterKeyEnvironmentVariable is { } name)
        {
            string? text = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrWhiteSpace(text))
                Fail($"The environment variable '{name}' holding the master key is not set.");
            if (!TryParseText(text, master))
                Fail($"The environment variable '{name}' must hold the master key as 64 hex characters or base64 of 32 bytes.");
            return;
        }
        string generated = Path.Combine(options.DataDirectory, "master.key");
        if (File.Exists(generated))
        {
            byte[] raw = File.ReadAllBytes(generated);
            try
            {
                if (!TryParseBytes(raw, master))
                    Fail($"The generated master key file '{generated}' is malformed.");
            }
            finally { CryptographicOperations.ZeroMemory(raw); }
            return;
        }
        RandomNumberGenerator.Fill(master);
        byte[] hex = new byte[2 * KeySize + 1];
        for (int i = 0; i < KeySize; i++)
        {
            hex[2 * i] = (byte)"0123456789abcdef"[master[i] >> 4];
            hex[2 * i + 1] = (byte)"0123456789abcdef"[master[i] & 15];
        }
        hex[^1] = (byte)'\n';
        WriteOwnerOnly(generated, hex);
        options.Warn?.Invoke(
            $"No master key was configured: generated one in '{generated}' (owner-only permissions). " +
            "Keep it apart from the data directory's backups and configure it explicitly (master key file or environment variable).");
    }

    private static bool TryParseBytes(ReadOnlySpan<byte> ascii, Span<byte> key)
    {
        if (ascii.Length > 256) return false;
        Span<char> chars = stackalloc char[ascii.Length];
        for (int i = 0; i < ascii.Length; i++) chars[i] = (char)ascii[i];
        bool ok = TryParseText(chars, key);
        chars.Clear();
        return ok;
    }

    /// <summary>Parses 64 hex characters or base64 of 32 bytes (surrounding whitespace ignored).</summary>
    internal static bool TryParseText(ReadOnlySpan<char> text, Span<byte> key)
    {
        ReadOnlySpan<char> t = text.Trim();
        if (t.Length == 2 * KeySize && Convert.FromHexString(t, key, out _, out int written) == System.Buffers.OperationStatus.Done)
            return written == KeySize;
        Span<byte> buffer = stackalloc byte[48];
        bool ok = Convert.TryFromBase64Chars(t, buffer, out int n) && n == KeySize;
        if (ok) buffer[..KeySize].CopyTo(key);
        CryptographicOperations.ZeroMemory(buffer);
        return ok;
    }

    private static void UnwrapDataKey(byte[] file, ReadOnlySpan<byte> master, Span<byte> data)
    {
        if (file.AsSpan().StartsWith(PreReleaseMagic))
            Fail("The data directory was written by a pre-release build in an earlier at-rest format, which this build cannot read.");
        if (!file.AsSpan().StartsWith(WrappedMagic))
            Fail("The store's wrapped data key file is malformed.");
        using var aes = Aes.Create();
        aes.SetKey(master);
        try
        {
            int n = aes.DecryptKeyWrapPadded(file.AsSpan(WrappedMagic.Length), data);
            if (n != KeySize) Fail("The store's wrapped data key has the wrong length.");
        }
        catch (CryptographicException)
        {
            Fail("The master key does not open this store's data key: wrong master key, or a different store.");
        }
    }

    private static void CreateDataKey(string path, ReadOnlySpan<byte> master, Span<byte> data)
    {
        RandomNumberGenerator.Fill(data);
        using var aes = Aes.Create();
        aes.SetKey(master);
        byte[] wrapped = aes.EncryptKeyWrapPadded(data);
        byte[] content = [.. WrappedMagic, .. wrapped];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        WriteOwnerOnly(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes a new file with mode 0600 and forces it to disk.</summary>
    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var fso = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(path, fso))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CryptographicOperations.ZeroMemory(content);
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new InvalidOperationException(message);
}
