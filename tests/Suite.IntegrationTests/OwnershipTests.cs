using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Intake.Domain;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults.Security;
using TestData;

namespace Suite.IntegrationTests;

/// <summary>
/// What a valid token of the right role still may not do: act as another unit, touch another unit's
/// assignment, report under another partner's source. And tokens that are not the suite's.
/// </summary>
[Collection(EmbeddedKafkaCollection.Name)]
public sealed class OwnershipTests(EmbeddedKafkaSuite suite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Chengdu: no other test places units or incidents within the dispatch radius.
    private static readonly GeoPoint UnitA = new() { Latitude = 30.6570, Longitude = 104.0660 };
    private static readonly GeoPoint IncidentNearA = new() { Latitude = 30.6580, Longitude = 104.0660 };

    [Fact]
    public async Task A_terminal_cannot_open_a_session_as_another_unit_through_the_gateway_or_directly()
    {
        using var direct = GrpcChannel.ForAddress(suite.ServiceAddresses["dispatch"]);
        var token = suite.Tokens.Issue(SuiteIdentity.Terminal("own-unit-7"), TimeSpan.FromHours(1));
        foreach (var channel in new ChannelBase[] { suite.Gateway, direct })
        {
            var dispatch = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, token));
            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                Terminal.ConnectAsync(dispatch, "someone-elses-unit", UnitKind.PatrolCar, UnitA, CancellationToken.None));

            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Contains("own-unit-7", refused.Status.Detail);
        }
    }

    [Fact]
    public async Task Only_the_assigned_units_terminal_changes_its_assignment()
    {
        using var cts = new CancellationTokenSource(Patience);
        var unitA = $"owner-a-{Guid.NewGuid():N}"[..20];
        using var terminalA = await Terminal.ConnectAsync(suite, unitA, UnitKind.PatrolCar, UnitA, cts.Token);
        var report = ReportCases.Valid(DateTimeOffset.UtcNow);
        report.ExternalId = $"ownership-{Guid.NewGuid():N}";
        report.Location = IncidentNearA;
        report.Category = IncidentCategory.Robbery;
        await new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter)).SubmitReportAsync(new SubmitReportRequest { Report = report }, cancellationToken: cts.Token);
        var assignment = (await terminalA.NextAssignmentAsync(cts.Token)).Assignment;
        Assert.Equal(unitA, assignment.UnitId);

        var asB = new DispatchService.DispatchServiceClient(suite.As(SuiteIdentity.Terminal("owner-b")));
        var refused = await Assert.ThrowsAsync<RpcException>(() => asB.UpdateAssignmentAsync(
            new UpdateAssignmentRequest { AssignmentId = assignment.AssignmentId, Status = AssignmentStatus.Acknowledged }, cancellationToken: cts.Token).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        var asA = new DispatchService.DispatchServiceClient(suite.As(SuiteIdentity.Terminal(unitA)));
        var updated = await asA.UpdateAssignmentAsync(new UpdateAssignmentRequest { AssignmentId = assignment.AssignmentId, Status = AssignmentStatus.Acknowledged }, cancellationToken: cts.Token);
        Assert.Equal(AssignmentStatus.Acknowledged, updated.Status);
    }

    [Fact]
    public async Task A_partner_reports_only_under_its_own_source_and_an_empty_source_becomes_its_own()
    {
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteIdentity.Partner("bank-7")));

        var foreign = Report("courier-3");
        var refused = await Assert.ThrowsAsync<RpcException>(() => intake.SubmitReportAsync(new SubmitReportRequest { Report = foreign }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("courier-3", refused.Status.Detail);

        var own = await intake.SubmitReportAsync(new SubmitReportRequest { Report = Report("bank-7") });
        var unnamed = Report("");
        var filled = await intake.SubmitReportAsync(new SubmitReportRequest { Report = unnamed });
        Assert.False(own.Duplicate);
        Assert.Equal(IncidentFactory.IncidentId("bank-7", unnamed.ExternalId), filled.IncidentId);

        // A terminal cannot shadow the partner's reports either: its reports carry "terminal".
        var asTerminal = new IntakeService.IntakeServiceClient(suite.As(SuiteFixture.Reporter));
        var shadow = await Assert.ThrowsAsync<RpcException>(() => asTerminal.SubmitReportAsync(new SubmitReportRequest { Report = Report("bank-7") }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, shadow.StatusCode);
    }

    [Fact]
    public async Task A_bulk_call_stops_at_the_first_report_under_a_foreign_source()
    {
        var intake = new IntakeService.IntakeServiceClient(suite.As(SuiteIdentity.Partner("bank-8")));
        using var call = intake.SubmitReports();
        await call.RequestStream.WriteAsync(new SubmitReportRequest { Report = Report("bank-8") });
        await call.RequestStream.WriteAsync(new SubmitReportRequest { Report = Report("bank-8") });
        await call.RequestStream.WriteAsync(new SubmitReportRequest { Report = Report("bank-9") });
        await call.RequestStream.CompleteAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.StartsWith("item 2:", refused.Status.Detail);
    }

    [Fact]
    public async Task Tokens_the_suite_did_not_issue_are_refused_through_the_gateway_and_directly()
    {
        var handler = new JsonWebTokenHandler();
        var valid = suite.Tokens.Issue(SuiteIdentity.Operator("alice"), TimeSpan.FromHours(1));
        using var otherKey = DevSigningKey.Create("suite-tests");
        var bad = new Dictionary<string, string>
        {
            ["unsigned (alg none)"] = handler.CreateToken(Payload("operator")),
            ["role changed after signing"] = Tamper(valid, "\"role\":\"operator\"", "\"role\":\"admin\""),
            ["other issuer"] = new TokenIssuer(suite.SigningCredentials, issuer: "someone-else").Issue(SuiteIdentity.Operator("alice"), TimeSpan.FromHours(1)),
            ["other audience"] = new TokenIssuer(suite.SigningCredentials, audience: "another-app").Issue(SuiteIdentity.Operator("alice"), TimeSpan.FromHours(1)),
            ["another key under the same key id"] = new TokenIssuer(otherKey.Credentials).Issue(SuiteIdentity.Operator("alice"), TimeSpan.FromHours(1)),
            ["HS256 with the public key as secret"] = handler.CreateToken(Payload("operator",
                new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(suite.AuthSettings["Auth:SigningKeys:0:PublicKey"]!)), SecurityAlgorithms.HmacSha256))),
            ["not a token"] = "not-a-jwt",
        };

        using var direct = GrpcChannel.ForAddress(suite.ServiceAddresses["dispatch"]);
        foreach (var (name, token) in bad)
        {
            foreach (var channel in new ChannelBase[] { suite.Gateway, direct })
            {
                var dispatch = new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(channel, token));
                var refused = await Assert.ThrowsAsync<RpcException>(() => dispatch.ListUnitsAsync(new ListUnitsRequest()).ResponseAsync);
                Assert.True(refused.StatusCode == StatusCode.Unauthenticated, $"{name}: {refused.StatusCode} {refused.Status.Detail}");
            }
        }
        // The same call with the real token goes through.
        await new DispatchService.DispatchServiceClient(SuiteFixture.WithToken(suite.Gateway, valid)).ListUnitsAsync(new ListUnitsRequest());
    }

    private static SecurityTokenDescriptor Payload(string role, SigningCredentials? credentials = null) => new()
    {
        SigningCredentials = credentials,
        Issuer = "incident-suite",
        Audience = "incident-suite",
        Expires = DateTime.UtcNow.AddHours(1),
        Claims = new Dictionary<string, object> { ["sub"] = "alice", ["role"] = role },
    };

    /// <summary>The token with its payload edited and the original signature kept.</summary>
    private static string Tamper(string token, string from, string to)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        Assert.Contains(from, payload);
        parts[1] = Base64UrlEncoder.Encode(payload.Replace(from, to, StringComparison.Ordinal));
        return string.Join('.', parts);
    }

    private static Report Report(string source)
    {
        var report = ReportCases.Valid(DateTimeOffset.UtcNow);
        report.Source = source;
        report.ExternalId = $"own-{Guid.NewGuid():N}";
        return report;
    }
}
