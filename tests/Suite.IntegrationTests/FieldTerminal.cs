using System.Threading.Channels;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Suite.IntegrationTests;

/// <summary>
/// A unit's terminal with everything Dispatch pushes collected in the background, so a test can
/// wait for the next assignment or withdrawal without blocking the stream.
/// </summary>
public sealed class FieldTerminal : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly AsyncDuplexStreamingCall<TerminalMessage, DispatchMessage> _call;
    private readonly Channel<DispatchMessage> _received = Channel.CreateUnbounded<DispatchMessage>();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Task _reader;

    private FieldTerminal(string unitId, AsyncDuplexStreamingCall<TerminalMessage, DispatchMessage> call, Welcome welcome)
    {
        UnitId = unitId;
        _call = call;
        Welcome = welcome;
        _reader = Task.Run(ReadAsync);
    }

    public string UnitId { get; }

    public Welcome Welcome { get; }

    /// <summary>How the stream ended, once it has.</summary>
    public RpcException? Ended { get; private set; }

    public static async Task<FieldTerminal> ConnectAsync(DispatchService.DispatchServiceClient client, string unitId, UnitKind kind, GeoPoint position,
        IEnumerable<Capability>? capabilities = null, IEnumerable<string>? languages = null)
    {
        var call = client.Connect();
        await call.RequestStream.WriteAsync(new TerminalMessage
        {
            Hello = new Hello
            {
                UnitId = unitId,
                CallSign = unitId.ToUpperInvariant(),
                Kind = kind,
                Position = position,
                Capabilities = { capabilities ?? [] },
                Languages = { languages ?? [] },
            },
        });
        using var cts = new CancellationTokenSource(Patience);
        if (!await call.ResponseStream.MoveNext(cts.Token) || call.ResponseStream.Current.Welcome is not { } welcome)
        {
            throw new InvalidOperationException($"{unitId}: expected a welcome");
        }
        return new FieldTerminal(unitId, call, welcome);
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync())
            {
                _received.Writer.TryWrite(message);
            }
        }
        catch (RpcException e)
        {
            Ended = e;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // disposed by the test
        }
        _received.Writer.TryComplete();
    }

    public Task<DispatchMessage> NextAsync(TimeSpan? patience = null) => NextAsync(_ => true, patience);

    public async Task<DispatchMessage> NextAsync(Func<DispatchMessage, bool> wanted, TimeSpan? patience = null)
    {
        using var cts = new CancellationTokenSource(patience ?? Patience);
        while (true)
        {
            DispatchMessage message;
            try
            {
                message = await _received.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{UnitId}: nothing wanted arrived within {(patience ?? Patience).TotalSeconds:F0} s");
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException($"{UnitId}: the stream ended ({Ended?.Status.Detail ?? "completed"})");
            }
            if (wanted(message))
            {
                return message;
            }
        }
    }

    public async Task<AssignmentPush> NextAssignmentAsync(TimeSpan? patience = null)
        => (await NextAsync(m => m.KindCase == DispatchMessage.KindOneofCase.Assignment, patience)).Assignment;

    public async Task<Withdrawal> NextWithdrawalAsync(TimeSpan? patience = null)
        => (await NextAsync(m => m.KindCase == DispatchMessage.KindOneofCase.Withdrawal, patience)).Withdrawal;

    /// <summary>Everything received so far and not yet taken.</summary>
    public List<DispatchMessage> Drain()
    {
        var messages = new List<DispatchMessage>();
        while (_received.Reader.TryRead(out var message))
        {
            messages.Add(message);
        }
        return messages;
    }

    public Task AcknowledgeAsync(string assignmentId) => SendAsync(new TerminalMessage { Ack = new Acknowledge { AssignmentId = assignmentId } });

    public Task ProgressAsync(string assignmentId, AssignmentStatus status, string note = "")
        => SendAsync(new TerminalMessage { Progress = new AssignmentProgress { AssignmentId = assignmentId, Status = status, Note = note } });

    public Task MoveAsync(GeoPoint position) => SendAsync(new TerminalMessage { Position = new PositionUpdate { Position = position, At = Timestamp.FromDateTime(DateTime.UtcNow) } });

    public Task RequestSupportAsync(RequestSupportRequest request) => SendAsync(new TerminalMessage { Support = request });

    private async Task SendAsync(TerminalMessage message)
    {
        await _sending.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        await _reader;
    }
}
