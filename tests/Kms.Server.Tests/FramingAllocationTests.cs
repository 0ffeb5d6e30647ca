using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
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
    public Task SteadyStateFramingAllocatesNothingPerMessage() => AssertNoAllocationPerMessage(new EchoProcessor());

    /// <summary>
    /// The same with a processor that completes later on a thread-pool thread, as the engine does for a state-changing
    /// request (after its group commit): awaiting it allocates nothing in the handler either.
    /// </summary>
    [Fact]
    public Task SteadyStateFramingAllocatesNothingPerMessageWhenProcessingCompletesLater() => AssertNoAllocationPerMessage(new DeferredEchoProcessor());

    private static async Task AssertNoAllocationPerMessage(IKmipProcessor processor)
    {
        var options = new ServerOptions();
        var handler = new KmipConnectionHandler(processor, new IdentityResolver(options), options, NullLogger<KmipConnectionHandler>.Instance);
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

    /// <summary>
    /// Echoes on a thread-pool thread after returning a pending task, like a durable commit, without allocating: one
    /// reusable task source and work item (the handler processes one message of a connection at a time).
    /// </summary>
    private sealed class DeferredEchoProcessor : IKmipProcessor, IValueTaskSource<MessageOutcome>, IThreadPoolWorkItem
    {
        private readonly EchoProcessor _echo = new();
        private readonly CallerIdentity _caller = new("alice", "socket", null);
        private ManualResetValueTaskSourceCore<MessageOutcome> _core;
        private byte[] _request = new byte[8192];
        private int _length;
        private IBufferWriter<byte>? _response;

        public ValueTask<MessageOutcome> ProcessAsync(ReadOnlyMemory<byte> request, IBufferWriter<byte> response, CallerIdentity caller)
        {
            // The contract: the request is read before this returns.
            if (_request.Length < request.Length) _request = new byte[request.Length];
            request.CopyTo(_request);
            _length = request.Length;
            _response = response;
            _core.Reset();
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return new ValueTask<MessageOutcome>(this, _core.Version);
        }

        public void Execute()
        {
            var outcome = _echo.ProcessAsync(_request.AsMemory(0, _length), _response!, _caller).Result;
            _core.SetResult(outcome);
        }

        public MessageOutcome GetResult(short token) => _core.GetResult(token);
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
