using Dispatch.Domain;
using Dispatch.Infrastructure;

namespace Dispatch.Messaging;

/// <summary>
/// Fills the unit index from Redis at start. Registered after the index's broadcast consumer,
/// whose positions are fixed when it starts: every change after the snapshot also arrives as an
/// event, and versions keep the newer state whichever comes first.
/// </summary>
public sealed class UnitIndexLoader(UnitStore units, UnitIndex index, ILogger<UnitIndexLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var all = await units.ListAsync();
        foreach (var unit in all)
        {
            index.Apply(unit);
        }
        logger.LogInformation("Unit index loaded with {Count} units", all.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
