using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Grpc;
using Analysis.Infrastructure;
using Analysis.Streaming;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Analysis.UnitTests;

/// <summary>The incident store on Garnet: an incident reads as analysed only once its batch is marked, and marking never outlives it.</summary>
public sealed class IncidentStoreTests(GarnetFixture garnet) : IClassFixture<GarnetFixture>
{
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}"[..12]);

    private IncidentStore Store => new(garnet.Redis, _keys);

    private static Incident NewIncident(string id) => new() { IncidentId = id, Report = new Report { Category = IncidentCategory.Theft, District = "Xihu" } };

    [Fact]
    public async Task Saved_incidents_read_as_being_analysed_until_their_batch_is_marked_and_keep_their_expiry()
    {
        var incident = NewIncident("in-flight");
        var other = NewIncident("in-flight-too");
        var batch = await Store.SaveAnalysingAsync([(incident, DateTimeOffset.UtcNow.AddHours(1)), (other, DateTimeOffset.UtcNow.AddHours(2))]);
        await Store.AddOwnLinksAsync("in-flight", [SeriesLink("in-flight-too")], DateTimeOffset.UtcNow.AddHours(1));

        var analysing = Assert.NotNull(await Store.GetAnalysedWithLinksAsync("in-flight"));
        Assert.False(analysing.Analysed);
        Assert.Equal(incident, analysing.Incident);
        Assert.Empty(analysing.Links);
        // A series lists its members' links meanwhile.
        Assert.Equal("in-flight-too", Assert.Single(Assert.NotNull(await Store.GetWithLinksAsync("in-flight", LinkKind.Series)).Links).IncidentId);

        await Store.MarkAnalysedAsync(batch);
        var analysed = Assert.NotNull(await Store.GetAnalysedWithLinksAsync("in-flight"));
        Assert.True(analysed.Analysed);
        Assert.Equal(incident, analysed.Incident);
        Assert.Equal("in-flight-too", Assert.Single(analysed.Links).IncidentId);
        Assert.True(Assert.NotNull(await Store.GetAnalysedWithLinksAsync("in-flight-too")).Analysed);
        var ttl = await garnet.Redis.GetDatabase().KeyTimeToLiveAsync(_keys.Incident("in-flight"));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task A_series_reads_a_members_links_of_its_kind_only()
    {
        await Store.SaveAnalysingAsync([(NewIncident("member"), DateTimeOffset.UtcNow.AddHours(1))]);
        await Store.AddOwnLinksAsync("member", [SeriesLink("other-member"), new IncidentLink { IncidentId = "neighbour", Kind = LinkKind.Dispute, Score = 1, Linked = true, GroupId = "a-1" }],
            DateTimeOffset.UtcNow.AddHours(1));

        var read = Assert.NotNull(await Store.GetWithLinksAsync("member", LinkKind.Series));

        Assert.Equal("other-member", Assert.Single(read.Links).IncidentId);
        Assert.Equal("neighbour", Assert.Single(Assert.NotNull(await Store.GetWithLinksAsync("member", LinkKind.Dispute)).Links).IncidentId);
    }

    [Fact]
    public async Task A_batch_that_never_ends_leaves_no_marker_beyond_its_last_incident()
    {
        var batch = await Store.SaveAnalysingAsync([(NewIncident("short"), DateTimeOffset.UtcNow.AddMinutes(5)), (NewIncident("long"), DateTimeOffset.UtcNow.AddMinutes(30))]);

        var ttl = await garnet.Redis.GetDatabase().KeyTimeToLiveAsync(_keys.AnalysingBatch(batch.Id));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30));
        Assert.False(Assert.NotNull(await Store.GetAnalysedWithLinksAsync("short")).Analysed);
    }

    [Fact]
    public async Task An_incident_analysed_again_reads_as_being_analysed_until_its_new_batch_is_marked()
    {
        var incident = NewIncident("redelivered");
        await Store.MarkAnalysedAsync(await Store.SaveAnalysingAsync([(incident, DateTimeOffset.UtcNow.AddHours(1))]));

        var again = await Store.SaveAnalysingAsync([(incident, DateTimeOffset.UtcNow.AddHours(1))]);
        Assert.False(Assert.NotNull(await Store.GetAnalysedWithLinksAsync("redelivered")).Analysed);
        await Store.MarkAnalysedAsync(again);
        Assert.True(Assert.NotNull(await Store.GetAnalysedWithLinksAsync("redelivered")).Analysed);
    }

    private static IncidentLink SeriesLink(string to) => new() { IncidentId = to, Kind = LinkKind.Series, Score = 0.5, Linked = true, GroupId = "s-1" };

    [Fact]
    public async Task A_link_to_an_incident_the_index_found_before_it_was_stored_is_kept_and_expires_with_it()
    {
        var storedUntil = DateTimeOffset.UtcNow.AddHours(2);
        await Store.AddLinksToAsync("ahead", [SeriesLink("analysed-first")], storedUntil);
        var incident = NewIncident("ahead");
        await Store.MarkAnalysedAsync(await Store.SaveAnalysingAsync([(incident, storedUntil)]));

        var read = Assert.NotNull(await Store.GetAnalysedWithLinksAsync("ahead"));
        Assert.Equal("analysed-first", Assert.Single(read.Links).IncidentId);
        var ttl = await garnet.Redis.GetDatabase().KeyTimeToLiveAsync(_keys.IncidentLinks("ahead"));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));
    }

    [Fact]
    public async Task A_link_to_an_incident_neither_stored_nor_known_to_be_is_not_written()
    {
        await Store.AddLinksToAsync("gone", [SeriesLink("other")]);
        await Store.AddLinksToAsync("expired", [SeriesLink("other")], DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.False(await garnet.Redis.GetDatabase().KeyExistsAsync(_keys.IncidentLinks("gone")));
        Assert.False(await garnet.Redis.GetDatabase().KeyExistsAsync(_keys.IncidentLinks("expired")));
    }

    [Fact]
    public async Task A_link_to_a_stored_incident_expires_with_its_stored_incident()
    {
        var incident = NewIncident("stored");
        await Store.SaveAnalysingAsync([(incident, DateTimeOffset.UtcNow.AddHours(1))]);

        await Store.AddLinksToAsync("stored", [SeriesLink("other")], DateTimeOffset.UtcNow.AddHours(5));

        var ttl = await garnet.Redis.GetDatabase().KeyTimeToLiveAsync(_keys.IncidentLinks("stored"));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task GetIncidentLinks_says_an_incident_still_being_analysed_is_not_found_yet()
    {
        var incident = NewIncident("in-flight");
        await Store.SaveAnalysingAsync([(incident, DateTimeOffset.UtcNow.AddHours(1))]);
        // Only the incident store is reached before the answer.
        var service = new AnalysisGrpcService(Store, null!, null!, null!, null!, null!, new CommonIdentifierRule(new FraudOptions()), null!, null!, new AlertHub(),
            TimeProvider.System, Options.Create(new AnalysisOptions()), Options.Create(new HotspotOptions()), new FakeLifetime());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            service.GetIncidentLinks(new GetIncidentLinksRequest { IncidentId = "in-flight" }, new FakeCallContext(CancellationToken.None)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("being analysed", error.Status.Detail);
    }
}
