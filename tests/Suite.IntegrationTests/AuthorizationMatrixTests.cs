using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Intake.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Intake.Domain;
using ServiceDefaults.Security;
using TestData;
using Xunit.Abstractions;

namespace Suite.IntegrationTests;

/// <summary>
/// Every RPC of the contracts × every kind of caller, through the real gateway (HTTP/2 on loopback) and
/// directly at the service that owns it, asserting the exact status. The expected matrix below is written
/// out independently of <see cref="RpcPolicies"/>: it is the specification the policy table must meet.
/// </summary>
[Collection(EmbeddedKafkaCollection.Name)]
public sealed class AuthorizationMatrixTests(EmbeddedKafkaSuite suite, ITestOutputHelper output)
{
    /// <summary>Who may call what. Everyone else: PERMISSION_DENIED; without a valid token: UNAUTHENTICATED.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["/intake.v1.IntakeService/SubmitReport"] = [SuiteRoles.Terminal, SuiteRoles.Partner, SuiteRoles.Operator],
        ["/intake.v1.IntakeService/SubmitReports"] = [SuiteRoles.Terminal, SuiteRoles.Partner, SuiteRoles.Operator],
        ["/dispatch.v1.DispatchService/Connect"] = [SuiteRoles.Terminal],
        ["/dispatch.v1.DispatchService/UpdateAssignment"] = [SuiteRoles.Terminal],
        ["/dispatch.v1.DispatchService/WatchFeed"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/GetIncident"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/ListUnits"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/RecommendUnits"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/GetResponseStats"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/RequestSupport"] = [SuiteRoles.Terminal, SuiteRoles.Operator],
        ["/dispatch.v1.DispatchService/CloseIncident"] = [SuiteRoles.Operator],
        ["/dispatch.v1.DispatchService/UpsertResponsePlan"] = [SuiteRoles.Admin],
        ["/dispatch.v1.DispatchService/ListResponsePlans"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/GetIncidentLinks"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/WatchAlerts"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/GetSeries"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/GetFraudChain"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/GetHotspots"] = [SuiteRoles.Operator, SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/UpsertWatchlistEntry"] = [SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/RemoveWatchlistEntry"] = [SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/SetIdentifierPublic"] = [SuiteRoles.Admin],
        ["/analysis.v1.AnalysisService/ListWatchlist"] = [SuiteRoles.Admin],
    };

    /// <summary>The request each RPC gets (built for the caller) and the exact status an allowed caller receives.</summary>
    private sealed record Probe(Func<SuiteIdentity?, IMessage[]> Requests, StatusCode WhenAllowed);

    private static readonly Dictionary<string, Probe> Probes = new()
    {
        // An empty source becomes the caller's own, so every role that may report succeeds.
        ["/intake.v1.IntakeService/SubmitReport"] = new(_ => [new SubmitReportRequest { Report = MatrixReport() }], StatusCode.OK),
        ["/intake.v1.IntakeService/SubmitReports"] = new(_ => [new SubmitReportRequest { Report = MatrixReport() }], StatusCode.OK),
        ["/dispatch.v1.DispatchService/Connect"] = new(caller => [Hello(caller?.UnitId ?? "matrix-unit")], StatusCode.OK),
        ["/dispatch.v1.DispatchService/UpdateAssignment"] = new(_ => [new UpdateAssignmentRequest { AssignmentId = Guid.NewGuid().ToString(), Status = AssignmentStatus.EnRoute }], StatusCode.NotFound),
        ["/dispatch.v1.DispatchService/WatchFeed"] = new(_ => [new WatchFeedRequest()], StatusCode.OK),
        ["/dispatch.v1.DispatchService/GetIncident"] = new(_ => [new GetIncidentRequest { IncidentId = Guid.NewGuid().ToString() }], StatusCode.NotFound),
        ["/dispatch.v1.DispatchService/ListUnits"] = new(_ => [new ListUnitsRequest()], StatusCode.OK),
        ["/dispatch.v1.DispatchService/RecommendUnits"] = new(_ => [new RecommendUnitsRequest { Location = MatrixPlace, Category = IncidentCategory.Medical, Priority = Priority.P1 }], StatusCode.OK),
        ["/dispatch.v1.DispatchService/GetResponseStats"] = new(_ => [new GetResponseStatsRequest()], StatusCode.OK),
        ["/dispatch.v1.DispatchService/RequestSupport"] = new(_ => [new RequestSupportRequest { RequestId = Guid.NewGuid().ToString(), IncidentId = Guid.NewGuid().ToString(), Reason = "matrix" }], StatusCode.NotFound),
        ["/dispatch.v1.DispatchService/CloseIncident"] = new(_ => [new CloseIncidentRequest { IncidentId = Guid.NewGuid().ToString(), Reason = "matrix" }], StatusCode.NotFound),
        ["/dispatch.v1.DispatchService/UpsertResponsePlan"] = new(_ => [new UpsertResponsePlanRequest()], StatusCode.InvalidArgument),
        ["/dispatch.v1.DispatchService/ListResponsePlans"] = new(_ => [new ListResponsePlansRequest()], StatusCode.OK),
        ["/analysis.v1.AnalysisService/GetIncidentLinks"] = new(_ => [new Contracts.Analysis.V1.GetIncidentLinksRequest { IncidentId = Guid.NewGuid().ToString() }], StatusCode.NotFound),
        ["/analysis.v1.AnalysisService/WatchAlerts"] = new(_ => [new Contracts.Analysis.V1.WatchAlertsRequest()], StatusCode.OK),
        ["/analysis.v1.AnalysisService/GetSeries"] = new(_ => [new Contracts.Analysis.V1.GetSeriesRequest { SeriesId = Guid.NewGuid().ToString() }], StatusCode.NotFound),
        ["/analysis.v1.AnalysisService/GetFraudChain"] = new(_ => [new Contracts.Analysis.V1.GetFraudChainRequest { ChainId = Guid.NewGuid().ToString() }], StatusCode.NotFound),
        ["/analysis.v1.AnalysisService/GetHotspots"] = new(_ => [new Contracts.Analysis.V1.GetHotspotsRequest()], StatusCode.InvalidArgument), // no area: the service names the field
        ["/analysis.v1.AnalysisService/UpsertWatchlistEntry"] = new(_ => [new Contracts.Analysis.V1.UpsertWatchlistEntryRequest()], StatusCode.InvalidArgument),
        ["/analysis.v1.AnalysisService/RemoveWatchlistEntry"] = new(_ => [new Contracts.Analysis.V1.RemoveWatchlistEntryRequest { EntryId = Guid.NewGuid().ToString() }], StatusCode.OK),
        ["/analysis.v1.AnalysisService/SetIdentifierPublic"] = new(_ => [new Contracts.Analysis.V1.SetIdentifierPublicRequest()], StatusCode.InvalidArgument),
        ["/analysis.v1.AnalysisService/ListWatchlist"] = new(_ => [new Contracts.Analysis.V1.ListWatchlistRequest()], StatusCode.OK),
    };

