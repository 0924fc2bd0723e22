using Analysis.Infrastructure;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class RedisKeysTests
{
    private static string HashTag(string key)
    {
        var open = key.IndexOf('{');
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }

    [Fact]
    public void An_incident_key_is_tagged_by_its_id()
        => Assert.Equal("analysis:incident:{4f1c-9}", RedisKeys.Incident("4f1c-9"));

    [Theory]
    [InlineData(IncidentCategory.Robbery, "analysis:geo:{robbery}")]
    [InlineData(IncidentCategory.MissingPerson, "analysis:geo:{missing_person}")]
    [InlineData((IncidentCategory)99, "analysis:geo:{99}")]
    public void A_category_geo_index_is_named_after_the_proto_value(IncidentCategory category, string expected)
        => Assert.Equal(expected, RedisKeys.Geo(category));

    [Fact]
    public void Keys_one_script_touches_share_one_hash_tag()
    {
        foreach (var category in Enum.GetValues<IncidentCategory>())
        {
            Assert.Equal(HashTag(RedisKeys.Geo(category)), HashTag(RedisKeys.Received(category)));
        }
    }

    [Theory]
    [InlineData(31.2304, 121.4737, true)]
    [InlineData(-85.05, -179.9, true)]
    [InlineData(89.9, 10, false)]   // polar: valid WGS84, outside Redis GEO
    [InlineData(0, 0, false)]       // missing fix
    [InlineData(double.NaN, 10, false)]
    public void Only_positions_redis_geo_accepts_are_indexed(double latitude, double longitude, bool expected)
        => Assert.Equal(expected, IncidentIndex.IsGeoIndexable(new GeoPoint { Latitude = latitude, Longitude = longitude }));
}
