extern alias dispatch;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Embedded;
using Grpc.Net.Client;
using Google.Protobuf;
using Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Suite.IntegrationTests.DispatchReplicas;

namespace Suite.IntegrationTests;

/// <summary>
/// Dispatch with a fake clock (FakeTimeProvider) and its default settings: the 30 s
/// acknowledgement timeout and the 1-3-5 tier deadlines are checked to the second without
/// waiting for them.
/// </summary>
public sealed class DispatchClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private EmbeddedKafka _kafka = null!;
    private EmbeddedRedis _redis = null!;
    private ServiceHost<dispatch::Program> _host = null!;
    private GrpcChannel _channel = null!;
    private KafkaTestClient _client = null!;
    private readonly TestTokens _tokens = new();

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start();
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, 1);
        }
        _redis = EmbeddedRedis.Start();
        _host = new ServiceHost<dispatch::Program>(new Dictionary<string, string?>(_tokens.HostSettings)
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Redis:Configuration"] = _redis.ConnectionString,
            ["Logging:LogLevel:Default"] = "Warning",
        }, services => services.AddSingleton<TimeProvider>(_clock));
        _channel = GrpcChannel.ForAddress(_host.Address);
        _client = new KafkaTestClient(_kafka.BootstrapServers);
        return Task.CompletedTask;
    }

    private DispatchService.DispatchServiceClient Dispatch => new(_tokens.AsCentre(_channel));

    private DispatchService.DispatchServiceClient AsUnit(string unitId) => new(_tokens.AsUnit(_channel, unitId));

    private async Task<IncidentRecord> Eventually(string incidentId, Func<IncidentRecord, bool> done, string what)
        => await EventuallyAsync(async () => await Dispatch.GetIncidentAsync(new GetIncidentRequest { IncidentId = incidentId }), done, what);

    [Fact]
    public async Task The_30_second_acknowledgement_timeout_and_the_1_minute_tier_deadline_fire_on_time()
    {
        var site = Area(1);
        await using var first = await FieldTerminal.ConnectAsync(AsUnit("me-first"), "me-first", UnitKind.MinimalEmergency, Near(site, 50));
        await using var second = await FieldTerminal.ConnectAsync(AsUnit("me-second"), "me-second", UnitKind.MinimalEmergency, Near(site, 120));
        var incident = NewIncident(IncidentCategory.Medical, Priority.P1, site, "woman collapsed at the vaccination site", _clock.GetUtcNow());
        await _client.ProduceAsync(Topics.Incidents, incident.IncidentId,
            new Contracts.Events.V1.IncidentReported { Metadata = new Contracts.Events.V1.EventMetadata { EventId = "e1" }, Incident = incident }.ToByteArray(),
            KafkaHeaders.ForProtobuf(Contracts.Events.V1.IncidentReported.Descriptor.FullName));
        var assignment = (await first.NextAssignmentAsync()).Assignment;
        Assert.Equal(1, assignment.Tier);

        _clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(1_000);
        Assert.DoesNotContain(first.Drain(), m => m.Withdrawal is not null);

        _clock.Advance(TimeSpan.FromSeconds(1.5)); // 30.5 s after the assignment
        Assert.Equal(assignment.AssignmentId, (await first.NextWithdrawalAsync()).AssignmentId);
        var replacement = (await second.NextAssignmentAsync()).Assignment;
        Assert.Equal(assignment.AssignmentId, replacement.ReplacesAssignmentId);
        await second.AcknowledgeAsync(replacement.AssignmentId);
        var afterTimeout = await Eventually(incident.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.Acknowledged), "replacement acknowledged");
        Assert.DoesNotContain(afterTimeout.Timeline, t => t.Kind is TimelineEntryKind.SlaAtRisk or TimelineEntryKind.SlaBreached);

        _clock.Advance(TimeSpan.FromSeconds(18)); // 48.5 s: 80 % of tier 1's 60 s
        var atRisk = await Eventually(incident.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.SlaAtRisk), "tier 1 at risk");
        Assert.Equal(1, atRisk.Timeline.Single(t => t.Kind == TimelineEntryKind.SlaAtRisk).Tier);
        Assert.Equal(TierOutcome.Pending, atRisk.Tiers.Single(t => t.Tier == 1).Outcome);

        _clock.Advance(TimeSpan.FromSeconds(12)); // 60.5 s
        var breached = await Eventually(incident.IncidentId, r => r.Timeline.Any(t => t.Kind == TimelineEntryKind.SlaBreached), "tier 1 breached");
        Assert.Equal(TierOutcome.Breached, breached.Tiers.Single(t => t.Tier == 1).Outcome);
        Assert.Equal(TierOutcome.Pending, breached.Tiers.Single(t => t.Tier == 2).Outcome); // 3 minutes are not up
        Assert.Single(breached.Timeline, t => t.Kind == TimelineEntryKind.SlaBreached);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        _client.Dispose();
        _redis.Dispose();
        _kafka.Dispose();
        _tokens.Dispose();
    }
}
