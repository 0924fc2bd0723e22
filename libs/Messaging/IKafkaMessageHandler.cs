using Confluent.Kafka;

namespace Messaging;

/// <summary>
/// Processes one record. Throwing means "not processed": the record is retried (with backoff)
/// and its offset is not stored, so nothing is lost. Handlers must therefore be idempotent.
/// A record that can never be processed (malformed) must be handled, not thrown.
/// </summary>
public interface IKafkaMessageHandler
{
    Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken);
}

/// <summary>How a consumer reads its topics.</summary>
public enum ConsumeMode
{
    /// <summary>Member of a consumer group from the earliest uncommitted offset; each record processed by one replica.</summary>
    Group,

    /// <summary>Every replica reads every partition from "now" (its start) without committing: for fan-out to local streams.</summary>
    Broadcast,
}

/// <param name="MaxInFlight">Records handled concurrently; 1 keeps strict per-partition order of handling.</param>
public sealed record KafkaConsumerSettings(string Name, string GroupId, IReadOnlyList<string> Topics, ConsumeMode Mode, int MaxInFlight = 1);
