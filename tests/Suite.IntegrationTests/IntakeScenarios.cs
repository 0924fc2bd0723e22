using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Intake.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Intake.Domain;
using Intake.Messaging;
using Messaging;
using TestData;

namespace Suite.IntegrationTests;

/// <summary>Intake's two doors (gRPC through the gateway, the partner topic) with the real service, broker and Redis.</summary>
public abstract class IntakeScenarios(SuiteFixture suite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string CaseHeader = "test-case";

    private IntakeService.IntakeServiceClient Intake => new(suite.As(SuiteFixture.Reporter));

    private static Report Valid(string source, string externalId)
    {
        var report = ReportCases.Valid(DateTimeOffset.UtcNow);
        report.Source = source;
        report.ExternalId = externalId;
        return report;
    }

    protected async Task A_resubmitted_report_is_a_duplicate_with_the_same_id_and_publishes_nothing()
    {
        var report = Valid("terminal", $"dup-{Guid.NewGuid()}");
        var before = suite.Kafka.RecordCount(Topics.Incidents, SuiteFixture.Partitions);

        var first = await Intake.SubmitReportAsync(new SubmitReportRequest { Report = report });
        var afterFirst = suite.Kafka.RecordCount(Topics.Incidents, SuiteFixture.Partitions);
        var again = await Intake.SubmitReportAsync(new SubmitReportRequest { Report = report });
        var afterAgain = suite.Kafka.RecordCount(Topics.Incidents, SuiteFixture.Partitions);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.IncidentId, again.IncidentId);
        Assert.Equal(IncidentFactory.IncidentId(report.Source, report.ExternalId), first.IncidentId);
        Assert.Equal(before + 1, afterFirst);
        Assert.Equal(afterFirst, afterAgain);
    }

    protected async Task Every_invalid_report_gets_INVALID_ARGUMENT_with_the_exact_field_and_reason()
    {
        // On the gRPC door the caller's token decides the source (an empty one becomes the caller's, any
        // other is refused with PERMISSION_DENIED: AuthorizationTests), so the source cases belong to the partner door.
        var cases = ReportCases.Invalid(DateTimeOffset.UtcNow).Where(c => c.Field != "report.source").ToList();
        Assert.True(cases.Count >= 25);
        foreach (var c in cases)
        {
            var report = c.Mutate(Valid("terminal", $"bad-{Guid.NewGuid()}"));
            var error = await Assert.ThrowsAsync<RpcException>(() => Intake.SubmitReportAsync(new SubmitReportRequest { Report = report }).ResponseAsync);

            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{c.Name}: {error.StatusCode} {error.Status.Detail}");
            var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
            Assert.True(c.Field == violation.Field, $"{c.Name}: field {violation.Field}, expected {c.Field}");
            Assert.True(violation.Description.StartsWith(c.Reason + ":", StringComparison.Ordinal), $"{c.Name}: {violation.Description}, expected {c.Reason}");
        }
    }

    protected async Task The_same_invalid_reports_from_a_partner_land_in_the_dead_letter_topic_with_the_same_reasons()
    {
        // On the partner door the record key is the source: the "source required" cases and the
        // null report (an empty record there) have their own reasons, tested below.
        var run = Guid.NewGuid().ToString("N");
        var cases = ReportCases.Invalid(DateTimeOffset.UtcNow)
            .Where(c => !(c.Field == "report.source" && c.Reason == ViolationReasons.Required) && c.Field != "report")
            .ToDictionary(c => $"{run}/{c.Name}");
        var sentBytes = new Dictionary<string, byte[]>();
        foreach (var (name, c) in cases)
        {
            var report = c.Mutate(Valid("school-safety-platform", $"bad-{Guid.NewGuid()}"))!;
            sentBytes[name] = report.ToByteArray();
            await suite.Kafka.ProduceAsync(Topics.PartnerIncidents, report.Source, sentBytes[name], CaseHeaders(name));
        }

        var dead = DeadLetters(run, cases.Count);

        Assert.Equal(cases.Count, dead.Count);
        foreach (var (name, c) in cases)
        {
            var record = dead[name];
            Assert.True(c.Reason == Header(record, DeadLetterHeaders.Reasons), $"{c.Name}: {Header(record, DeadLetterHeaders.Reasons)}, expected {c.Reason}");
            Assert.Equal(c.Field, Header(record, DeadLetterHeaders.Fields));
            var violations = JsonDocument.Parse(Header(record, DeadLetterHeaders.Violations)!).RootElement;
            Assert.Equal(c.Field, violations[0].GetProperty("field").GetString());
            Assert.Equal(Topics.PartnerIncidents, Header(record, DeadLetterHeaders.SourceTopic));
            // The original bytes and headers travel with it.
            Assert.Equal(sentBytes[name], record.Message.Value);
            Assert.Equal(KafkaHeaders.ProtobufContentType, Header(record, KafkaHeaders.ContentType));
        }
    }

    protected async Task Unreadable_partner_records_are_dead_lettered_with_the_reason()
    {
        var run = Guid.NewGuid().ToString("N");
        var valid = Valid("bank-7", $"ok-{Guid.NewGuid()}").ToByteArray();
        var sent = new Dictionary<string, (string? Key, byte[]? Value, string ContentType, string Reason)>
        {
            [$"{run}/garbage"] = ("bank-7", [0xFF, 0xFF, 0xFF, 0x01, 0x02], KafkaHeaders.ProtobufContentType, PartnerReasons.MalformedPayload),
            [$"{run}/bad json"] = ("bank-7", Encoding.UTF8.GetBytes("{\"category\": 12, \"nonsense\": true"), KafkaHeaders.JsonContentType, PartnerReasons.MalformedPayload),
            [$"{run}/empty"] = ("bank-7", [], KafkaHeaders.ProtobufContentType, PartnerReasons.EmptyPayload),
            [$"{run}/xml"] = ("bank-7", valid, "application/xml", PartnerReasons.UnsupportedContentType),
            [$"{run}/no key"] = (null, valid, KafkaHeaders.ProtobufContentType, PartnerReasons.MissingSource),
            [$"{run}/other source"] = ("courier-3", valid, KafkaHeaders.ProtobufContentType, PartnerReasons.SourceMismatch),
            [$"{run}/too large"] = ("bank-7", new byte[70_000], KafkaHeaders.ProtobufContentType, PartnerReasons.TooLarge),
        };
        foreach (var (name, (key, value, contentType, _)) in sent)
        {
            var headers = CaseHeaders(name);
            headers.Remove(KafkaHeaders.ContentType);
            headers.Add(KafkaHeaders.ContentType, Encoding.UTF8.GetBytes(contentType));
            await suite.Kafka.ProduceAsync(Topics.PartnerIncidents, key, value, headers);
        }

        var dead = DeadLetters(run, sent.Count);

        foreach (var (name, expected) in sent)
        {
            Assert.True(dead.ContainsKey(name), $"{name} was not dead-lettered");
            Assert.Equal(expected.Reason, Header(dead[name], DeadLetterHeaders.Reasons));
            Assert.Equal(expected.Value ?? [], dead[name].Message.Value ?? []);
        }
    }

    protected async Task Partner_reports_in_protobuf_and_JSON_become_incidents_with_deterministic_ids()
    {
        var binary = Valid("smart-compound-12", $"gate-{Guid.NewGuid()}");
        var json = Valid("", $"camera-{Guid.NewGuid()}"); // no source in the payload: the key names the partner
        await suite.Kafka.ProduceAsync(Topics.PartnerIncidents, "smart-compound-12", binary.ToByteArray(), CaseHeaders("binary"));
        var jsonHeaders = new Headers { { KafkaHeaders.ContentType, Encoding.UTF8.GetBytes(KafkaHeaders.JsonContentType + "; charset=utf-8") } };
        await suite.Kafka.ProduceAsync(Topics.PartnerIncidents, "ai-camera-net", Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(json)), jsonHeaders);

        var expected = new[]
        {
            IncidentFactory.IncidentId("smart-compound-12", binary.ExternalId),
            IncidentFactory.IncidentId("ai-camera-net", json.ExternalId),
        };
        var records = suite.Kafka.ReadFromStart(Topics.Incidents, read => expected.All(id => read.Any(r => r.Message.Key == id)), Patience);

        foreach (var id in expected)
        {
            var record = Assert.Single(records, r => r.Message.Key == id);
            var incident = Contracts.Events.V1.IncidentReported.Parser.ParseFrom(record.Message.Value).Incident;
            Assert.Equal(id, incident.IncidentId);
            Assert.Equal(Contracts.Events.V1.IncidentReported.Descriptor.FullName, Header(record, KafkaHeaders.Schema));
        }
        Assert.Equal("ai-camera-net", Contracts.Events.V1.IncidentReported.Parser.ParseFrom(records.Single(r => r.Message.Key == expected[1]).Message.Value).Incident.Report.Source);
    }

    protected async Task Bulk_answers_every_item_and_one_bad_item_never_fails_the_batch()
    {
        using var call = Intake.SubmitReports();
        var known = Valid("terminal", $"bulk-known-{Guid.NewGuid()}");
        await Intake.SubmitReportAsync(new SubmitReportRequest { Report = known });
        var items = new List<Report>();
        for (var i = 0; i < 500; i++)
        {
            var report = Valid("terminal", $"bulk-{Guid.NewGuid()}");
            // 500 different thefts across the city (a 2 km grid, each suspect with its own plate), as a bulk upload is:
            // the shared Analysis would otherwise link them all into one event (docs/ANALYSIS.md, known limits).
            report.Location.Latitude += i / 25 * 0.018;
            report.Location.Longitude += i % 25 * 0.021;
            report.Parties[0].Identifiers[0].Value = $"HU-B{i:D5}";
            if (i % 50 == 7)
            {
                report.Location.Longitude = 200;
            }
            items.Add(i == 250 ? known : report);
        }
        foreach (var report in items)
        {
            await call.RequestStream.WriteAsync(new SubmitReportRequest { Report = report });
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(items.Count, response.Results.Count);
        Assert.Equal(Enumerable.Range(0, items.Count), response.Results.Select(r => r.Index));
        Assert.Equal(10, response.Invalid);
        Assert.Equal(1, response.Duplicates);
        Assert.Equal(489, response.Accepted);
        Assert.All(response.Results.Where(r => r.Index % 50 == 7), r =>
        {
            Assert.Equal(ItemOutcome.Invalid, r.Outcome);
            Assert.Equal("report.location.longitude", Assert.Single(r.Violations).Field);
        });
        Assert.Equal(ItemOutcome.Duplicate, response.Results[250].Outcome);
        Assert.Equal(IncidentFactory.IncidentId(known.Source, known.ExternalId), response.Results[250].IncidentId);
    }

    protected async Task Fuzzed_partner_records_each_end_up_exactly_once_in_incidents_or_dead_letters()
    {
        const int randomCount = 10_000, mutatedCount = 1_000;
        var random = new Random(20261123);
        var inputs = new Dictionary<string, byte[]>(); // trace id → payload
        var produced = new List<Task>();
        for (var i = 0; i < randomCount + mutatedCount; i++)
        {
            byte[] payload;
            if (i < randomCount)
            {
                payload = new byte[random.Next(0, 600)];
                random.NextBytes(payload);
            }
            else
            {
                payload = Valid("fuzz-partner", $"fuzz-{Guid.NewGuid()}").ToByteArray();
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                {
                    payload[random.Next(payload.Length)] = (byte)random.Next(256);
                }
            }
            // The W3C trace context is how an input is recognised downstream: Intake continues it on what it publishes.
            var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();
            inputs[traceId] = payload;
            var headers = new Headers
            {
                { KafkaHeaders.ContentType, Encoding.UTF8.GetBytes(KafkaHeaders.ProtobufContentType) },
                { KafkaHeaders.TraceParent, Encoding.UTF8.GetBytes($"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01") },
            };
            produced.Add(suite.Kafka.ProduceAsync(Topics.PartnerIncidents, "fuzz-partner", payload, headers));
        }
        await Task.WhenAll(produced);
        var mutatedIds = inputs.Keys.Skip(randomCount).ToHashSet();

        string? TraceId(ConsumeResult<string, byte[]> r) => Header(r, KafkaHeaders.TraceParent) is { Length: 55 } tp ? tp[3..35] : null;
        int Seen(IEnumerable<ConsumeResult<string, byte[]>> records) => records.Count(r => TraceId(r) is { } id && inputs.ContainsKey(id));

        var outputs = suite.Kafka.ReadFromStart([Topics.Incidents, Topics.PartnerIncidentsDeadLetter], read => Seen(read) >= inputs.Count, TimeSpan.FromSeconds(120));
        var accepted = outputs.Where(r => r.Topic == Topics.Incidents).ToList();
        var dead = outputs.Where(r => r.Topic == Topics.PartnerIncidentsDeadLetter).ToList();

        var outcomes = accepted.Concat(dead).Select(TraceId).Where(id => id is not null && inputs.ContainsKey(id)).GroupBy(id => id!).ToDictionary(g => g.Key, g => g.Count());
        var missing = inputs.Keys.Where(id => !outcomes.ContainsKey(id)).ToList();
        var repeated = outcomes.Where(o => o.Value > 1).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} inputs ended up nowhere ({missing.Count(mutatedIds.Contains)} of them mutated reports); read {accepted.Count} incidents, {dead.Count} dead letters");
        Assert.True(repeated.Count == 0, $"{repeated.Count} inputs ended up more than once");
        Assert.Equal(inputs.Count, Seen(accepted) + Seen(dead));
        Assert.True(Seen(accepted) > 0, "some mutated reports stay valid and must be accepted");
        Assert.True(Seen(dead) >= randomCount, "random bytes are never a valid report");

        // Still up and serving.
        var after = await Intake.SubmitReportAsync(new SubmitReportRequest { Report = Valid("terminal", $"after-fuzz-{Guid.NewGuid()}") });
        Assert.False(after.Duplicate);
    }

    private Dictionary<string, ConsumeResult<string, byte[]>> DeadLetters(string run, int expected)
    {
        var records = suite.Kafka.ReadFromStart(Topics.PartnerIncidentsDeadLetter,
            read => read.Count(r => Header(r, CaseHeader)?.StartsWith(run, StringComparison.Ordinal) == true) >= expected, Patience);
        return records.Where(r => Header(r, CaseHeader)?.StartsWith(run, StringComparison.Ordinal) == true)
            .ToDictionary(r => Header(r, CaseHeader)!);
    }

    private static Headers CaseHeaders(string name) => new()
    {
        { KafkaHeaders.ContentType, Encoding.UTF8.GetBytes(KafkaHeaders.ProtobufContentType) },
        { CaseHeader, Encoding.UTF8.GetBytes(name) },
    };

    private static string? Header(ConsumeResult<string, byte[]> record, string name) => KafkaHeaders.Get(record.Message.Headers, name);
}

