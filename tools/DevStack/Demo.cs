using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Grpc.Net.Client;

namespace DevStack;

/// <summary>
/// The demo on top of the stack, all through the gateway like real clients: an operator feed,
/// the city's units on duty, then the scenario's reports.
/// </summary>
internal sealed class Demo : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private Demo(Uri gateway)
    {
        _channel = GrpcChannel.ForAddress(gateway, new GrpcChannelOptions
        {
            // 24 terminal streams, the feed and the calls fit in one HTTP/2 connection, but need not.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }

    public static async Task<Demo> StartAsync(Uri gateway, CancellationToken cancellationToken)
    {
        var demo = new Demo(gateway);
        try
        {
            await demo.StartCoreAsync(cancellationToken);
            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        using var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var dispatch = new DispatchService.DispatchServiceClient(_channel);

        _running.Add(new FeedPrinter(dispatch).RunAsync(_stop.Token));
        // The feed starts "from now" once Dispatch has the call: give it a moment so the units coming on duty show on it.
        await Task.Delay(TimeSpan.FromMilliseconds(500), starting.Token);

        var terminals = new DemoTerminals(dispatch);
        await terminals.StartAsync(TimeSpan.FromSeconds(15), _stop.Token).WaitAsync(starting.Token);
        _running.Add(terminals.StoppedAsync());

        _running.Add(new DemoScenario(new IntakeService.IntakeServiceClient(_channel)).RunAsync(_stop.Token));
    }

    /// <summary>Closes the terminals' streams and the feed, then the channel.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Stopping is all that is left to do.
        }
        catch (Exception e)
        {
            Output.Demo($"demo ended with an error: {e.Message}");
        }
        _channel.Dispose();
        _stop.Dispose();
    }
}
