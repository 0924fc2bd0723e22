namespace Messaging;

/// <summary>For hosted services that run a Kafka consume loop on a thread of their own.</summary>
public static class ConsumerLoops
{
    /// <summary>
    /// Waits (up to 10 s) for a stopped loop to end, so its consumer is never disposed while the loop still uses it. If
    /// the host failed to start, StopAsync never ran and disposing the service is what stops the loop.
    /// </summary>
    public static void WaitForEnd(Task? loop)
    {
        try
        {
            loop?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop's failure was already reported by the host.
        }
    }
}
