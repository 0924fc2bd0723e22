using Analysis.Domain;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class SpatialIndexTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    private static CandidateSketch At(GeoPoint point, IncidentCategory category, DateTimeOffset at) => CandidateSketch.Located(point, category, at);

    // The last two: every entry in a ring around the radius, where the search's plane is furthest from the great circle.
    [Theory]
    [InlineData(30.26, 120.15, 12_000, 300, 4000, 2, 0.0)]
    [InlineData(59.93, 10.75, 12_000, 50, 1500, 3, 0.0)]
    [InlineData(-33.87, 151.21, 150, 64, 3000, 5, 0.0)]
    [InlineData(22.55, 114.05, 12_000, 300, 200, 7, 0.0)]
    [InlineData(59.93, 10.75, 12_000, 50, 3000, 11, 0.95)]
    [InlineData(-33.87, 151.21, 12_000, 3000, 3000, 13, 0.95)]
    public void A_search_returns_the_nearest_in_radius_and_window_exactly_as_measuring_every_entry_would(
        double latitude, double longitude, double radius, int limit, int entries, int seed, double innerShare)
    {
        var center = new GeoPoint { Latitude = latitude, Longitude = longitude };
        var random = new Random(seed);
        var index = new SpatialIndex(1000);
        var all = new List<(string Id, GeoPoint Point, DateTimeOffset At)>();
        for (var i = 0; i < entries; i++)
        {
            // Denser near the centre, some beyond the radius, some outside the window.
            var bearing = random.NextDouble() * 2 * Math.PI;
            var distance = innerShare > 0
                ? radius * (innerShare + random.NextDouble() * (1.05 - innerShare))
                : Math.Pow(random.NextDouble(), 2) * radius * 1.3;
            var point = Geo.Move(center, distance * Math.Sin(bearing), distance * Math.Cos(bearing));
            var at = Noon.AddHours(random.Next(-30 * 24, 30 * 24));
            var id = $"i{i:D5}";
            all.Add((id, point, at));
            index.Add(id, At(point, IncidentCategory.Burglary, at), null, at, at.AddDays(60), at.AddDays(60));
        }
        // Another group in the same place is never returned.
        index.Add("fire", At(center, IncidentCategory.Fire, Noon), null, Noon, Noon.AddDays(1), Noon.AddDays(1));
        var window = TimeSpan.FromDays(21);

        var found = index.Search(IncidentCategory.Theft, center, radius, Noon, window, limit);

        var expected = all.Where(e => (e.At - Noon).Duration() <= window)
            .Select(e => (e.Id, Distance: Geo.DistanceM(center, e.Point)))
            .Where(e => e.Distance <= radius)
            .OrderBy(e => e.Distance).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit).ToList();
        Assert.Equal(expected.Select(e => e.Id), found.Select(f => f.IncidentId));
        Assert.Equal(expected.Select(e => e.Distance), found.Select(f => f.DistanceMeters));

        // Selecting: without one incident, those the selector keeps and those within a tenth of the radius, measuring only some.
        var excluded = expected.Count > 0 ? expected[expected.Count / 2].Id : "none";
        var selector = new OddLatitudesWithin(radius / 2);
        var selected = index.Search(IncidentCategory.Theft, center, radius, Noon, window, limit, excluded, radius / 10, selector);

        var members = all.Where(e => e.Id != excluded && (e.At - Noon).Duration() <= window)
            .Select(e => (e.Id, e.Point, Distance: Geo.DistanceM(center, e.Point)))
            .Where(e => e.Distance <= radius)
            .OrderBy(e => e.Distance).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit).ToList();
        var kept = members.Where(e => OddLatitudesWithin.Odd(e.Point.Latitude) && e.Distance <= radius / 2).ToList();
        Assert.Equal(kept.Select(e => e.Id), selected.Kept.Select(f => f.IncidentId));
        Assert.Equal(kept.Select(e => e.Distance), selected.Kept.Select(f => f.DistanceMeters));
        Assert.Equal(members.Where(e => e.Distance <= radius / 10).Select(e => (e.Id, e.Distance)), selected.Within.Select(f => (f.IncidentId, f.DistanceMeters)));
        Assert.Equal(members.Count, selected.Count);
        Assert.Equal(members.Any(e => e.Distance > radius / 10), selected.ReachesBeyond);
    }

    /// <summary>Keeps the entries at an odd ten-millionth of a degree of latitude, within a distance.</summary>
    private readonly struct OddLatitudesWithin(double meters) : INearbySelector
    {
        public static bool Odd(double latitude) => ((long)Math.Round(latitude * 1e7) & 1) == 1;

        public bool JudgesSketches => true;

        public bool MayKeep(in CandidateSketch sketch) => Odd(sketch.Latitude);

        public bool Keeps(in CandidateSketch sketch, double distanceMeters) => distanceMeters <= meters;
    }

    [Fact]
    public void A_selecting_search_leaves_out_every_entry_of_the_incident_it_is_for_and_fills_the_limit_without_them()
    {
        var center = new GeoPoint { Latitude = 30.26, Longitude = 120.15 };
        var index = new SpatialIndex(500);
        index.Add("self", At(center, IncidentCategory.Burglary, Noon), null, Noon, Noon.AddDays(60), Noon.AddDays(60));
        // A re-sent version of it, elsewhere.
        index.Add("self", At(Geo.Move(center, 50, 0), IncidentCategory.Burglary, Noon.AddHours(1)), null, Noon.AddHours(1), Noon.AddDays(60), Noon.AddDays(60));
        foreach (var (id, east) in new[] { ("a", 100.0), ("b", 200.0), ("c", 300.0) })
        {
            index.Add(id, At(Geo.Move(center, east, 0), IncidentCategory.Theft, Noon), null, Noon, Noon.AddDays(60), Noon.AddDays(60));
        }

        var found = index.Search(IncidentCategory.Burglary, center, 12_000, Noon, TimeSpan.FromDays(21), limit: 2, excludedId: "self", withinMeters: 150, new EveryEntry());

        Assert.Equal(["a", "b"], found.Kept.Select(f => f.IncidentId));
        Assert.Equal(["a"], found.Within.Select(f => f.IncidentId));
        Assert.True(found.ReachesBeyond);
    }

    [Fact]
    public void Entries_at_the_same_distance_come_by_id_also_where_the_limit_cuts_them()
    {
        var center = new GeoPoint { Latitude = 30.26, Longitude = 120.15 };
        var index = new SpatialIndex(500);
        var sameShop = Geo.Move(center, 300, 400);
        foreach (var id in new[] { "k", "c", "x", "a", "m", "b" })
        {
            index.Add(id, At(sameShop, IncidentCategory.Burglary, Noon), null, Noon, Noon.AddDays(60), Noon.AddDays(60));
        }
        index.Add("nearer", At(Geo.Move(center, 30, 40), IncidentCategory.Theft, Noon), null, Noon, Noon.AddDays(60), Noon.AddDays(60));

        var found = index.Search(IncidentCategory.Robbery, center, 12_000, Noon, TimeSpan.FromDays(21), limit: 4);

        Assert.Equal(["nearer", "a", "b", "c"], found.Select(f => f.IncidentId));
    }

    /// <summary>
    /// Reports arrive in reception order, not in the order things happened: one cell's entries out of time order, in
    /// every arrangement its arrays go through (in order, an unsorted tail, a full tail, growth, expiry), are found for
    /// narrow and wide windows exactly as a scan of all of them would, and adding one again still changes nothing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Entries_added_out_of_time_order_are_found_in_every_window_and_are_not_added_twice(int seed)
    {
        var random = new Random(seed);
        var center = new GeoPoint { Latitude = 22.54, Longitude = 114.06 };
        var index = new SpatialIndex(1000);
        var all = new List<(string Id, DateTimeOffset At, DateTimeOffset Expires)>();
        for (var i = 0; i < 300; i++)
        {
            // Mostly in order with reports a few hours late, some much later, some runs of equal times.
            var at = i % 10 == 0 && all.Count > 0 ? all[^1].At : Noon.AddMinutes(i * 20 - random.Next(0, i % 7 == 0 ? 6000 : 300));
            var expires = at.AddDays(random.Next(1, 40));
            var id = $"e{i:D3}";
            all.Add((id, at, expires));
            Assert.True(index.Add(id, At(Geo.Move(center, random.Next(-400, 400), random.Next(-400, 400)), IncidentCategory.Theft, at), null, at, expires, expires));
            if (i == 200)
            {
                var sweep = Noon.AddDays(10);
                index.RemoveExpired(sweep);
                all.RemoveAll(e => e.Expires <= sweep);
            }
            if (i % 37 == 0)
            {
                AssertFindsAsScanning();
            }
        }
        AssertFindsAsScanning();
        foreach (var (id, at, expires) in all.Where((_, n) => n % 9 == 0))
        {
            var sketch = index.Search(IncidentCategory.Theft, center, 1_000, at, TimeSpan.Zero, 1_000).First(f => f.IncidentId == id).Sketch;
            Assert.False(index.Add(id, sketch, null, at, expires, expires));
        }
        AssertFindsAsScanning();

        void AssertFindsAsScanning()
        {
            foreach (var window in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(10), TimeSpan.FromHours(3), TimeSpan.FromDays(21) })
            {
                var at = all[random.Next(all.Count)].At;
                var expected = all.Where(e => (e.At - at).Duration() <= window).Select(e => e.Id).Order(StringComparer.Ordinal);
                var found = index.Search(IncidentCategory.Theft, center, 1_000, at, window, 1_000).Select(f => f.IncidentId).Order(StringComparer.Ordinal);
                Assert.Equal(expected, found);
            }
        }
    }

    [Fact]
    public void Adding_the_same_entry_again_changes_nothing_and_another_version_is_another_entry()
    {
        var index = new SpatialIndex(1000);
        var here = new GeoPoint { Latitude = 31.23, Longitude = 121.47 };

        Assert.True(index.Add("a", At(here, IncidentCategory.Fire, Noon), null, Noon, Noon.AddDays(1), Noon.AddDays(1)));
        Assert.False(index.Add("a", At(here, IncidentCategory.Fire, Noon), null, Noon, Noon.AddDays(1), Noon.AddDays(1)));
        Assert.True(index.Add("a", At(here, IncidentCategory.Fire, Noon.AddMinutes(1)), null, Noon.AddMinutes(1), Noon.AddDays(1), Noon.AddDays(1)));

        Assert.Equal(2, index.Search(IncidentCategory.Fire, here, 150, Noon, TimeSpan.FromMinutes(10), 64).Count);
    }

    [Fact]
    public void Expired_entries_and_their_features_go()
    {
        var index = new SpatialIndex(1000);
        var here = new GeoPoint { Latitude = 31.23, Longitude = 121.47 };
        var features = new SeriesFeatures { IncidentId = "old", Category = IncidentCategory.Burglary, Location = here, OccurredAt = Noon };
        index.Add("old", CandidateSketch.Of(features, here, TimeZoneInfo.Utc), features, Noon, Noon.AddDays(51), Noon.AddDays(51));
        index.Add("new", At(here, IncidentCategory.Burglary, Noon.AddDays(10)), null, Noon.AddDays(10), Noon.AddDays(61), Noon.AddDays(61));

        Assert.Equal(0, index.RemoveExpired(Noon.AddDays(50)));
        Assert.Single(index.Features(["old", "new"]));
        Assert.Equal(1, index.RemoveExpired(Noon.AddDays(51)));

        Assert.Empty(index.Features(["old"]));
        Assert.Equal(["new"], index.Search(IncidentCategory.Burglary, here, 1000, Noon, TimeSpan.FromDays(21), 10).Select(n => n.IncidentId));
    }

    [Fact]
    public void A_re_sent_version_keeps_the_incidents_features_after_the_first_version_expires()
    {
        var index = new SpatialIndex(1000);
        var here = new GeoPoint { Latitude = 31.23, Longitude = 121.47 };
        var first = new SeriesFeatures { IncidentId = "a", Category = IncidentCategory.Burglary, Location = here, OccurredAt = Noon };
        var resent = new SeriesFeatures { IncidentId = "a", Category = IncidentCategory.Burglary, Location = here, OccurredAt = Noon.AddDays(2) };
        index.Add("a", CandidateSketch.Of(first, here, TimeZoneInfo.Utc), first, Noon, Noon.AddDays(51), Noon.AddDays(51));
        index.Add("a", CandidateSketch.Of(resent, here, TimeZoneInfo.Utc), resent, Noon.AddDays(2), Noon.AddDays(53), Noon.AddDays(53));

        Assert.Equal(1, index.RemoveExpired(Noon.AddDays(51)));

        Assert.Equal(Noon.AddDays(2), Assert.Single(index.Features(["a"])).OccurredAt);
        Assert.Equal(1, index.RemoveExpired(Noon.AddDays(53)));
        Assert.Empty(index.Features(["a"]));
    }
}
