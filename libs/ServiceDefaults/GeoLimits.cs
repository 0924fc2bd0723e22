namespace ServiceDefaults;

/// <summary>
/// The latitudes the suite can place on a map and in a Redis GEO index (Web Mercator):
/// beyond ±85.05° nothing can be searched by distance, so such positions are refused at the door.
/// </summary>
public static class GeoLimits
{
    public const double MaxLatitude = 85.05112878;

    public static bool IsValid(double latitude, double longitude)
        => double.IsFinite(latitude) && Math.Abs(latitude) <= MaxLatitude
           && double.IsFinite(longitude) && Math.Abs(longitude) <= 180
           && !(latitude == 0 && longitude == 0); // Null Island: what a device sends when it has no fix
}
