using Contracts.Common.V1;
using Dispatch.Domain;

namespace Dispatch.UnitTests;

public sealed class TravelTimeTests
{
    private static GeoPoint P(double latitude, double longitude) => new() { Latitude = latitude, Longitude = longitude };

    [Fact]
    public void A_hundredth_of_a_degree_of_latitude_is_about_1112_metres()
    {
        Assert.Equal(1112, TravelTime.DistanceMeters(P(31.23, 121.47), P(31.24, 121.47)), 1.0);
        Assert.Equal(1112, TravelTime.DistanceMeters(P(0, 0), P(0.01, 0)), 1.0);
    }

    [Fact]
    public void A_hundredth_of_a_degree_of_longitude_shrinks_with_the_cosine_of_latitude()
    {
        // At 60° a degree of longitude is half as long as at the equator.
        Assert.Equal(1112 / 2.0, TravelTime.DistanceMeters(P(60, 10), P(60, 10.01)), 1.0);
    }

    [Fact]
    public void Known_city_pair()
    {
        // Shanghai People's Square to Beijing Tiananmen: ~1,067 km great-circle.
        var d = TravelTime.DistanceMeters(P(31.2304, 121.4737), P(39.9042, 116.4074));
        Assert.InRange(d, 1_060_000, 1_075_000);
    }

    [Fact]
    public void Distance_is_symmetric_and_zero_for_the_same_point()
    {
        var a = P(31.2304, 121.4737);
        var b = P(31.1979, 121.3364);

        Assert.Equal(TravelTime.DistanceMeters(a, b), TravelTime.DistanceMeters(b, a), 9);
        Assert.Equal(0, TravelTime.DistanceMeters(a, a));
    }

    [Fact]
    public void Antipodes_are_half_the_circumference_apart()
    {
        Assert.Equal(Math.PI * 6_371_008.8, TravelTime.DistanceMeters(P(10, 20), P(-10, -160)), 1.0);
    }

    [Theory]
    [InlineData(UnitKind.PatrolCar)]
    [InlineData(UnitKind.FootPatrol)]
    [InlineData(UnitKind.CommunityPolice)]
    [InlineData(UnitKind.SpecialPolice)]
    [InlineData(UnitKind.Volunteer)]
    [InlineData(UnitKind.Unspecified)]
    public void The_estimate_applies_the_road_factor_to_ground_units(UnitKind kind)
    {
        var speed = TravelTime.SpeedMetersPerSecond(kind);

        var estimate = TravelTime.Estimate(1_000, kind, roadFactor: 1.3);

        Assert.Equal(1_000 * 1.3 / speed, estimate.TotalSeconds, 6);
        Assert.Equal(TravelTime.Estimate(1_300, kind, 1.0).TotalSeconds, estimate.TotalSeconds, 6);
    }

    [Fact]
    public void Drones_fly_straight_so_the_road_factor_is_ignored()
    {
        var estimate = TravelTime.Estimate(1_500, UnitKind.Drone, roadFactor: 2.5);

        Assert.Equal(TimeSpan.FromSeconds(100), estimate);
        Assert.Equal(TravelTime.Estimate(1_500, UnitKind.Drone, 1.0), estimate);
    }

    [Fact]
    public void Faster_kinds_arrive_sooner_over_the_same_distance()
    {
        var car = TravelTime.Estimate(2_000, UnitKind.PatrolCar, 1.3);
        var bike = TravelTime.Estimate(2_000, UnitKind.CommunityPolice, 1.3);
        var foot = TravelTime.Estimate(2_000, UnitKind.FootPatrol, 1.3);

        Assert.True(car < bike && bike < foot);
    }

    [Fact]
    public void Every_kind_has_a_positive_speed()
    {
        foreach (var kind in System.Enum.GetValues<UnitKind>())
        {
            Assert.True(TravelTime.SpeedMetersPerSecond(kind) > 0, kind.ToString());
        }
    }
}
