using System.Globalization;
using Contracts.Common.V1;

namespace Analysis.Domain.Hotspots;

/// <summary>
/// Square-ish cells of about <c>cellMeters</c>: rows of fixed latitude height, each row cut into
/// columns whose width in degrees grows with the latitude, so a cell is close to square anywhere.
/// A cell id is "row:column", stable across replicas and restarts.
/// </summary>
public sealed class HotspotGrid(double cellMeters)
{
    private const double MetersPerDegreeLatitude = 111_320;

    public double CellMeters => cellMeters;

    private double RowDegrees => cellMeters / MetersPerDegreeLatitude;

    public string CellOf(GeoPoint point)
    {
        var row = (long)Math.Floor(point.Latitude / RowDegrees);
        var column = (long)Math.Floor(point.Longitude / ColumnDegrees(row));
        return string.Create(CultureInfo.InvariantCulture, $"{row}:{column}");
    }

    public GeoPoint Center(string cellId)
    {
        var parts = cellId.Split(':');
        var row = long.Parse(parts[0], CultureInfo.InvariantCulture);
        var column = long.Parse(parts[1], CultureInfo.InvariantCulture);
        return new GeoPoint
        {
            Latitude = Math.Round((row + 0.5) * RowDegrees, 6),
            Longitude = Math.Round((column + 0.5) * ColumnDegrees(row), 6),
        };
    }

    private double ColumnDegrees(long row)
    {
        var latitude = Math.Clamp((row + 0.5) * RowDegrees, -85.0, 85.0);
        return cellMeters / (MetersPerDegreeLatitude * Math.Cos(double.DegreesToRadians(latitude)));
    }
}
