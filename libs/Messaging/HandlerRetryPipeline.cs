using Microsoft.Extensions.Logging;
using Google.Protobuf;
using Polly;
using Polly.Retry;

namespace Messaging;

/// <summary>
/// Built once per process: a handler failure (Redis or Kafka briefly away) is retried with
/// capped exponential backoff for as long as it takes, because skipping a record would lose it.
/// </summary>
public sealed class HandlerRetryPipeline
{
    public HandlerRetryPipeline(ILogger<HandlerRetryPipeline> logger)
    {
        Pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && !IsPoison(e)),
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

    /// <summary>Failures that say the record itself is bad: retrying cannot help.</summary>
    public static bool IsPoison(Exception e) => e is ArgumentException or FormatException or InvalidProtocolBufferException;
}
