using Intake.Domain;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Intake.Infrastructure;

/// <summary>
/// Which incident ids were already accepted, so a resubmission is answered as a duplicate and
/// publishes nothing. Only an optimisation over the deterministic id: if Redis is away, the
/// report is published again under the same id and consumers de-duplicate.
/// </summary>
public sealed class AcceptedReports(IConnectionMultiplexer redis, IOptions<IntakeOptions> options, ILogger<AcceptedReports> logger)
{
    private static string Key(string incidentId) => $"intake:accepted:{{{incidentId}}}";

    // A resubmission older than the age limit is rejected as TOO_OLD anyway, so the marker need not outlive it.
    private TimeSpan Retention => TimeSpan.FromDays(options.Value.MaxAgeDays + 1);

    public async Task<bool> WasAcceptedAsync(string incidentId)
    {
        try
        {
            return await redis.GetDatabase().KeyExistsAsync(Key(incidentId));
        }
        catch (RedisException e)
        {
            logger.LogWarning("Duplicate check skipped for {IncidentId}: {Reason}", incidentId, e.Message);
            return false;
        }
    }

    public async Task MarkAcceptedAsync(string incidentId)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key(incidentId), 1, Retention, flags: CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            logger.LogWarning("Could not record {IncidentId} as accepted: {Reason}", incidentId, e.Message);
        }
    }
}
