using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using Kms.Ttlv;
using Kms.Ttlv.Framing;
using Kms.Ttlv.Tree;

namespace Kms.Client;

/// <summary>
/// A small KMIP client over mutual TLS (binary TTLV, KMIP 2.1 §9.1 framing via <see cref="TtlvFramer"/>).
/// <see cref="SendAsync"/> and <see cref="SendRawAsync"/> are one request, one response; pipelining writes
/// several requests with <see cref="WriteAsync"/> before reading their responses, in order, with
/// <see cref="ReadResponseAsync"/>. Not thread-safe: one caller at a time per connection.
/// </summary>
public sealed class KmipClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;
    private readonly PipeReader _reader;
    private readonly KmipClientOptions _options;

    private KmipClient(TcpClient tcp, SslStream ssl, KmipClientOptions options)
    {
        _tcp = tcp;
        _ssl = ssl;
        _options = options;
        _reader = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>The negotiated TLS stream (protocol, cipher suite).</summary>
    public SslStream Tls => _ssl;

    /// <summary>Connects and completes the TLS handshake. The server certificate is checked against <see cref="KmipClientOptions.TrustedCertificates"/> only.</summary>
    public static async Task<KmipClient> ConnectAsync(string host, int port, KmipClientOptions options, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient { NoDelay = true };
        SslStream? ssl = null;
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken);
            ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var auth = new SslClientAuthenticationOptions
            {
                TargetHost = options.TargetHost ?? host,
                EnabledSslProtocols = options.Protocols,
                CipherSuitesPolicy = options.CipherSuites,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
                {
                    TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                },
            };
            auth.CertificateChainPolicy.CustomTrustStore.AddRange(options.TrustedCertificates);
            if (options.ClientCertificate is not null) auth.ClientCertificates = [options.ClientCertificate];
            await ssl.AuthenticateAsClientAsync(auth, cancellationToken);
            return new KmipClient(tcp, ssl, options);
        }
        catch
        {
            ssl?.Dispose();
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Writes one encoded request without waiting for its response (pipelining).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        await _ssl.WriteAsync(request, cancellationToken);
        await _ssl.FlushAsync(cancellationToken);
    }

    /// <summary>Reads the next whole response message. Throws <see cref="EndOfStreamException"/> when the server closed the connection.</summary>
    public async ValueTask<byte[]> ReadResponseAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (TtlvFramer.TryReadMessage(ref buffer, _options.Limits, out var message, out var error))
            {
                byte[] bytes = message.ToArray();
                _reader.AdvanceTo(buffer.Start);
                return bytes;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (error != FramingError.None) throw new InvalidDataException("the server sent an invalid message: " + error);
            if (result.IsCompleted) throw new EndOfStreamException("the server closed the connection");
        }
    }

    /// <summary>Sends one encoded RequestMessage and returns the encoded ResponseMessage.</summary>
    public async Task<byte[]> SendRawAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        await WriteAsync(request, cancellationToken);
        return await ReadResponseAsync(cancellationToken);
    }

    /// <summary>
    /// Pipelining: writes every request in one write, then reads as many responses, which the server
    /// returns in request order.
    /// </summary>
    public async Task<byte[][]> SendPipelinedAsync(IReadOnlyList<ReadOnlyMemory<byte>> requests, CancellationToken cancellationToken = default)
    {
        int total = 0;
        foreach (var r in requests) total += r.Length;
        byte[] batch = new byte[total];
        int offset = 0;
        foreach (var r in requests)
        {
            r.Span.CopyTo(batch.AsSpan(offset));
            offset += r.Length;
        }
        await WriteAsync(batch, cancellationToken);
        var responses = new byte[requests.Count][];
        for (int i = 0; i < responses.Length; i++) responses[i] = await ReadResponseAsync(cancellationToken);
        return responses;
    }

    /// <summary>Sends one RequestMessage and returns the decoded ResponseMessage.</summary>
    public async Task<TtlvElement> SendAsync(TtlvElement request, CancellationToken cancellationToken = default) =>
        TtlvElement.Decode(await SendRawAsync(request.ToBytes(), cancellationToken));

    /// <summary>Sends one operation in a one-item RequestMessage and returns its Response Payload; throws <see cref="KmipException"/> on failure.</summary>
    public async Task<TtlvElement?> CallAsync(Operation operation, TtlvElement requestPayload, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(KmipRequests.Message(_options.Version, KmipRequests.BatchItem(operation, requestPayload)), cancellationToken);
        return KmipRequests.SinglePayload(response);
    }

    /// <summary>Create (KMIP 2.1 §6.1.8): a new AES key; returns its Unique Identifier.</summary>
    public async Task<string> CreateAesKeyAsync(int bits = 256, CancellationToken cancellationToken = default)
    {
        var payload = await CallAsync(Operation.Create, KmipRequests.CreateAesKeyPayload(bits), cancellationToken);
        return payload?.Find(Tag.UniqueIdentifier)?.Text ?? throw new KmipException(ResultStatus.OperationFailed, null, "no Unique Identifier in the response");
    }

    /// <summary>Get (KMIP 2.1 §6.1.24): returns the Response Payload (Object Type, Unique Identifier, the object).</summary>
    public async Task<TtlvElement> GetAsync(string uniqueIdentifier, CancellationToken cancellationToken = default) =>
        await CallAsync(Operation.Get, KmipRequests.IdPayload(uniqueIdentifier), cancellationToken)
        ?? throw new KmipException(ResultStatus.OperationFailed, null, "no Response Payload");

    /// <summary>Destroy (KMIP 2.1 §6.1.15).</summary>
    public Task DestroyAsync(string uniqueIdentifier, CancellationToken cancellationToken = default) =>
        CallAsync(Operation.Destroy, KmipRequests.IdPayload(uniqueIdentifier), cancellationToken);

    /// <summary>Locate (KMIP 2.1 §6.1.27) with the given attributes (an Attributes structure's children); returns the identifiers.</summary>
    public async Task<List<string>> LocateAsync(IEnumerable<TtlvElement> attributes, int? maximumItems = null, CancellationToken cancellationToken = default)
    {
        var payload = await CallAsync(Operation.Locate, KmipRequests.LocatePayload(attributes, maximumItems), cancellationToken);
        var ids = new List<string>();
        if (payload is not null)
            foreach (var id in payload.FindAll(Tag.UniqueIdentifier)) ids.Add(id.Text);
        return ids;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>A failed KMIP operation (Result Status other than Success).</summary>
public sealed class KmipException(ResultStatus status, ResultReason? reason, string? message)
    : Exception($"KMIP {status}{(reason is null ? "" : " / " + reason)}{(message is null ? "" : ": " + message)}")
{
    public ResultStatus Status { get; } = status;
    public ResultReason? Reason { get; } = reason;
}
