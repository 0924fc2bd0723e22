using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DevStack;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM ask for a clean stop instead of killing this process, which would
/// leave the children running. A second request skips the wait for children to exit.
/// </summary>
/// <remarks>
/// One stop often arrives as several signals at once: a terminal's Ctrl+C reaches the whole
/// process group, and `timeout` signals both its child and the group. Only a request at least
/// <see cref="RepeatWindow"/> after the first counts as the second.
/// </remarks>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly CancellationTokenSource _hurry = new();
    private static readonly TimeSpan RepeatWindow = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly PosixSignalRegistration? _sigterm;
    private long? _firstRequestAt;

    public ShutdownSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Request("SIGTERM");
            });
        }
        catch (PlatformNotSupportedException)
        {
            // Ctrl+C still works.
        }
    }

    /// <summary>Cancelled by the first Ctrl+C / SIGTERM.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>Cancelled by the second: stop waiting for children and kill them.</summary>
    public CancellationToken Hurry => _hurry.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _requested.Dispose();
        _hurry.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Request(e.SpecialKey == ConsoleSpecialKey.ControlC ? "Ctrl+C" : "Ctrl+Break");
    }

    private void Request(string what)
    {
        bool first;
        lock (_lock)
        {
            first = _firstRequestAt is null;
            if (!first && Stopwatch.GetElapsedTime(_firstRequestAt!.Value) < RepeatWindow)
            {
                return; // the same stop, delivered twice
            }
            _firstRequestAt ??= Stopwatch.GetTimestamp();
        }

        // Cancel asynchronously: the signal handler must return promptly, whatever is registered on the tokens.
        if (first)
        {
            Output.Info($"{what}: stopping (again to kill at once)");
            _ = _requested.CancelAsync();
        }
        else
        {
            Output.Info($"{what} again: killing what is left");
            _ = _hurry.CancelAsync();
        }
    }
}
