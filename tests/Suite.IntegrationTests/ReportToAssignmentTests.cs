using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Suite.IntegrationTests;

/// <summary>The first real path through the suite: report in at the gateway, assignment out at a terminal.</summary>
public abstract class ReportToAssignmentScenarios(SuiteFixture suite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Report Robbery(GeoPoint at, string externalId) => new()
    {
        Source = "terminal",
        ExternalId = externalId,
        OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-2)),
        Category = IncidentCategory.Robbery,
        Location = at,
        Address = "West Lake Plaza, north gate",
        Description = "Man with a knife took a phone from a woman, ran towards the metro",
    };

    protected async Task A_report_through_the_gateway_reaches_the_nearest_connected_terminal_and_the_operator_feed()
    {
        using var cts = new CancellationTokenSource(Patience);
        var dispatch = new DispatchService.DispatchServiceClient(suite.As(SuiteFixture.Operator));
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter));
        var incidentSite = new GeoPoint { Latitude = 30.2590, Longitude = 120.1480 };

        using var feed = dispatch.WatchFeed(new WatchFeedRequest(), cancellationToken: cts.Token);
        using var near = await Terminal.ConnectAsync(suite, "e2e-near", UnitKind.MinimalEmergency, new GeoPoint { Latitude = 30.2600, Longitude = 120.1480 }, cts.Token);
        using var farTerminal = await Terminal.ConnectAsync(suite, "e2e-far", UnitKind.FootPatrol, new GeoPoint { Latitude = 30.2800, Longitude = 120.1480 }, cts.Token);

        var accepted = await intake.SubmitReportAsync(new SubmitReportRequest { Report = Robbery(incidentSite, $"e2e-{Guid.NewGuid()}") }, cancellationToken: cts.Token);
        Assert.False(string.IsNullOrEmpty(accepted.IncidentId));
        Assert.Equal(Priority.P1, accepted.Priority);

        var push = await near.NextAssignmentAsync(cts.Token);
        Assert.Equal(accepted.IncidentId, push.Assignment.IncidentId);
        Assert.Equal("e2e-near", push.Assignment.UnitId);
        Assert.Equal(AssignmentStatus.Pending, push.Assignment.Status);
        Assert.False(push.Redelivery);
        Assert.InRange(push.Assignment.DistanceM, 100, 130);

        await near.AcknowledgeAsync(push.Assignment.AssignmentId, cts.Token);

        // The operator sees the incident, the assignment and its acknowledgement, in that order.
        var seen = new List<string>();
        await foreach (var feedEvent in feed.ResponseStream.ReadAllAsync(cts.Token))
        {
            Assert.False(string.IsNullOrEmpty(feedEvent.ResumeToken));
            if (feedEvent.EventCase == FeedEvent.EventOneofCase.IncidentReported && feedEvent.IncidentReported.IncidentId == accepted.IncidentId)
            {
                seen.Add("reported");
            }
            else if (feedEvent.EventCase == FeedEvent.EventOneofCase.Assignment && feedEvent.Assignment.IncidentId == accepted.IncidentId && feedEvent.Assignment.UnitId == "e2e-near")
            {
                seen.Add(feedEvent.Assignment.Status.ToString());
                if (feedEvent.Assignment.Status == AssignmentStatus.Acknowledged)
                {
                    break;
                }
            }
        }
        Assert.Equal(["reported", nameof(AssignmentStatus.Pending), nameof(AssignmentStatus.Acknowledged)], seen);

        // A robbery in progress gets the 1-3-5 plan at once: the emergency unit in tier 1, the foot patrol in tier 2
        // (too far to make 3 minutes, and alone), nobody armed for tier 3: shortfalls say so.
        var record = await dispatch.GetIncidentAsync(new GetIncidentRequest { IncidentId = accepted.IncidentId }, cancellationToken: cts.Token);
        Assert.Equal("p1-violent", record.PlanId);
        Assert.Equal(
            [TimelineEntryKind.Reported, TimelineEntryKind.Decision, TimelineEntryKind.Decision, TimelineEntryKind.Assigned,
             TimelineEntryKind.Decision, TimelineEntryKind.Assigned, TimelineEntryKind.Shortfall, TimelineEntryKind.Decision, TimelineEntryKind.Shortfall,
             TimelineEntryKind.Acknowledged],
            record.Timeline.Select(t => t.Kind));
        Assert.Contains("e2e-near", record.Timeline[2].Summary); // the tier 1 decision names the candidates it weighed
        Assert.Contains("only 1 of 2", record.Timeline[6].Summary);
        Assert.Contains("only 0 of 2 SpecialPolice (Armed)", record.Timeline[8].Summary);
        Assert.Equal([(1, "e2e-near", AssignmentStatus.Acknowledged), (2, "e2e-far", AssignmentStatus.Pending)],
            record.Assignments.OrderBy(a => a.Tier).Select(a => (a.Tier, a.UnitId, a.Status)));
        Assert.Equal([60, 180, 300], record.Tiers.OrderBy(t => t.Tier).Select(t => t.TargetSeconds));
        var units = await dispatch.ListUnitsAsync(new ListUnitsRequest(), cancellationToken: cts.Token);
        Assert.Equal(UnitStatus.Assigned, units.Units.Single(u => u.UnitId == "e2e-near").Status);
        Assert.Equal(UnitStatus.Assigned, units.Units.Single(u => u.UnitId == "e2e-far").Status);
    }

    protected async Task An_invalid_report_gets_INVALID_ARGUMENT_naming_the_field()
    {
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter));
        var report = Robbery(new GeoPoint { Latitude = 123.4, Longitude = 120.1 }, $"bad-{Guid.NewGuid()}");

        var error = await Assert.ThrowsAsync<RpcException>(() => intake.SubmitReportAsync(new SubmitReportRequest { Report = report }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("report.location.latitude", error.Status.Detail);
        var badRequest = error.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        var violation = Assert.Single(badRequest.FieldViolations);
        Assert.Equal("report.location.latitude", violation.Field);
        Assert.StartsWith("OUT_OF_RANGE", violation.Description);
    }

    protected async Task Analysis_analyses_every_incident_and_answers_its_links()
    {
        using var cts = new CancellationTokenSource(Patience);
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter));
        var analysis = new AnalysisService.AnalysisServiceClient(suite.As(SuiteFixture.Operator));
        var accepted = await intake.SubmitReportAsync(new SubmitReportRequest
        {
            Report = Robbery(new GeoPoint { Latitude = 31.2304, Longitude = 121.4737 }, $"analysis-{Guid.NewGuid()}"),
        }, cancellationToken: cts.Token);

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = Guid.NewGuid().ToString() }, cancellationToken: cts.Token).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        while (true)
        {
            try
            {
                var links = await analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = accepted.IncidentId }, cancellationToken: cts.Token);
                Assert.Equal(accepted.IncidentId, links.IncidentId); // a lone robbery: no links
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                await Task.Delay(100, cts.Token); // not consumed yet
            }
        }
    }
}

