using Contracts.Dispatch.V1;

namespace DevStack;

/// <summary>Every unit of <see cref="DemoCity"/> on duty: one simulated terminal each, all through the gateway.</summary>
internal sealed class DemoTerminals(Func<DemoUnit, DispatchService.DispatchServiceClient> clientFor)
{
    private readonly List<SimulatedTerminal> _terminals = [];
    private readonly List<Task> _running = [];

    /// <summary>Opens every terminal and waits until Dispatch has welcomed them (or <paramref name="timeout"/> passes).</summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken stop)
    {
        foreach (var unit in DemoCity.Units)
        {
            var terminal = new SimulatedTerminal(unit, clientFor(unit)); // a token bound to this unit
            _terminals.Add(terminal);
            _running.Add(terminal.RunAsync(stop));
        }

        var allWelcomed = Task.WhenAll(_terminals.Select(t => t.Welcomed));
        await Task.WhenAny(allWelcomed, Task.Delay(timeout, stop));
        stop.ThrowIfCancellationRequested();
        var missing = _terminals.Where(t => !t.Welcomed.IsCompleted).Select(t => t.Unit.UnitId).ToList();
        Output.Demo(missing.Count == 0
            ? $"{_terminals.Count} units on duty: {Summary()}"
            : $"{_terminals.Count - missing.Count} of {_terminals.Count} units connected; no welcome within {timeout.TotalSeconds:F0} s for {string.Join(", ", missing)}");
    }

    /// <summary>Waits for the terminals to close their streams (the caller cancels the token given to <see cref="StartAsync"/>).</summary>
    public Task StoppedAsync() => Task.WhenAll(_running);

    private string Summary() => string.Join(", ", _terminals
        .GroupBy(t => t.Unit.Kind)
        .Select(g => $"{g.Count()} {FeedPrinter.Words(g.Key.ToString())}"));
}
