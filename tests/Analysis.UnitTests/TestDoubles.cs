using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace Analysis.UnitTests;

/// <summary>A call context whose cancellation the test controls.</summary>
internal sealed class FakeCallContext(CancellationToken cancellationToken) : ServerCallContext
{
    protected override string MethodCore => "/analysis.v1.AnalysisService/Test";
    protected override string HostCore => "localhost";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options)
        => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}

/// <summary>A response stream that records writes; when stalled, a write waits until cancelled (a caller that stopped reading).</summary>
internal sealed class RecordingStream<T>(bool stalled = false) : IServerStreamWriter<T>
{
    private readonly Channel<T> _written = Channel.CreateUnbounded<T>();

    public WriteOptions? WriteOptions { get; set; }

    public ChannelReader<T> Written => _written.Reader;

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        if (stalled)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        _written.Writer.TryWrite(message);
    }
}

internal sealed class FakeLifetime : IHostApplicationLifetime
{
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken ApplicationStarted => CancellationToken.None;
    public CancellationToken ApplicationStopping => _stopping.Token;
    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => _stopping.Cancel();
}