[Collection(EmbeddedKafkaCollection.Name)]
public sealed class IntakeOnEmbeddedKafka(EmbeddedKafkaSuite suite) : IntakeScenarios(suite)
{
    [Fact] public Task Duplicate() => A_resubmitted_report_is_a_duplicate_with_the_same_id_and_publishes_nothing();
    [Fact] public Task Invalid_table_over_gRPC() => Every_invalid_report_gets_INVALID_ARGUMENT_with_the_exact_field_and_reason();
    [Fact] public Task Invalid_table_over_the_partner_topic() => The_same_invalid_reports_from_a_partner_land_in_the_dead_letter_topic_with_the_same_reasons();
    [Fact] public Task Unreadable_partner_records() => Unreadable_partner_records_are_dead_lettered_with_the_reason();
    [Fact] public Task Partner_protobuf_and_JSON() => Partner_reports_in_protobuf_and_JSON_become_incidents_with_deterministic_ids();
    [Fact] public Task Bulk() => Bulk_answers_every_item_and_one_bad_item_never_fails_the_batch();
    [Fact] public Task Fuzz() => Fuzzed_partner_records_each_end_up_exactly_once_in_incidents_or_dead_letters();
}

[Collection(ContainerKafkaCollection.Name)]
public sealed class IntakeOnContainerKafka(ContainerKafkaSuite suite) : IntakeScenarios(suite)
{
    [DockerFact] public Task Duplicate() => A_resubmitted_report_is_a_duplicate_with_the_same_id_and_publishes_nothing();
    [DockerFact] public Task Invalid_table_over_gRPC() => Every_invalid_report_gets_INVALID_ARGUMENT_with_the_exact_field_and_reason();
    [DockerFact] public Task Invalid_table_over_the_partner_topic() => The_same_invalid_reports_from_a_partner_land_in_the_dead_letter_topic_with_the_same_reasons();
    [DockerFact] public Task Unreadable_partner_records() => Unreadable_partner_records_are_dead_lettered_with_the_reason();
    [DockerFact] public Task Partner_protobuf_and_JSON() => Partner_reports_in_protobuf_and_JSON_become_incidents_with_deterministic_ids();
    [DockerFact] public Task Bulk() => Bulk_answers_every_item_and_one_bad_item_never_fails_the_batch();
    [DockerFact] public Task Fuzz() => Fuzzed_partner_records_each_end_up_exactly_once_in_incidents_or_dead_letters();
}
