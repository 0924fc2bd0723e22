using Contracts.Intake.V1;
using Grpc.Core;
using TestData;

namespace Suite.IntegrationTests;

/// <summary>Kafka unavailable: a report is refused with UNAVAILABLE before the caller's deadline, never reported as accepted.</summary>
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

        suite.Broker.SetDown();
        RpcException refused;
        try
        {
            refused = await Assert.ThrowsAsync<RpcException>(() =>
                intake.SubmitReportAsync(new SubmitReportRequest { Report = report }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
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
    }
}
