using System.Diagnostics;
using Confluent.Kafka;

namespace Bench;

/// <summary>Pre-produces a backlog to the embedded broker as fast as it takes it.</summary>
internal static class BacklogProducer
{
    /// <summary>
    /// Produces every record without waiting for each acknowledgement (the embedded broker serves about one batch per
    /// fetch), waiting only while the client's queue is full; returns the time taken once every record is acknowledged.
    /// </summary>
    /// <param name="what">What the records are, for the error: "incidents".</param>
    /// <param name="perSecond">Paces the records at this rate (an offered load); 0 = as fast as the broker takes them.</param>
    /// <exception cref="InvalidOperationException">Some records were not acknowledged.</exception>
    public static TimeSpan ProduceAll(ProducerConfig config, IEnumerable<(TopicPartition Target, Message<string, byte[]> Message)> records, string what, double perSecond = 0)
    {
        var stopwatch = Stopwatch.StartNew();
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var failed = 0;
        var firstError = "";
        var sent = 0L;
        foreach (var (target, message) in records)
        {
            if (perSecond > 0 && ++sent % 50 == 0 && TimeSpan.FromSeconds(sent / perSecond) - stopwatch.Elapsed is { Ticks: > 0 } ahead)
            {
                Thread.Sleep(ahead);
            }
            while (true)
            {
                try
                {
                    producer.Produce(target, message, report =>
                    {
                        if (report.Error.IsError && Interlocked.Increment(ref failed) == 1)
                        {
                            firstError = report.Error.Reason;
                        }
                    });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
        return failed == 0
            ? stopwatch.Elapsed
            : throw new InvalidOperationException($"{failed} {what} were not acknowledged by the embedded broker: {firstError}");
    }
}
