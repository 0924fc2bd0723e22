using Contracts.Analysis.V1;
using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Grpc.Core;
using TestData;

namespace Suite.IntegrationTests;

/// <summary>
/// Kafka unavailable: a report is refused with UNAVAILABLE before the caller's deadline, never reported as accepted;
/// and no service stops consuming because of the outage.
/// </summary>
[Collection(EmbeddedKafkaCollection.Name)]
public sealed class IntakeOutageTests(EmbeddedKafkaSuite suite)
{
    [Fact]
    public async Task While_Kafka_is_down_a_report_gets_UNAVAILABLE_within_the_deadline_and_is_accepted_when_resent_after()
    {
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter));
        var report = ReportCases.Valid(DateTimeOffset.UtcNow);
        report.ExternalId = $"outage-{Guid.NewGuid()}";

        // A terminal's channel is normally connected already; connecting is not what this measures.
        await intake.SubmitReportAsync(new SubmitReportRequest { Report = new Contracts.Common.V1.Report() }).ResponseAsync.ContinueWith(_ => { });

        // Work in flight when the broker goes: Analysis and Dispatch are still handling these (and publishing what they
        // decide) as their partitions are taken away by the rebalance that follows the outage.
        using (var bulk = intake.SubmitReports())
        {
            for (var i = 0; i < 300; i++)
            {
                var inFlight = ReportCases.Valid(DateTimeOffset.UtcNow);
                inFlight.ExternalId = $"outage-load-{Guid.NewGuid()}";
                inFlight.Location.Latitude += i / 20 * 0.018; // a 2 km grid: 300 separate thefts, not one event
                inFlight.Location.Longitude += i % 20 * 0.021;
                inFlight.Parties[0].Identifiers[0].Value = $"HU-C{i:D5}"; // each with its own suspect vehicle
                await bulk.RequestStream.WriteAsync(new SubmitReportRequest { Report = inFlight });
            }
            await bulk.RequestStream.CompleteAsync();
            Assert.Equal(300, (await bulk).Accepted);
        }

        suite.Broker.SetDown();
        var down = System.Diagnostics.Stopwatch.StartNew();
        RpcException refused;
        try
        {
            refused = await Assert.ThrowsAsync<RpcException>(() =>
                intake.SubmitReportAsync(new SubmitReportRequest { Report = report }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
            // Longer than a consumer session (10 s): every consumer group loses its members and rebalances on return,
            // taking partitions away from consumers with records in flight.
            await Task.Delay(OutageLength - down.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        }
        finally
        {
            suite.Broker.SetUp();
        }

        // UNAVAILABLE (not DEADLINE_EXCEEDED): Intake answered inside the caller's deadline.
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("not accepted", refused.Status.Detail);

        // Resending is safe and succeeds once the broker is back, under the same id.
        SubmitReportResponse accepted = null!;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            try
            {
                accepted = await intake.SubmitReportAsync(new SubmitReportRequest { Report = report }, deadline: DateTime.UtcNow.AddSeconds(5));
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                await Task.Delay(500); // the producer reconnects
            }
        }
        Assert.NotNull(accepted);
        Assert.Equal(Intake.Domain.IncidentFactory.IncidentId(report.Source, report.ExternalId), accepted.IncidentId);

        // Every service came through the outage still consuming: Analysis and Dispatch both take up the report.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var analysis = new AnalysisService.AnalysisServiceClient(suite.AsCentre());
        var dispatch = new DispatchService.DispatchServiceClient(suite.AsCentre());
        await Eventually(() => analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = accepted.IncidentId }, cancellationToken: patience.Token).ResponseAsync, patience.Token);
        await Eventually(() => dispatch.GetIncidentAsync(new GetIncidentRequest { IncidentId = accepted.IncidentId }, cancellationToken: patience.Token).ResponseAsync, patience.Token);
    }

    private static readonly TimeSpan OutageLength = TimeSpan.FromSeconds(14);

    private static async Task Eventually<T>(Func<Task<T>> read, CancellationToken patience)
    {
        while (true)
        {
            try
            {
                await read();
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
            {
                await Task.Delay(200, patience); // not consumed yet
            }
        }
    }
}
