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

/// <summary>
/// Processes consecutive records together (<see cref="KafkaConsumerSettings.MaxBatch"/> above 1), so the work shared by
/// records (a round trip, a wait, a flush) is paid once per batch. Throwing means none of them was processed: the whole
/// batch is retried and none of its offsets stored. The same rules as <see cref="IKafkaMessageHandler"/> apply to each record.
/// </summary>
public interface IKafkaBatchHandler
{
    Task HandleBatchAsync(IReadOnlyList<ConsumeResult<string, byte[]>> records, CancellationToken cancellationToken);
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
/// <param name="MaxBatch">
/// Records handed over at once, to a handler that is also an <see cref="IKafkaBatchHandler"/>: those already fetched when
/// a batch starts, up to this many (never waiting for more). 1 hands records over one by one.
/// </param>
public sealed record KafkaConsumerSettings(string Name, string GroupId, IReadOnlyList<string> Topics, ConsumeMode Mode, int MaxInFlight = 1, int MaxBatch = 1);

/// <summary>
/// Told which partitions a consumer-group handler owns, for a handler that keeps per-partition work elsewhere in step with
/// it. Called on the consuming thread, during <c>Consume</c>, so never at the same time as the consumer's own bookkeeping.
/// </summary>
public interface IPartitionOwnershipListener
{
    /// <summary>Partitions now assigned here, each with the offset handling starts from (the committed offset, else the earliest).</summary>
    void Assigned(IReadOnlyList<TopicPartitionOffset> startingAt);

    /// <summary>
    /// Partitions no longer assigned here (revoked or lost), each with the offset below which every record was handled
    /// here or before. Records from there on may still be in flight: their handling completes, but their offsets are not stored.
    /// </summary>
    void Revoked(IReadOnlyList<TopicPartitionOffset> handledUpTo);
}
