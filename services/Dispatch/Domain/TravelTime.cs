using Contracts.Common.V1;

namespace Dispatch.Domain;

/// <summary>Travel time from straight-line distance, a road factor and the unit kind's typical urban speed.</summary>
public static class TravelTime
{
    private const double EarthRadiusMeters = 6_371_008.8;

    public static double DistanceMeters(GeoPoint a, GeoPoint b) => DistanceMeters(a.Latitude, a.Longitude, b.Latitude, b.Longitude);

    public static double DistanceMeters(double latitudeA, double longitudeA, double latitudeB, double longitudeB)
    {
        var lat1 = double.DegreesToRadians(latitudeA);
        var lat2 = double.DegreesToRadians(latitudeB);
        var dLat = lat2 - lat1;
        var dLon = double.DegreesToRadians(longitudeB - longitudeA);
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(lat1) * Math.Cos(lat2) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>Metres per second in city traffic (drones fly straight, so their road factor is 1).</summary>
    public static double SpeedMetersPerSecond(UnitKind kind) => kind switch
    {
        UnitKind.PatrolCar or UnitKind.SpecialPolice or UnitKind.TrafficPolice => 8.3,   // ~30 km/h through traffic
        UnitKind.Drone => 15.0,
        UnitKind.FootPatrol or UnitKind.MinimalEmergency or UnitKind.Volunteer => 2.5,  // brisk run/walk
        UnitKind.CommunityPolice => 5.5,                                                // e-bike
        _ => 2.5,
    };

    public static TimeSpan Estimate(double straightLineMeters, UnitKind kind, double roadFactor)
    {
        var factor = kind == UnitKind.Drone ? 1.0 : roadFactor;
        return TimeSpan.FromSeconds(straightLineMeters * factor / SpeedMetersPerSecond(kind));
    }
}
