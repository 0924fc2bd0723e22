using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Contracts.Common.V1;
using Google.Protobuf;
using Intake.Application;
using Intake.Domain;
using Intake.Grpc;
using Messaging;

namespace Intake.Messaging;

/// <summary>
/// partner.incidents.v1: each record ends up exactly once in incidents.v1 (accepted), nowhere
/// (a duplicate of one already accepted) or in partner.incidents.dlq.v1 with its original bytes
/// and headers plus the reasons. The consumer stores the offset only after that output was
/// acknowledged by the broker, so a crash at any point loses nothing.
/// </summary>
public sealed class PartnerReportHandler(ReportIntake intake, EventPublisher publisher, ILogger<PartnerReportHandler> logger) : IKafkaMessageHandler
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public async Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        var (report, rejection) = Decode(record);
        if (rejection is not null)
        {
            await DeadLetterAsync(record, [rejection], cancellationToken);
            return;
        }

        var result = await intake.SubmitAsync(report, cancellationToken);
        if (result.Outcome == IntakeOutcome.Invalid)
        {
            await DeadLetterAsync(record, result.Violations, cancellationToken);
        }
    }

    /// <summary>The report, or the one reason it cannot be read or is not this partner's to send.</summary>
    internal static (Report? Report, FieldViolation? Rejection) Decode(ConsumeResult<string, byte[]> record)
    {
        var value = record.Message.Value;
        if (value is null || value.Length == 0)
        {
            return (null, Violation("report", PartnerReasons.EmptyPayload, "the record has no value"));
        }
        if (value.Length > IntakeGrpcService.MaxMessageBytes)
        {
            return (null, Violation("report", PartnerReasons.TooLarge, $"the record is {value.Length} bytes; at most {IntakeGrpcService.MaxMessageBytes}"));
        }
        if (string.IsNullOrWhiteSpace(record.Message.Key))
        {
            return (null, Violation("key", PartnerReasons.MissingSource, "the record key must be the partner's source id"));
        }

        var contentType = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.ContentType) ?? KafkaHeaders.ProtobufContentType;
        Report report;
        try
        {
            report = MediaType(contentType) switch
            {
                KafkaHeaders.ProtobufContentType => Report.Parser.ParseFrom(value),
                KafkaHeaders.JsonContentType => Json.Parse<Report>(Encoding.UTF8.GetString(value)),
                _ => throw new NotSupportedException(),
            };
        }
        catch (NotSupportedException)
        {
            return (null, Violation("content-type", PartnerReasons.UnsupportedContentType,
                $"'{contentType}' is not supported; use {KafkaHeaders.ProtobufContentType} or {KafkaHeaders.JsonContentType}"));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or DecoderFallbackException)
        {
            return (null, Violation("report", PartnerReasons.MalformedPayload, $"not a common.v1.Report in {contentType}: {e.Message}"));
        }

        var source = record.Message.Key.Trim();
        if (report.Source.Length == 0)
        {
            report.Source = source; // the key identifies the partner
        }
        else if (report.Source.Trim() != source)
        {
            return (null, Violation("report.source", PartnerReasons.SourceMismatch, $"source '{report.Source}' does not match the record key '{source}'"));
        }
        return (report, null);
    }

    private static string MediaType(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static FieldViolation Violation(string field, string reason, string description) => new() { Field = field, Reason = reason, Description = description };

    private async Task DeadLetterAsync(ConsumeResult<string, byte[]> record, IReadOnlyList<FieldViolation> violations, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        headers.Add(DeadLetterHeaders.Reasons, Encoding.UTF8.GetBytes(string.Join(',', violations.Select(v => v.Reason).Distinct())));
        headers.Add(DeadLetterHeaders.Fields, Encoding.UTF8.GetBytes(string.Join(',', violations.Select(v => v.Field).Distinct())));
        headers.Add(DeadLetterHeaders.Violations, JsonSerializer.SerializeToUtf8Bytes(
            violations.Select(v => new Dictionary<string, string> { ["field"] = v.Field, ["reason"] = v.Reason, ["description"] = v.Description })));
        headers.Add(DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(record.Topic));
        headers.Add(DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(record.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));

        await publisher.PublishRawAsync(Topics.PartnerIncidentsDeadLetter,
            new Message<string, byte[]> { Key = record.Message.Key, Value = record.Message.Value, Headers = headers }, cancellationToken);
        logger.LogInformation("Dead-lettered {Offset} from {Source}: {Reasons}", record.TopicPartitionOffset, record.Message.Key,
            string.Join("; ", violations.Select(v => $"{v.Field} {v.Reason}")));
    }
}

/// <summary>Reason codes of records that could not even be read as a report (the validator's codes are in <see cref="ViolationReasons"/>).</summary>
public static class PartnerReasons
{
    public const string EmptyPayload = "EMPTY_PAYLOAD";
    public const string TooLarge = "TOO_LARGE";
    public const string MissingSource = "MISSING_SOURCE";
    public const string UnsupportedContentType = "UNSUPPORTED_CONTENT_TYPE";
    public const string MalformedPayload = "MALFORMED_PAYLOAD";
    public const string SourceMismatch = "SOURCE_MISMATCH";
}

/// <summary>Headers a dead-letter record carries besides the original ones.</summary>
public static class DeadLetterHeaders
{
    public const string Reasons = "dlq-reasons";            // comma-separated reason codes
    public const string Fields = "dlq-fields";              // comma-separated field paths
    public const string Violations = "dlq-violations";      // JSON: [{"field","reason","description"}]
    public const string SourceTopic = "dlq-source-topic";
    public const string SourcePartition = "dlq-source-partition";
    public const string SourceOffset = "dlq-source-offset";
}
