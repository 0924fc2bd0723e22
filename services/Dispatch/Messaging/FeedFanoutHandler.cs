using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Dispatch.Infrastructure;
using Dispatch.Streaming;
using Google.Protobuf;
using Messaging;

namespace Dispatch.Messaging;

/// <summary>
/// Every replica reads incidents, assignments, units and alerts (broadcast) and pushes them to
/// its own operator feeds and terminal streams. An assignment reaches its unit's terminal on
/// whichever replica holds that terminal's stream.
/// </summary>
public sealed class FeedFanoutHandler(FeedHub feed, TerminalSessions terminals, IncidentStore incidents, ILogger<FeedFanoutHandler> logger) : IKafkaMessageHandler
{
    public static readonly IReadOnlyList<string> FeedTopics = [Topics.Incidents, Topics.Assignments, Topics.Units, Topics.Alerts];

    public async Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        FeedEvent? feedEvent;
        string? withdrawalReason;
        try
        {
            (feedEvent, withdrawalReason) = ToFeedEvent(KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema), record.Message.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return;
        }
        if (feedEvent is null)
        {
            return;
        }

        if (feedEvent.EventCase == FeedEvent.EventOneofCase.Assignment && terminals.Find(feedEvent.Assignment.UnitId) is { } session)
        {
            if (feedEvent.Assignment.Status == AssignmentStatus.Pending)
            {
                await PushAsync(session, feedEvent.Assignment, incidents);
            }
            else if (feedEvent.Assignment.Status == AssignmentStatus.Withdrawn)
            {
                session.TryEnqueue(WithdrawalMessage(feedEvent.Assignment.AssignmentId, feedEvent.Assignment.IncidentId, withdrawalReason ?? "withdrawn"));
            }
        }
        feed.Publish(record.Topic, record.Partition.Value, record.Offset.Value, feedEvent);
    }

    /// <summary>Pushes an assignment once per session; redelivery tells the terminal it may have seen it on an earlier connection.</summary>
    internal static async Task PushAsync(TerminalSession session, Assignment assignment, IncidentStore incidents)
    {
        if (!session.FirstPushInSession(assignment.AssignmentId))
        {
            return;
        }
        bool first;
        try
        {
            first = await incidents.MarkPushedAsync(assignment.AssignmentId);
        }
        catch
        {
            session.ForgetPush(assignment.AssignmentId); // the handler is retried; the retry must push
            throw;
        }
        session.TryEnqueue(new DispatchMessage { Assignment = new AssignmentPush { Assignment = assignment, Redelivery = !first } });
    }

    public static DispatchMessage WithdrawalMessage(string assignmentId, string incidentId, string reason)
        => new() { Withdrawal = new Withdrawal { AssignmentId = assignmentId, IncidentId = incidentId, Reason = reason } };

    /// <summary>The feed event a record becomes, and for a change of an assignment the reason given.</summary>
    private static (FeedEvent? Event, string? Reason) ToFeedEvent(string? schema, byte[] payload)
    {
        if (schema == IncidentReported.Descriptor.FullName)
        {
            var e = IncidentReported.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, IncidentReported = e.Incident }, null);
        }
        if (schema == UnitAssigned.Descriptor.FullName)
        {
            var e = UnitAssigned.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, Assignment = e.Assignment }, null);
        }
        if (schema == AssignmentChanged.Descriptor.FullName)
        {
            var e = AssignmentChanged.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, Assignment = e.Assignment }, e.Reason);
        }
        if (schema == UnitStatusChanged.Descriptor.FullName)
        {
            var e = UnitStatusChanged.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, Unit = e.Unit }, null);
        }
        if (schema == AlertRaised.Descriptor.FullName)
        {
            var e = AlertRaised.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, Alert = e.Alert }, null);
        }
        if (schema == IncidentUpdated.Descriptor.FullName)
        {
            var e = IncidentUpdated.Parser.ParseFrom(payload);
            return (new FeedEvent { At = e.Metadata.PublishedAt, IncidentUpdate = e.Update }, null);
        }
        return (null, null);
    }
}
