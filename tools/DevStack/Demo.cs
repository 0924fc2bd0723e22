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

    private readonly DevIdentities _identities;

    private Demo(Uri gateway, DevIdentities identities)
    {
        _identities = identities;
        _channel = GrpcChannel.ForAddress(gateway, new GrpcChannelOptions
        {
            // 24 terminal streams, the feed and the calls fit in one HTTP/2 connection, but need not.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }

    public static async Task<Demo> StartAsync(Uri gateway, DevIdentities identities, CancellationToken cancellationToken)
    {
        var demo = new Demo(gateway, identities);
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
        // Each client with its own token, as in the field: the operator's feed, each unit's terminal, a partner's reports.
        _running.Add(new FeedPrinter(new DispatchService.DispatchServiceClient(_identities.As(_channel, DevIdentities.DemoOperator))).RunAsync(_stop.Token));
        // The feed starts "from now" once Dispatch has the call: give it a moment so the units coming on duty show on it.
        await Task.Delay(TimeSpan.FromMilliseconds(500), starting.Token);

        var terminals = new DemoTerminals(unit => new DispatchService.DispatchServiceClient(_identities.As(_channel, ServiceDefaults.Security.SuiteIdentity.Terminal(unit.UnitId))));
        await terminals.StartAsync(TimeSpan.FromSeconds(15), _stop.Token).WaitAsync(starting.Token);
        _running.Add(terminals.StoppedAsync());

        _running.Add(new DemoScenario(new IntakeService.IntakeServiceClient(_identities.As(_channel, DevIdentities.ScenarioPartner))).RunAsync(_stop.Token));
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
