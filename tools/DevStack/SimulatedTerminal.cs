using System.Collections.Concurrent;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace DevStack;

/// <summary>
/// One unit's field terminal: a DispatchService.Connect stream that says hello, acknowledges
/// every assignment it is pushed, then works it (en route, on scene, resolved) so the unit
/// becomes available again. Reconnects when the stream drops.
/// </summary>
internal sealed class SimulatedTerminal(DemoUnit unit, DispatchService.DispatchServiceClient dispatch)
{
    /// <summary>Dispatch ignores positions older than 5 minutes; a real terminal reports far more often.</summary>
    private static readonly TimeSpan PositionInterval = TimeSpan.FromSeconds(60);

    /// <summary>How long Dispatch gets to end the call after the terminal signs off.</summary>
    private static readonly TimeSpan SignOffTimeout = TimeSpan.FromSeconds(2);

    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _work = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private IClientStreamWriter<TerminalMessage>? _stream;
    private GeoPoint _position = unit.Position;

    public DemoUnit Unit { get; } = unit;

    /// <summary>Completes at the first Welcome: the unit is registered and can be dispatched.</summary>
    public Task Welcomed => _welcomed.Task;

    public async Task RunAsync(CancellationToken stop)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RunSessionAsync(stop);
                if (stop.IsCancellationRequested)
                {
                    return; // signed off
                }
                Output.Demo($"{Unit.UnitId}: Dispatch closed the terminal stream; reconnecting");
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                return;
            }
            catch (RpcException e)
            {
                Output.Demo($"{Unit.UnitId}: terminal stream failed ({e.StatusCode}: {e.Status.Detail}); reconnecting in {retry.TotalSeconds:F0} s");
            }
            try
            {
                await Task.Delay(retry, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromSeconds(Math.Min(retry.TotalSeconds * 2, 10));
        }
    }

    private async Task RunSessionAsync(CancellationToken stop)
    {
        // Stopping does not cancel the call: the terminal signs off (completes its side) and Dispatch
        // ends the call normally, as a real terminal going off duty would. Abort is the fallback.
        using var abort = new CancellationTokenSource();
        using var call = dispatch.Connect(cancellationToken: abort.Token);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _stream = call.RequestStream;
        await using var signOff = stop.Register(() => _ = SignOffAsync(call.RequestStream, abort));
        var positions = Task.CompletedTask;
        try
        {
            await SendAsync(new TerminalMessage
            {
                Hello = new Hello
                {
                    UnitId = Unit.UnitId,
                    CallSign = Unit.CallSign,
                    Kind = Unit.Kind,
                    Capabilities = { Unit.Capabilities },
                    Languages = { "zh-CN", "en" },
                    HomeArea = Unit.HomeArea,
                    Position = _position,
                    Status = UnitStatus.Available,
                },
            }, stop);
            positions = ReportPositionAsync(session.Token);

            await foreach (var message in call.ResponseStream.ReadAllAsync(abort.Token))
            {
                switch (message.KindCase)
                {
                    case DispatchMessage.KindOneofCase.Welcome:
                        _welcomed.TrySetResult();
                        break;
                    case DispatchMessage.KindOneofCase.Assignment:
                        await OnAssignmentAsync(message.Assignment, stop);
                        break;
                    case DispatchMessage.KindOneofCase.Withdrawal:
                        if (_work.TryRemove(message.Withdrawal.AssignmentId, out var withdrawn))
                        {
                            await withdrawn.CancelAsync();
                        }
                        Output.Demo($"{Unit.UnitId}: assignment {Short(message.Withdrawal.AssignmentId)} withdrawn ({message.Withdrawal.Reason})");
                        break;
                }
            }
        }
        finally
        {
            _stream = null;
            await session.CancelAsync();
            await positions;
        }
    }

    private async Task SignOffAsync(IClientStreamWriter<TerminalMessage> stream, CancellationTokenSource abort)
    {
        abort.CancelAfter(SignOffTimeout);
        await _writeLock.WaitAsync();
        try
        {
            if (_stream == stream)
            {
                _stream = null;
                await stream.CompleteAsync();
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or ObjectDisposedException)
        {
            // The call is already over; nothing left to sign off from.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task OnAssignmentAsync(AssignmentPush push, CancellationToken stop)
    {
        var assignment = push.Assignment;
        // Acknowledge every push, re-deliveries included: acknowledging twice is harmless, missing one is not.
        await SendAsync(new TerminalMessage { Ack = new Acknowledge { AssignmentId = assignment.AssignmentId } }, stop);
        var work = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (_work.TryAdd(assignment.AssignmentId, work))
        {
            _ = WorkAsync(assignment, work.Token);
        }
        else
        {
            work.Dispose();
        }
    }

    /// <summary>The unit's progress, compressed: minutes on the street become seconds here.</summary>
    private async Task WorkAsync(Assignment assignment, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(2, 4)), cancellationToken);
            await UpdateAsync(assignment, AssignmentStatus.EnRoute, "on the way", cancellationToken);

            var travel = assignment.EstimatedTravel?.ToTimeSpan() ?? TimeSpan.FromSeconds(60);
            await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(travel.TotalSeconds / 10, 3, 8)), cancellationToken);
            _position = assignment.IncidentLocation ?? _position;
            await TrySendPositionAsync(cancellationToken);
            await UpdateAsync(assignment, AssignmentStatus.OnScene, "arrived", cancellationToken);

            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(6, 11)), cancellationToken);
            await UpdateAsync(assignment, AssignmentStatus.Resolved, "handled on scene", cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped or withdrawn.
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            Output.Demo($"{Unit.UnitId}: update of assignment {Short(assignment.AssignmentId)} failed ({e.StatusCode}: {e.Status.Detail})");
        }
        finally
        {
            if (_work.TryRemove(assignment.AssignmentId, out var work))
            {
                work.Dispose();
            }
        }
    }

    private Task UpdateAsync(Assignment assignment, AssignmentStatus status, string note, CancellationToken cancellationToken)
        => dispatch.UpdateAssignmentAsync(
            new UpdateAssignmentRequest { AssignmentId = assignment.AssignmentId, Status = status, Note = note },
            cancellationToken: cancellationToken).ResponseAsync;

    private async Task ReportPositionAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(PositionInterval, cancellationToken);
                await TrySendPositionAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended; the next one says hello with the current position.
        }
    }

    /// <summary>A position is worth sending only on a live stream; a lost one is replaced by the next.</summary>
    private async Task TrySendPositionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(new TerminalMessage { Position = new PositionUpdate { Position = _position, At = Timestamp.FromDateTime(DateTime.UtcNow) } }, cancellationToken);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The stream is closing; RunAsync reconnects.
        }
    }

    /// <summary>A gRPC request stream takes one write at a time; acks, positions and hello share it.</summary>
    private async Task SendAsync(TerminalMessage message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_stream is { } stream)
            {
                await stream.WriteAsync(message, cancellationToken);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal static string Short(string id) => id.Length > 8 ? id[..8] + "…" : id;
}
