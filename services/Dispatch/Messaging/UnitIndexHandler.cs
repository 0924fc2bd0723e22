using Confluent.Kafka;
using Contracts.Events.V1;
using Dispatch.Domain;
using Google.Protobuf;
using Messaging;

namespace Dispatch.Messaging;

/// <summary>
/// units.v1 and unit-positions.v1 (broadcast): every replica keeps its unit index current with
/// every unit's status and position, whichever replica holds the unit's terminal stream.
/// </summary>
public sealed class UnitIndexHandler(UnitIndex index, ILogger<UnitIndexHandler> logger) : IKafkaMessageHandler
{
    public static readonly IReadOnlyList<string> IndexTopics = [Topics.Units, Topics.UnitPositions];

    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        try
        {
            var schema = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema);
            if (schema == UnitMoved.Descriptor.FullName)
            {
                var moved = UnitMoved.Parser.ParseFrom(record.Message.Value);
                if (moved.Position is not null && moved.At is not null)
                {
                    index.Move(moved.UnitId, moved.Position.Latitude, moved.Position.Longitude, moved.At.ToDateTimeOffset());
                }
            }
            else if (schema == UnitStatusChanged.Descriptor.FullName && UnitStatusChanged.Parser.ParseFrom(record.Message.Value).Unit is { } unit)
            {
                index.Apply(unit);
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
        }
        return Task.CompletedTask;
    }
}
