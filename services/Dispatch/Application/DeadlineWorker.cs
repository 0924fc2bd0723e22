using Dispatch.Domain;
using Dispatch.Infrastructure;
using Microsoft.Extensions.Options;

namespace Dispatch.Application;

/// <summary>
/// Runs on every replica: takes due deadlines from Redis (each one by exactly one replica at a
/// time) and hands them to the <see cref="Supervisor"/>. A deadline whose handling fails stays
/// leased and comes due again, on whichever replica is alive.
/// </summary>
public sealed class DeadlineWorker(DeadlineStore deadlines, Supervisor supervisor, IOptions<DispatchOptions> options, TimeProvider clock, ILogger<DeadlineWorker> logger) : BackgroundService
{
    private const int Batch = 64;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.DeadlinePollMilliseconds);
        var lease = TimeSpan.FromSeconds(options.Value.DeadlineLeaseSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<string> due = [];
            try
            {
                due = await deadlines.TakeDueAsync(clock.GetUtcNow(), lease, Batch);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken }, async (item, token) =>
                {
                    try
                    {
                        await supervisor.HandleAsync(item, token);
                        await deadlines.CompleteAsync(item);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning(e, "Deadline {Item} failed; it comes due again in {Lease}", item, lease);
                    }
                });
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Reading due deadlines failed; retrying");
            }
            if (due.Count < Batch)
            {
                try
                {
                    // The poll interval is the worker's own cadence, in real time; only what is due is judged on the
                    // injected clock. (Waiting on that clock, a worker that was busy when a test moved it forward then waited
                    // for a move that never came, and a due deadline was never taken.)
                    await Task.Delay(poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
