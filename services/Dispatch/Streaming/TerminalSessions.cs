using System.Collections.Concurrent;
using System.Threading.Channels;
using Contracts.Dispatch.V1;

namespace Dispatch.Streaming;

/// <summary>One open Connect stream. Everything written to the terminal goes through <see cref="Outbox"/>.</summary>
public sealed class TerminalSession(string unitId, int capacity)
{
    private readonly ConcurrentDictionary<string, byte> _pushed = new();
    // Never disposed: it has no timer, and the fan-out may still end a session after its call finished.
    private readonly CancellationTokenSource _ended = new();

    public string UnitId { get; } = unitId;
    public string SessionId { get; } = Guid.CreateVersion7().ToString();

    public Channel<DispatchMessage> Outbox { get; } = Channel.CreateBounded<DispatchMessage>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Cancelled when the session is superseded by a newer connection of the same unit or is too slow.</summary>
    public CancellationToken Ended => _ended.Token;

    public string? EndReason { get; private set; }

    /// <summary>False when this session already pushed the assignment: one session never shows the same assignment twice.</summary>
    public bool FirstPushInSession(string assignmentId) => _pushed.TryAdd(assignmentId, 0);

    /// <summary>Undoes <see cref="FirstPushInSession"/> when the push could not be made, so a retry makes it.</summary>
    public void ForgetPush(string assignmentId) => _pushed.TryRemove(assignmentId, out _);

    public bool TryEnqueue(DispatchMessage message)
    {
        if (Outbox.Writer.TryWrite(message))
        {
            return true;
        }
        End("the terminal is not reading its stream; reconnect to receive pending assignments");
        return false;
    }

    public void End(string reason)
    {
        EndReason ??= reason;
        Outbox.Writer.TryComplete();
        _ended.Cancel();
    }
}

/// <summary>The terminal sessions open on this replica, one per unit.</summary>
public sealed class TerminalSessions
{
    private readonly ConcurrentDictionary<string, TerminalSession> _byUnit = new();

    /// <summary>
    /// Makes the session the one assignment pushes reach (ending an older one of the unit). Called once its welcome
    /// is queued, so the welcome is always the first message a terminal reads.
    /// </summary>
    public void Register(TerminalSession session)
        => _byUnit.AddOrUpdate(session.UnitId, session, (_, previous) =>
        {
            previous.End("superseded by a newer connection of the same unit");
            return session;
        });

    public void Close(TerminalSession session) => _byUnit.TryRemove(new KeyValuePair<string, TerminalSession>(session.UnitId, session));

    public TerminalSession? Find(string unitId) => _byUnit.TryGetValue(unitId, out var session) ? session : null;
}
