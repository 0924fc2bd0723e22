using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Grpc;
using Analysis.Infrastructure;
using Analysis.Streaming;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Analysis.UnitTests;

/// <summary>The gRPC surface without a network or Redis: request validation and the WatchAlerts stream.</summary>
public sealed class AnalysisGrpcServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeLifetime _lifetime = new();

    private AnalysisGrpcService Service(AlertHub hub)
    {
        // No Redis: these tests never reach the state.
        return new AnalysisGrpcService(null!, null!, null!, null!, null!, null!, new CommonIdentifierRule(new FraudOptions { PublicIdentifiers = ["phone:95588"] }), null!, null!, hub, TimeProvider.System,
            Options.Create(new AnalysisOptions()), Options.Create(new HotspotOptions()), _lifetime);
    }

    private static Alert Alert(int n, Priority priority = Priority.P1) => new() { AlertId = $"alert-{n}", Kind = AlertKind.Hotspot, Priority = priority };

    private static async Task WaitForSubscriberAsync(AlertHub hub)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (hub.SubscriberCount == 0)
        {
            await Task.Delay(5, cts.Token);
        }
    }

    [Fact]
    public async Task GetIncidentLinks_without_an_id_is_an_invalid_argument_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Service(new AlertHub()).GetIncidentLinks(new GetIncidentLinksRequest(), new FakeCallContext(CancellationToken.None)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("incident_id", violation.Field);
        Assert.StartsWith("REQUIRED", violation.Description);
    }

    [Theory]
    [InlineData(null, "identifier", "REQUIRED")]
    [InlineData(IdentifierType.VehiclePlate, "identifier.type", "NOT_FRAUD_INFRASTRUCTURE")]
    [InlineData(IdentifierType.Phone, "identifier.value", "EMPTY")]
    public async Task SetIdentifierPublic_names_the_field_of_a_bad_identifier(IdentifierType? type, string field, string reason)
    {
        var request = new SetIdentifierPublicRequest { Public = true, Identifier = type is { } t ? new Identifier { Type = t, Value = t == IdentifierType.Phone ? " - " : "ZA-B1234" } : null };

        var error = await Assert.ThrowsAsync<RpcException>(() => Service(new AlertHub()).SetIdentifierPublic(request, new FakeCallContext(CancellationToken.None)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal(field, violation.Field);
        Assert.StartsWith(reason, violation.Description);
    }

    [Fact]
    public async Task SetIdentifierPublic_will_not_unlist_what_the_configuration_lists()
    {
        var request = new SetIdentifierPublicRequest { Public = false, Identifier = new Identifier { Type = IdentifierType.Phone, Value = "955-88" } };

        var error = await Assert.ThrowsAsync<RpcException>(() => Service(new AlertHub()).SetIdentifierPublic(request, new FakeCallContext(CancellationToken.None)));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Analysis:Fraud:PublicIdentifiers", error.Status.Detail);
    }

    [Fact]
    public async Task WatchAlerts_rejects_an_unknown_priority()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Service(new AlertHub()).WatchAlerts(
            new WatchAlertsRequest { MaxPriority = (Priority)42 }, new RecordingStream<AlertEvent>(), new FakeCallContext(CancellationToken.None)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task WatchAlerts_streams_matching_alerts_until_the_call_is_cancelled()
    {
        var hub = new AlertHub();
        using var call = new CancellationTokenSource();
        var stream = new RecordingStream<AlertEvent>();
        var watch = Service(hub).WatchAlerts(new WatchAlertsRequest { MaxPriority = Priority.P2 }, stream, new FakeCallContext(call.Token));
        await WaitForSubscriberAsync(hub);

        hub.Publish(0, 1, Alert(1, Priority.P1));
        hub.Publish(0, 2, Alert(2, Priority.P4));
        hub.Publish(0, 3, Alert(3, Priority.P2));

        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal("alert-1", (await stream.Written.ReadAsync(timeout.Token)).Alert.AlertId);
        Assert.Equal("alert-3", (await stream.Written.ReadAsync(timeout.Token)).Alert.AlertId);

        await call.CancelAsync();
        await watch.WaitAsync(Patience); // ends without an error
        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public async Task WatchAlerts_ends_a_caller_that_stopped_reading_with_resource_exhausted()
    {
        var hub = new AlertHub(subscriberCapacity: 2);
        var stalled = new RecordingStream<AlertEvent>(stalled: true);
        var watch = Service(hub).WatchAlerts(new WatchAlertsRequest(), stalled, new FakeCallContext(CancellationToken.None));
        await WaitForSubscriberAsync(hub);

        // One alert is taken into the stuck write, two fill the queue, the next one overflows it.
        for (var i = 0; i < 10; i++)
        {
            hub.Publish(0, i, Alert(i));
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => watch.WaitAsync(Patience));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("fell 2 alerts behind", error.Status.Detail);
        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public async Task WatchAlerts_ends_with_unavailable_when_the_service_stops()
    {
        var hub = new AlertHub();
        var watch = Service(hub).WatchAlerts(new WatchAlertsRequest(), new RecordingStream<AlertEvent>(), new FakeCallContext(CancellationToken.None));
        await WaitForSubscriberAsync(hub);

        _lifetime.StopApplication();

        var error = await Assert.ThrowsAsync<RpcException>(() => watch.WaitAsync(Patience));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
