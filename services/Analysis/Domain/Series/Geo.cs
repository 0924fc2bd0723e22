using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>Distances and local planar offsets on the WGS84 sphere, accurate enough at city scale (tens of km).</summary>
public static class Geo
{
    public const double EarthRadiusM = 6_371_008.8;

    public static double DistanceM(GeoPoint a, GeoPoint b) => DistanceM(a.Latitude, a.Longitude, b.Latitude, b.Longitude);

    /// <summary>Great-circle distance (haversine).</summary>
    public static double DistanceM(double lat1, double lon1, double lat2, double lon2) => new GreatCircleFrom(lat1, lon1).DistanceM(lat2, lon2);

    /// <summary>Great-circle distances (haversine) from one point, whose latitude's cosine is worked out once.</summary>
    public readonly struct GreatCircleFrom(double latitude, double longitude)
    {
        private readonly double _phi = Radians(latitude);
        private readonly double _cosPhi = Math.Cos(Radians(latitude));

        public double DistanceM(double latitude2, double longitude2)
        {
            var phi2 = Radians(latitude2);
            var halfDPhi = Math.Sin((phi2 - _phi) / 2);
            var halfDLambda = Math.Sin(Radians(longitude2 - longitude) / 2);
            var h = halfDPhi * halfDPhi + _cosPhi * Math.Cos(phi2) * halfDLambda * halfDLambda;
            return 2 * EarthRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(h)));
        }
    }

    /// <summary>
    /// How far the equirectangular plane at latitude <paramref name="latitude"/> can be out from the great circle, per
    /// square metre of distance: the plane's error grows with the distance squared and the tangent of the latitude.
    /// A bound with room to spare (about 50 m at 12 km from 30° latitude, 1.3 m at 1 km); add a metre for rounding.
    /// </summary>
    public static double PlaneErrorPerSquareMetre(double latitude)
        => (1 + 2 * Math.Tan(double.DegreesToRadians(Math.Min(Math.Abs(latitude), 85.1)))) / EarthRadiusM;

    /// <summary>Metres east and north of <paramref name="origin"/> (equirectangular projection around the origin).</summary>
    public static (double EastM, double NorthM) Offset(GeoPoint origin, GeoPoint point)
    {
        var east = Radians(point.Longitude - origin.Longitude) * EarthRadiusM * Math.Cos(Radians(origin.Latitude));
        var north = Radians(point.Latitude - origin.Latitude) * EarthRadiusM;
        return (east, north);
    }

    /// <summary>The point <paramref name="eastM"/> east and <paramref name="northM"/> north of <paramref name="origin"/>.</summary>
    public static GeoPoint Move(GeoPoint origin, double eastM, double northM)
    {
        var latitude = origin.Latitude + Degrees(northM / EarthRadiusM);
        var longitude = origin.Longitude + Degrees(eastM / (EarthRadiusM * Math.Cos(Radians(origin.Latitude))));
        return new GeoPoint { Latitude = latitude, Longitude = longitude };
    }

    /// <summary>"north-east" etc. for a displacement; one of 8 compass points.</summary>
    public static string CompassPoint(double eastM, double northM)
    {
        string[] names = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"];
        var bearing = (Degrees(Math.Atan2(eastM, northM)) + 360) % 360;
        return names[(int)Math.Round(bearing / 45) % 8];
    }

    /// <summary>"380 m" below a kilometre, "2.4 km" above, "12 km" from ten kilometres on.</summary>
    public static string FormatDistance(double metres) => (Math.Round(metres / 10) * 10) switch
    {
        < 1000 and var rounded => $"{rounded:0} m",
        < 10_000 => $"{metres / 1000:0.0} km",
        _ => $"{metres / 1000:0} km",
    };

    public static bool IsUsable(GeoPoint? point)
        => point is not null
           && double.IsFinite(point.Latitude) && Math.Abs(point.Latitude) <= 90
           && double.IsFinite(point.Longitude) && Math.Abs(point.Longitude) <= 180
           && !(point.Latitude == 0 && point.Longitude == 0);

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}
