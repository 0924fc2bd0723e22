using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Grpc.Core;
using ServiceDefaults.Security;

namespace Suite.IntegrationTests;

/// <summary>A field terminal as a test drives it: one Connect stream, reading what Dispatch pushes.</summary>
public sealed class Terminal : IDisposable
{
    private readonly AsyncDuplexStreamingCall<TerminalMessage, DispatchMessage> _call;

    private Terminal(AsyncDuplexStreamingCall<TerminalMessage, DispatchMessage> call, Welcome welcome)
    {
        _call = call;
        Welcome = welcome;
    }

    public Welcome Welcome { get; }

    /// <summary>Connects through the suite's gateway with a token bound to <paramref name="unitId"/>.</summary>
    public static Task<Terminal> ConnectAsync(SuiteFixture suite, string unitId, UnitKind kind, GeoPoint position, CancellationToken cancellationToken)
        => ConnectAsync(new DispatchService.DispatchServiceClient(suite.As(SuiteIdentity.Terminal(unitId))), unitId, kind, position, cancellationToken);

    public static async Task<Terminal> ConnectAsync(DispatchService.DispatchServiceClient client, string unitId, UnitKind kind, GeoPoint position, CancellationToken cancellationToken)
    {
        var call = client.Connect(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new TerminalMessage
        {
            Hello = new Hello { UnitId = unitId, CallSign = unitId.ToUpperInvariant(), Kind = kind, Position = position },
        }, cancellationToken);
        if (!await call.ResponseStream.MoveNext(cancellationToken) || call.ResponseStream.Current.Welcome is not { } welcome)
        {
            throw new InvalidOperationException($"{unitId}: expected a welcome");
        }
        return new Terminal(call, welcome);
    }

    public async Task<AssignmentPush> NextAssignmentAsync(CancellationToken cancellationToken)
    {
        while (await _call.ResponseStream.MoveNext(cancellationToken))
        {
            if (_call.ResponseStream.Current.Assignment is { } push)
            {
                return push;
            }
        }
        throw new InvalidOperationException("the terminal stream ended before an assignment arrived");
    }

    public Task AcknowledgeAsync(string assignmentId, CancellationToken cancellationToken)
        => _call.RequestStream.WriteAsync(new TerminalMessage { Ack = new Acknowledge { AssignmentId = assignmentId } }, cancellationToken);

    public void Dispose() => _call.Dispose();
}
