using System.Runtime.InteropServices;

namespace DevStack;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM ask for a clean stop instead of killing this process, which would
/// leave the children running. A second request skips the wait for children to exit.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly CancellationTokenSource _hurry = new();
    private readonly PosixSignalRegistration? _sigterm;
    private int _requests;

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
        // Cancel asynchronously: the signal handler must return promptly, whatever is registered on the tokens.
        if (Interlocked.Increment(ref _requests) == 1)
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