    private static readonly string[] Columns = ["no token", "expired", "forged signature", SuiteRoles.Terminal, SuiteRoles.Partner, SuiteRoles.Operator, SuiteRoles.Admin];

    private static Report MatrixReport()
    {
        var report = ReportCases.Valid(DateTimeOffset.UtcNow);
        report.Source = "";
        report.ExternalId = $"matrix-{Guid.NewGuid():N}";
        return report;
    }

    // Far from every other test's units and incidents, so the matrix never takes part in their dispatching.
    private static readonly GeoPoint MatrixPlace = new() { Latitude = 22.5431, Longitude = 114.0579 };

    private static TerminalMessage Hello(string unitId) => new()
    {
        Hello = new Hello { UnitId = unitId, Kind = UnitKind.FootPatrol, Position = MatrixPlace },
    };

    [Fact]
    public void The_matrix_covers_every_RPC_of_the_contracts()
    {
        var catalog = RpcPolicies.Catalog.Select(RpcPolicies.PathOf).ToHashSet();
        Assert.True(catalog.SetEquals(Allowed.Keys), $"expected matrix vs contracts: missing {string.Join(", ", catalog.Except(Allowed.Keys))}; stale {string.Join(", ", Allowed.Keys.Except(catalog))}");
        Assert.True(catalog.SetEquals(Probes.Keys), $"probes vs contracts: missing {string.Join(", ", catalog.Except(Probes.Keys))}; stale {string.Join(", ", Probes.Keys.Except(catalog))}");
    }

    [Fact]
    public async Task Every_RPC_answers_every_caller_with_the_exact_status_through_the_gateway()
        => AssertMatrix(await RunMatrixAsync(_ => suite.Gateway), "gateway");

    [Fact]
    public async Task Every_RPC_answers_every_caller_with_the_exact_status_when_called_around_the_gateway()
    {
        var channels = suite.ServiceAddresses.ToDictionary(s => s.Key, s => GrpcChannel.ForAddress(s.Value));
        try
        {
            AssertMatrix(await RunMatrixAsync(method => channels[method.Service.File.Package.Split('.')[0]]), "direct");
        }
        finally
        {
            foreach (var channel in channels.Values)
            {
                channel.Dispose();
            }
        }
    }

