using Contracts.Dispatch.V1;
using Dispatch.Streaming;

namespace Dispatch.UnitTests;

public sealed class TerminalSessionsTests
{
    private static DispatchMessage Welcome(string id) => new() { Welcome = new Welcome { SessionId = id } };

    [Fact]
    public void A_second_session_for_the_same_unit_ends_the_first()
    {
        var sessions = new TerminalSessions();
        var first = Opened(sessions, "unit-1", 16);

        var second = Opened(sessions, "unit-1", 16);

        Assert.NotNull(first.EndReason);
        Assert.Contains("superseded", first.EndReason);
        Assert.True(first.Ended.IsCancellationRequested);
        Assert.True(first.Outbox.Reader.Completion.IsCompleted);
        Assert.False(first.TryEnqueue(Welcome("late")));
        Assert.Contains("superseded", first.EndReason); // the first reason is kept

        Assert.Null(second.EndReason);
        Assert.False(second.Ended.IsCancellationRequested);
        Assert.Same(second, sessions.Find("unit-1"));
        Assert.NotEqual(first.SessionId, second.SessionId);
    }

    [Fact]
    public void Closing_the_superseded_session_does_not_remove_the_new_one()
    {
        var sessions = new TerminalSessions();
        var first = Opened(sessions, "unit-1", 16);
        var second = Opened(sessions, "unit-1", 16);

        sessions.Close(first);

        Assert.Same(second, sessions.Find("unit-1"));

        sessions.Close(second);

        Assert.Null(sessions.Find("unit-1"));
    }

    [Fact]
    public void Sessions_of_different_units_are_independent()
    {
        var sessions = new TerminalSessions();
        var a = Opened(sessions, "unit-a", 16);
        var b = Opened(sessions, "unit-b", 16);

        Assert.Same(a, sessions.Find("unit-a"));
        Assert.Same(b, sessions.Find("unit-b"));
        Assert.Null(a.EndReason);
        Assert.Null(b.EndReason);
        Assert.Null(sessions.Find("unit-c"));

        sessions.Close(a);

        Assert.Null(sessions.Find("unit-a"));
        Assert.Same(b, sessions.Find("unit-b"));
    }

    [Fact]
    public void An_assignment_is_pushed_once_per_session()
    {
        var sessions = new TerminalSessions();
        var first = Opened(sessions, "unit-1", 16);

        Assert.True(first.FirstPushInSession("assignment-1"));
        Assert.False(first.FirstPushInSession("assignment-1"));
        Assert.False(first.FirstPushInSession("assignment-1"));
        Assert.True(first.FirstPushInSession("assignment-2"));

        var second = Opened(sessions, "unit-1", 16);

        Assert.True(second.FirstPushInSession("assignment-1"));
        Assert.False(second.FirstPushInSession("assignment-1"));
    }

    [Fact]
    public void A_terminal_that_does_not_read_is_ended_when_its_outbox_is_full()
    {
        var session = Opened(new TerminalSessions(), "unit-1", 2);

        Assert.True(session.TryEnqueue(Welcome("1")));
        Assert.True(session.TryEnqueue(Welcome("2")));
        Assert.Null(session.EndReason);

        Assert.False(session.TryEnqueue(Welcome("3")));

        Assert.Contains("not reading", session.EndReason);
        Assert.True(session.Ended.IsCancellationRequested);
        Assert.True(session.Outbox.Reader.TryRead(out var m1));
        Assert.True(session.Outbox.Reader.TryRead(out var m2));
        Assert.Equal(["1", "2"], new[] { m1!.Welcome.SessionId, m2!.Welcome.SessionId });
        Assert.False(session.Outbox.Reader.TryRead(out _));
        Assert.True(session.Outbox.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void Concurrent_opens_leave_exactly_one_live_session()
    {
        var sessions = new TerminalSessions();
        var opened = new TerminalSession[64];

        Parallel.For(0, opened.Length, i => opened[i] = Opened(sessions, "unit-1", 4));

        var live = opened.Where(s => s.EndReason is null).ToArray();
        Assert.Same(Assert.Single(live), sessions.Find("unit-1"));
    }

    [Fact]
    public void A_session_gets_no_pushes_until_it_is_registered()
    {
        var sessions = new TerminalSessions();
        var older = Opened(sessions, "unit-1", 4);
        var connecting = new TerminalSession("unit-1", 4);

        // While the new connection is being welcomed, pushes still go to the older session, which stays live.
        Assert.Same(older, sessions.Find("unit-1"));
        Assert.Null(older.EndReason);

        sessions.Register(connecting);
        Assert.Same(connecting, sessions.Find("unit-1"));
        Assert.NotNull(older.EndReason);
    }

    private static TerminalSession Opened(TerminalSessions sessions, string unitId, int capacity)
    {
        var session = new TerminalSession(unitId, capacity);
        sessions.Register(session);
        return session;
    }
}