[Collection(EmbeddedKafkaCollection.Name)]
public sealed class ReportToAssignmentOnEmbeddedKafka(EmbeddedKafkaSuite suite) : ReportToAssignmentScenarios(suite)
{
    [Fact]
    public Task Report_reaches_the_nearest_terminal_and_the_feed() => A_report_through_the_gateway_reaches_the_nearest_connected_terminal_and_the_operator_feed();

    [Fact]
    public Task Invalid_report_names_the_field() => An_invalid_report_gets_INVALID_ARGUMENT_naming_the_field();

    [Fact]
    public Task Analysis_indexes_incidents() => Analysis_analyses_every_incident_and_answers_its_links();
}

[Collection(ContainerKafkaCollection.Name)]
public sealed class ReportToAssignmentOnContainerKafka(ContainerKafkaSuite suite) : ReportToAssignmentScenarios(suite)
{
    [DockerFact]
    public Task Report_reaches_the_nearest_terminal_and_the_feed() => A_report_through_the_gateway_reaches_the_nearest_connected_terminal_and_the_operator_feed();

    [DockerFact]
    public Task Invalid_report_names_the_field() => An_invalid_report_gets_INVALID_ARGUMENT_naming_the_field();

    [DockerFact]
    public Task Analysis_indexes_incidents() => Analysis_analyses_every_incident_and_answers_its_links();
}