    private async Task<List<(string Method, string Column, StatusCode Expected, StatusCode Actual, string Detail)>> RunMatrixAsync(Func<MethodDescriptor, ChannelBase> channelFor)
    {
        using var forger = DevSigningKey.Create("suite-tests"); // same key id as the real key, another key
        var forged = new TokenIssuer(forger.Credentials).Issue(SuiteIdentity.Admin("mallory"), TimeSpan.FromHours(1));
        var expired = suite.Tokens.Issue(SuiteIdentity.Operator("late-operator"), TimeSpan.FromMinutes(-10));
        var identities = new Dictionary<string, SuiteIdentity>
        {
            [SuiteRoles.Terminal] = SuiteIdentity.Terminal("matrix-unit"),
            [SuiteRoles.Partner] = SuiteIdentity.Partner("matrix-partner"),
            [SuiteRoles.Operator] = SuiteIdentity.Operator("matrix-operator"),
            [SuiteRoles.Admin] = SuiteIdentity.Admin("matrix-admin"),
        };

        var results = new List<(string, string, StatusCode, StatusCode, string)>();
        foreach (var method in RpcPolicies.Catalog)
        {
            var path = RpcPolicies.PathOf(method);
            foreach (var column in Columns)
            {
                var identity = identities.GetValueOrDefault(column);
                var token = column switch
                {
                    "no token" => null,
                    "expired" => expired,
                    "forged signature" => forged,
                    _ => suite.Tokens.Issue(identity!, TimeSpan.FromHours(1)),
                };
                var expected = identity is null ? StatusCode.Unauthenticated
                    : Allowed[path].Contains(column) ? Probes[path].WhenAllowed
                    : StatusCode.PermissionDenied;
                var (actual, detail) = await CallAsync(SuiteFixture.WithToken(channelFor(method), token), method, Probes[path].Requests(identity));
                results.Add((path, column, expected, actual, detail));
            }
        }
        return results;
    }

    private void AssertMatrix(List<(string Method, string Column, StatusCode Expected, StatusCode Actual, string Detail)> results, string route)
    {
        var table = new StringBuilder($"{route}: {"RPC",-48}").AppendJoin("", Columns.Select(c => $"{c,-18}")).AppendLine();
        foreach (var row in results.GroupBy(r => r.Method))
        {
            table.Append($"{route}: {row.Key,-48}").AppendJoin("", row.Select(r => $"{r.Actual + (r.Actual == r.Expected ? "" : "!"),-18}")).AppendLine();
        }
        output.WriteLine(table.ToString());
        var wrong = results.Where(r => r.Actual != r.Expected).Select(r => $"{r.Method} as {r.Column}: {r.Actual} ({r.Detail}), expected {r.Expected}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {results.Count} calls {route}:\n" + string.Join("\n", wrong));
        Assert.Equal(RpcPolicies.Catalog.Count * Columns.Length, results.Count);
    }

    /// <summary>
    /// One call of any shape with untyped messages. A stream counts as OK once it is open: the service sends
    /// its headers as soon as it accepted the call, a refusal ends the call at once.
    /// </summary>
    internal static async Task<(StatusCode Status, string Detail)> CallAsync(CallInvoker invoker, MethodDescriptor descriptor, IMessage[] requests)
    {
        var marshaller = Marshallers.Create<IMessage>(m => m.ToByteArray(), _ => throw new NotSupportedException());
        var method = new Method<IMessage, IMessage>(Type(descriptor), descriptor.Service.FullName, descriptor.Name,
            marshaller, Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => descriptor.OutputType.Parser.ParseFrom(bytes)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var options = new CallOptions(cancellationToken: cts.Token);
        try
        {
            switch (method.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, requests.Single());
                    return (StatusCode.OK, "");
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, requests, complete: true);
                        await call.ResponseAsync;
                        return (StatusCode.OK, "");
                    }
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, requests.Single()))
                    {
                        var headers = await call.ResponseHeadersAsync;
                        // A refusal is a complete response already ("trailers-only"): reading it ends at once. An accepted
                        // stream has sent its headers and delivers an event or waits for one past the grace.
                        var next = call.ResponseStream.MoveNext(cts.Token);
                        if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(500))) != next)
                        {
                            return (StatusCode.OK, "stream open");
                        }
                        return await next ? (StatusCode.OK, "first event") : await StatusOfAsync(call.GetStatus);
                    }
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        await WriteAllAsync(call.RequestStream, requests, complete: false);
                        // A terminal session answers its hello with a welcome (or ends with the reason it refused the hello).
                        return await call.ResponseStream.MoveNext(cts.Token) ? (StatusCode.OK, "first message") : await StatusOfAsync(call.GetStatus);
                    }
            }
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail);
        }
    }

    /// <summary>The status of a call whose response stream has ended (the client records it a moment after the end).</summary>
    private static async Task<(StatusCode, string)> StatusOfAsync(Func<Status> status)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var ended = status();
                return (ended.StatusCode, ended.Detail);
            }
            catch (InvalidOperationException) when (attempt < 100)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>
    /// Writes the requests; a write that fails because the server already answered (a refusal races the
    /// client's first message) is not the answer: the caller reads the call's status next.
    /// </summary>
    private static async Task WriteAllAsync(IClientStreamWriter<IMessage> stream, IMessage[] requests, bool complete)
    {
        try
        {
            foreach (var request in requests)
            {
                await stream.WriteAsync(request);
            }
            if (complete)
            {
                await stream.CompleteAsync();
            }
        }
        catch (RpcException)
        {
            // The status comes with the response.
        }
        catch (InvalidOperationException)
        {
            // "Can't write the message because the call is complete."
        }
    }

    private static MethodType Type(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        _ => MethodType.DuplexStreaming,
    };
}
