using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Messaging;

/// <summary>
/// Built once per process: a handler failure (Redis or Kafka briefly away) is retried with
/// capped exponential backoff for as long as it takes, because skipping a record would lose it.
/// Whether a record itself is unreadable is the handler's call (it decodes it and knows who wrote
/// it); any failure that reaches here is retried, whatever its type: an exception type cannot tell
/// a bad record from a bad reply of a dependency (a garbled Redis answer once surfaced as a
/// FormatException and its incident was skipped). A failure that never clears stalls the partition
/// with a warning per attempt: visible lag instead of silent loss.
/// </summary>
public sealed class HandlerRetryPipeline
{
    public HandlerRetryPipeline(ILogger<HandlerRetryPipeline> logger)
    {
        Pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
                OnRetry = args =>
                {
                    logger.LogWarning(args.Outcome.Exception, "Handling a record failed (attempt {Attempt}); retrying", args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public ResiliencePipeline Pipeline { get; }
}
