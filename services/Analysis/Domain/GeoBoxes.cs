using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Domain;

public static class GeoBoxes
{
    /// <summary>Null when the box is usable; otherwise what is wrong with it, for the caller.</summary>
    public static string? Problem(GeoBox box)
    {
        if (box.SouthWest is null || box.NorthEast is null)
        {
            return "south_west and north_east are both required";
        }
        if (!ServiceDefaults.GeoLimits.IsValid(box.SouthWest.Latitude, box.SouthWest.Longitude)
            || !ServiceDefaults.GeoLimits.IsValid(box.NorthEast.Latitude, box.NorthEast.Longitude))
        {
            return $"corners must be valid positions (latitude within ±{ServiceDefaults.GeoLimits.MaxLatitude}, longitude within ±180)";
        }
        if (box.SouthWest.Latitude > box.NorthEast.Latitude)
        {
            return "south_west must be south of north_east";
        }
        return null;
    }

    /// <summary>Inside the box, edges included; a box whose west edge is east of its east edge crosses the antimeridian.</summary>
    public static bool Contains(GeoBox box, GeoPoint point)
    {
        if (box.SouthWest is not { } sw || box.NorthEast is not { } ne)
        {
            return false;
        }
        var latitudeInside = point.Latitude >= sw.Latitude && point.Latitude <= ne.Latitude;
        var longitudeInside = sw.Longitude <= ne.Longitude
            ? point.Longitude >= sw.Longitude && point.Longitude <= ne.Longitude
            : point.Longitude >= sw.Longitude || point.Longitude <= ne.Longitude;
        return latitudeInside && longitudeInside;
    }
}
