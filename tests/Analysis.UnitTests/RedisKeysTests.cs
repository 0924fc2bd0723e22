using Analysis.Infrastructure;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class RedisKeysTests
{
    private static readonly RedisKeys Keys = new("analysis");

    private static string HashTag(string key)
    {
        var open = key.IndexOf('{');
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }

    [Fact]
    public void An_incident_key_is_tagged_by_its_id()
        => Assert.Equal("analysis:incident:{4f1c-9}", Keys.Incident("4f1c-9"));

    [Fact]
    public void An_incidents_links_share_its_tag_so_one_script_guards_them_by_the_incident()
        => Assert.Equal(HashTag(Keys.Incident("4f1c-9")), HashTag(Keys.IncidentLinks("4f1c-9")));

    [Fact]
    public void The_state_prefix_starts_every_key_so_a_replay_can_rebuild_next_to_the_live_state()
    {
        var replay = new RedisKeys("analysis-r2");
        Assert.StartsWith("analysis-r2:", replay.Incident("x"));
        Assert.All(new[] { replay.Fraud.Incidents, replay.Series.Members, replay.Watchlist.Index, replay.Disputes("a-1") },
            key => Assert.StartsWith("analysis-r2:", key));
    }

    [Theory]
    [InlineData(IncidentCategory.Robbery, "robbery")]
    [InlineData(IncidentCategory.MissingPerson, "missing_person")]
    [InlineData((IncidentCategory)99, "99")]
    public void A_category_is_named_after_the_proto_value(IncidentCategory category, string expected)
        => Assert.Equal(expected, RedisKeys.CategoryTag(category));

    [Fact]
    public void Keys_one_script_touches_share_one_hash_tag()
    {
        var fraud = Keys.Fraud;
        Assert.Single(new[] { fraud.Incidents, fraud.Identifiers, fraud.Chains, fraud.Aliases, fraud.Done, fraud.Activity }.Select(HashTag).Distinct());
        var series = Keys.Series;
        Assert.Single(new[] { series.Incidents, series.Members, series.Aliases, series.Done, series.Activity }.Select(HashTag).Distinct());
        Assert.Equal(HashTag(Keys.Watchlist.Entries), HashTag(Keys.Watchlist.Index));
    }

    [Theory]
    [InlineData(31.2304, 121.4737, true)]
    [InlineData(-85.05, -179.9, true)]
    [InlineData(89.9, 10, false)]   // polar: valid WGS84, outside Redis GEO
    [InlineData(0, 0, false)]       // missing fix
    [InlineData(double.NaN, 10, false)]
    public void Only_positions_redis_geo_accepts_are_indexed(double latitude, double longitude, bool expected)
        => Assert.Equal(expected, SpatialIndex.IsIndexable(new GeoPoint { Latitude = latitude, Longitude = longitude }));
}
