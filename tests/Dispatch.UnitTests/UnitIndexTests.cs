using Contracts.Common.V1;
using Dispatch.Domain;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.UnitTests;

public sealed class UnitIndexTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private static readonly GeoPoint Incident = new() { Latitude = 31.2304, Longitude = 121.4737 };

    private static UnitIndex NewIndex(double radius = 20_000) => new(roadFactor: 1.3, positionMaxAge: MaxAge, maxRadiusMeters: radius);

    /// <summary>A unit <paramref name="metresNorth"/> metres due north of the incident.</summary>
    private static UnitState Unit(string id, UnitKind kind, double metresNorth, UnitStatus status = UnitStatus.Available, bool connected = true,
        TimeSpan? positionAge = null, long version = 1, Capability[]? capabilities = null, string[]? languages = null, double metresEast = 0) => new()
    {
        UnitId = id,
        Kind = kind,
        Status = status,
        Connected = connected,
        Position = new GeoPoint
        {
            Latitude = Incident.Latitude + metresNorth / 111_195.0,
            Longitude = Incident.Longitude + metresEast / (111_195.0 * Math.Cos(double.DegreesToRadians(Incident.Latitude))),
        },
        PositionAt = Timestamp.FromDateTimeOffset(Now - (positionAge ?? TimeSpan.FromSeconds(10))),
        Version = version,
        Capabilities = { capabilities ?? [] },
        Languages = { languages ?? [] },
    };

    private static UnitSearchResult Search(UnitIndex index, UnitKind[] kinds, int count = 5, Capability[]? capabilities = null, string? language = null, string[]? exclude = null)
        => index.Search(new UnitQuery(Incident, kinds, capabilities ?? [], language, count, Now, (exclude ?? []).ToHashSet()));

    private static UnitIndex With(params UnitState[] units)
    {
        var index = NewIndex();
        foreach (var unit in units)
        {
            index.Apply(unit);
        }
        return index;
    }

    [Fact]
    public void A_far_patrol_car_beats_a_near_foot_patrol_by_travel_time()
    {
        var index = With(
            Unit("foot-1", UnitKind.FootPatrol, 500),   // 500 * 1.3 / 2.5 = 260 s
            Unit("car-1", UnitKind.PatrolCar, 1_500));  // 1500 * 1.3 / 8.3 ≈ 235 s

        var ranked = Search(index, [UnitKind.FootPatrol, UnitKind.PatrolCar]).Ranked;

        Assert.Equal(["car-1", "foot-1"], ranked.Select(r => r.Unit.UnitId));
        Assert.Equal(1_500, ranked[0].DistanceMeters, 1.0);
        Assert.Equal(1_500 * 1.3 / 8.3, ranked[0].EstimatedTravel.TotalSeconds, 0.1);
    }

    [Fact]
    public void Only_the_asked_kinds_are_returned_and_the_count_is_respected()
    {
        var index = With(
            Unit("me-1", UnitKind.MinimalEmergency, 50),
            Unit("me-2", UnitKind.MinimalEmergency, 80),
            Unit("me-3", UnitKind.MinimalEmergency, 120),
            Unit("car-1", UnitKind.PatrolCar, 10));

        var ranked = Search(index, [UnitKind.MinimalEmergency], count: 2).Ranked;

        Assert.Equal(["me-1", "me-2"], ranked.Select(r => r.Unit.UnitId));
    }

    [Fact]
    public void Disconnected_busy_and_stale_units_are_passed_over_with_a_reason()
    {
        var index = With(
            Unit("offline", UnitKind.PatrolCar, 100, connected: false),
            Unit("busy", UnitKind.PatrolCar, 110, status: UnitStatus.Busy),
            Unit("assigned", UnitKind.PatrolCar, 120, status: UnitStatus.Assigned),
            Unit("stale", UnitKind.PatrolCar, 130, positionAge: MaxAge + TimeSpan.FromSeconds(1)),
            Unit("ok", UnitKind.PatrolCar, 2_000));

        var result = Search(index, [UnitKind.PatrolCar]);

        Assert.Equal("ok", Assert.Single(result.Ranked).Unit.UnitId);
        var reasons = result.Rejected.ToDictionary(r => r.Unit.UnitId, r => r.Reason);
        Assert.Equal("no open terminal stream", reasons["offline"]);
        Assert.Equal("status Busy", reasons["busy"]);
        Assert.Equal("status Assigned", reasons["assigned"]);
        Assert.Equal("position 301 s old", reasons["stale"]);
        Assert.Equal(5, result.Considered);
    }

    [Fact]
    public void Required_capabilities_and_the_reporters_language_filter_units()
    {
        var index = With(
            Unit("plain", UnitKind.SpecialPolice, 100),
            Unit("armed", UnitKind.SpecialPolice, 900, capabilities: [Capability.Armed]),
            Unit("armed-en", UnitKind.SpecialPolice, 1_500, capabilities: [Capability.Armed], languages: ["en-GB"]));

        Assert.Equal(["armed", "armed-en"], Search(index, [UnitKind.SpecialPolice], capabilities: [Capability.Armed]).Ranked.Select(r => r.Unit.UnitId));
        var english = Search(index, [UnitKind.SpecialPolice], capabilities: [Capability.Armed, Capability.Language], language: "en");
        Assert.Equal("armed-en", Assert.Single(english.Ranked).Unit.UnitId);
        Assert.Contains(english.Rejected, r => r.Unit.UnitId == "plain" && r.Reason == "lacks Armed");
        Assert.Contains(english.Rejected, r => r.Unit.UnitId == "armed" && r.Reason == "does not speak en");
    }

    [Fact]
    public void Excluded_units_and_units_beyond_the_radius_are_not_candidates()
    {
        var index = NewIndex(radius: 1_000);
        index.Apply(Unit("near", UnitKind.PatrolCar, 100));
        index.Apply(Unit("declined", UnitKind.PatrolCar, 50));
        index.Apply(Unit("far", UnitKind.PatrolCar, 1_200));

        var result = Search(index, [UnitKind.PatrolCar], exclude: ["declined"]);

        Assert.Equal("near", Assert.Single(result.Ranked).Unit.UnitId);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Older_states_and_older_positions_do_not_overwrite_newer_ones()
    {
        var index = With(Unit("u", UnitKind.PatrolCar, 100, status: UnitStatus.Assigned, version: 5));

        index.Apply(Unit("u", UnitKind.PatrolCar, 100, status: UnitStatus.Available, version: 4)); // late event
        Assert.Empty(Search(index, [UnitKind.PatrolCar]).Ranked);

        index.SetStatus("u", UnitStatus.Available, 6);
        Assert.Single(Search(index, [UnitKind.PatrolCar]).Ranked);

        index.Move("u", Incident.Latitude + 0.05, Incident.Longitude, Now);
        index.Move("u", Incident.Latitude, Incident.Longitude, Now - TimeSpan.FromSeconds(5)); // older fix arriving late
        Assert.Equal(0.05 * 111_195, Search(index, [UnitKind.PatrolCar]).Ranked[0].DistanceMeters, 50.0);
    }

    [Fact]
    public void A_unit_whose_claim_was_lost_is_skipped_until_a_newer_state_arrives()
    {
        var index = With(Unit("u", UnitKind.PatrolCar, 100, version: 3));

        index.MarkTaken("u");
        Assert.Equal("just taken by another incident", Assert.Single(Search(index, [UnitKind.PatrolCar]).Rejected).Reason);

        index.Apply(Unit("u", UnitKind.PatrolCar, 100, version: 4));
        Assert.Single(Search(index, [UnitKind.PatrolCar]).Ranked);
    }

    [Fact]
    public void Moving_across_cells_and_changing_kind_keeps_one_entry()
    {
        var index = With(Unit("u", UnitKind.FootPatrol, 5_000));

        index.Move("u", Incident.Latitude, Incident.Longitude, Now);
        index.Apply(Unit("u", UnitKind.PatrolCar, 0, version: 2, positionAge: TimeSpan.Zero));

        Assert.Equal(1, index.Count);
        Assert.Empty(Search(index, [UnitKind.FootPatrol]).Ranked);
        Assert.Equal("u", Assert.Single(Search(index, [UnitKind.PatrolCar]).Ranked).Unit.UnitId);
    }

    [Fact]
    public void Grid_search_finds_exactly_what_a_full_scan_finds()
    {
        var random = new Random(7);
        var index = NewIndex(radius: 15_000);
        var all = new List<UnitState>();
        UnitKind[] kinds = [UnitKind.MinimalEmergency, UnitKind.PatrolCar, UnitKind.FootPatrol];
        for (var i = 0; i < 20_000; i++)
        {
            var unit = Unit($"u{i}", kinds[i % 3], random.NextDouble() * 60_000 - 30_000, metresEast: random.NextDouble() * 60_000 - 30_000,
                status: random.NextDouble() < 0.2 ? UnitStatus.Busy : UnitStatus.Available);
            all.Add(unit);
            index.Apply(unit);
        }
        for (var q = 0; q < 50; q++)
        {
            var at = new GeoPoint { Latitude = Incident.Latitude + (random.NextDouble() - 0.5) * 0.4, Longitude = Incident.Longitude + (random.NextDouble() - 0.5) * 0.4 };
            UnitKind[] asked = q % 2 == 0 ? [UnitKind.MinimalEmergency] : [UnitKind.PatrolCar, UnitKind.FootPatrol];
            var expected = all
                .Where(u => asked.Contains(u.Kind) && u.Status == UnitStatus.Available)
                .Select(u => (u.UnitId, Distance: TravelTime.DistanceMeters(at, u.Position), u.Kind))
                .Where(u => u.Distance <= 15_000)
                .OrderBy(u => TravelTime.Estimate(u.Distance, u.Kind, 1.3)).ThenBy(u => u.UnitId, StringComparer.Ordinal)
                .Take(6).Select(u => u.UnitId);

            var found = index.Search(new UnitQuery(at, asked, [], null, 6, Now, new HashSet<string>())).Ranked.Select(r => r.Unit.UnitId);

            Assert.Equal(expected, found);
        }
    }
}
