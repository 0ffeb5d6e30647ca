using System.IO.Pipelines;
using Kms.Engine;
using Kms.Server.Auth;
using Kms.Server.Configuration;
using Kms.Server.Socket;
using Kms.Ttlv.Framing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kms.Server.Tests;

[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// The framing loop allocates nothing per message in the steady state: the loop of <see cref="KmipConnectionHandler"/>
/// runs over in-memory pipes with the echo processor, and the whole process's allocations are counted
/// (this collection runs alone).
/// </summary>
[Collection(nameof(AllocationCollection))]
public sealed class FramingAllocationTests
{
    [Fact]
    public async Task SteadyStateFramingAllocatesNothingPerMessage()
    {
        var options = new ServerOptions();
        var handler = new KmipConnectionHandler(new EchoProcessor(), new IdentityResolver(options), options, NullLogger<KmipConnectionHandler>.Instance);
        // Inline schedulers: the loop runs on the writing thread, so no thread-pool work items (which the
        // pipes' default scheduler allocates, unlike Kestrel's transport) enter the count.
        var inline = new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
        var toServer = new Pipe(inline);
        var toClient = new Pipe(inline);
        var caller = new CallerIdentity("alice", "socket", null);
        var loop = handler.RunAsync(toServer.Reader, toClient.Writer, caller, "test", CancellationToken.None, CancellationToken.None);

        byte[] batch = [.. Messages.Padded(200), .. Messages.Padded(64), .. Messages.Padded(5000)];   // the last spans pipe segments
        long perRound = 200 + 64 + 5000;

        int mismatches = 0;
        async Task RoundsAsync(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                await toServer.Writer.WriteAsync(batch);
                long received = 0;
                while (received < perRound)
                {
                    var result = await toClient.Reader.ReadAsync();
                    var buffer = result.Buffer;
                    while (TtlvFramer.TryReadMessage(ref buffer, Kms.Ttlv.TtlvLimits.Default, out var message, out _)) received += message.Length;
                    toClient.Reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (received != perRound) mismatches++;    // not Assert.Equal: it allocates
            }
        }

        await RoundsAsync(2000);                      // warm up: pools, state machines, JIT
        // Background work (tiered JIT, timers) also allocates: take the quietest of a few windows. An
        // allocation per message would show in every window: 15,000 messages x at least 24 bytes each.
        const int rounds = 5000;
        long allocated = long.MaxValue;
        for (int window = 0; window < 4; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await RoundsAsync(rounds);
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        await toServer.Writer.CompleteAsync();
        await loop;
        Assert.Equal(0, mismatches);
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated for {rounds * 3} messages");
    }
}
