using System.Diagnostics;
using System.Net.Sockets;
using Kms.Server.Configuration;
using Kms.Ttlv;
using Kms.Ttlv.Tree;

namespace Kms.Server.Tests;

/// <summary>The framing loop and the socket limits, in echo mode.</summary>
public sealed class SocketFramingTests
{
    private static TestPki Pki => TestPki.Shared;

    private static ServerOptions Echo(Action<ServerOptions>? configure = null)
    {
        var o = ServerHarness.MutualTlsOptions();
        o.SocketServer.Echo = true;
        configure?.Invoke(o);
        return o;
    }

    private static void AssertInvalidMessage(byte[] response)
    {
        var message = TtlvElement.Decode(response);
        Assert.Equal(Tag.ResponseMessage, message.Tag);
        var item = message.Find(Tag.BatchItem)!;
        Assert.Null(item.Find(Tag.Operation));
        Assert.Equal((uint)ResultStatus.OperationFailed, item.Find(Tag.ResultStatus)!.UInt32);
        Assert.Equal((uint)ResultReason.InvalidMessage, item.Find(Tag.ResultReason)!.UInt32);
    }

    [Fact]
    public async Task OversizedMessageGetsInvalidMessageThenCloseWhileOthersAreServed()
    {
        await using var h = await ServerHarness.StartAsync(Echo(o => o.Limits.MaxMessageSize = 4096));
        await using var other = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(64, (await other.SendRawAsync(Messages.Padded(64))).Length);

        await using (var bad = await h.ConnectAsync(Pki.Alice))
        {
            // Only the header: the server must answer from it without waiting for the 1 MiB body.
            await bad.WriteAsync(Messages.Header(1 << 20));
            AssertInvalidMessage(await bad.ReadResponseAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
            await Assert.ThrowsAnyAsync<Exception>(async () => await bad.ReadResponseAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        }
        Assert.Equal(4096, (await other.SendRawAsync(Messages.Padded(4096))).Length);
        Assert.True(h.Log.Contains("framing error MessageTooLarge"));
    }

    [Fact]
    public async Task EchoWithResponseSizeAnswersEveryRequestWithAWholeMessageOfThatSize()
    {
        await using var h = await ServerHarness.StartAsync(Echo(o => o.SocketServer.EchoResponseSize = 328));
        await using var client = await h.ConnectAsync(Pki.Alice);
        foreach (int requestSize in new[] { 64, 328, 4096 })
        {
            byte[] response = await client.SendRawAsync(Messages.Padded(requestSize));
            Assert.Equal(328, response.Length);
            var message = TtlvElement.Decode(response);
            Assert.Equal(Tag.ResponseMessage, message.Tag);
            Assert.Equal(328 - 16, Assert.Single(message.Children).Bytes.Length);
        }
    }

    [Fact]
    public async Task MalformedHeaderGetsInvalidMessageThenClose()
    {
        await using var h = await ServerHarness.StartAsync(Echo());
        await using var bad = await h.ConnectAsync(Pki.Alice);
        await bad.WriteAsync(Messages.Header(8, ItemType.Integer));
        AssertInvalidMessage(await bad.ReadResponseAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        await Assert.ThrowsAnyAsync<Exception>(async () => await bad.ReadResponseAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task PipelinedMessagesAreAnsweredInOrder()
    {
        await using var h = await ServerHarness.StartAsync(Echo());
        await using var client = await h.ConnectAsync(Pki.Alice);
        int[] sizes = [16, 4096, 24, 200_000, 64, 8];
        var all = sizes.SelectMany(s => s == 8 ? Messages.Header(0) : Messages.Padded(s)).ToArray();
        await client.WriteAsync(all);           // one write: several messages per read on the server
        foreach (int size in sizes)
            Assert.Equal(size, (await client.ReadResponseAsync()).Length);
    }

    [Fact]
    public async Task MessageSplitIntoSmallWritesIsFramed()
    {
        await using var h = await ServerHarness.StartAsync(Echo());
        await using var client = await h.ConnectAsync(Pki.Alice);
        byte[] message = Messages.Padded(48);
        for (int i = 0; i < message.Length; i += 5)
            await client.WriteAsync(message.AsMemory(i, Math.Min(5, message.Length - i)));
        Assert.Equal(48, (await client.ReadResponseAsync()).Length);
    }

    [Fact]
    public async Task IdleTimeoutClosesTheConnection()
    {
        await using var h = await ServerHarness.StartAsync(Echo(o => o.Limits.IdleTimeoutSeconds = 1));
        await using var client = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(32, (await client.SendRawAsync(Messages.Padded(32))).Length);
        // Half a message, then silence: the idle timer must still fire.
        await client.WriteAsync(Messages.Padded(32).AsMemory(0, 12));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await client.ReadResponseAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(h.Log.Contains("idle for 1 s"));
    }

    [Fact]
    public async Task HandshakeTimeoutClosesASilentConnection()
    {
        await using var h = await ServerHarness.StartAsync(Echo(o => o.Limits.HandshakeTimeoutSeconds = 1));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", h.SocketPort);
        var stream = tcp.GetStream();
        var buffer = new byte[16];
        var watch = Stopwatch.StartNew();
        int read;
        try { read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (IOException) { read = 0; }
        Assert.Equal(0, read);                  // closed by the server, not by our 30 s guard
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task MaxConnectionsIsEnforced()
    {
        await using var h = await ServerHarness.StartAsync(Echo(o => o.Limits.MaxConnections = 2));
        await using var first = await h.ConnectAsync(Pki.Alice);
        await using var second = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(16, (await second.SendRawAsync(Messages.Padded(16))).Length);
        Assert.True(await h.IsRefusedAsync(Pki.Alice), "third connection");
        Assert.Equal(16, (await first.SendRawAsync(Messages.Padded(16))).Length);
    }

    [Fact]
    public async Task ShutdownClosesIdleConnectionsAfterAnsweringThem()
    {
        var h = await ServerHarness.StartAsync(Echo());
        await using var client = await h.ConnectAsync(Pki.Alice);
        Assert.Equal(40, (await client.SendRawAsync(Messages.Padded(40))).Length);
        var read = client.ReadResponseAsync().AsTask();
        await h.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => read.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(h.Log.Contains("Shutting down"));
        Assert.False(h.Log.Contains("unexpected failure"));
    }
}
