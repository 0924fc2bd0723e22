using Analysis.Domain.Series;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// The spatial index's cells: rows of fixed latitude height (<c>cellMeters</c>), each row cut into columns whose
/// width in degrees grows with the latitude, so a cell is close to <c>cellMeters</c> square anywhere. A search
/// reads the cells a circle touches, nearest first. Positions near the antimeridian are not wrapped (a circle
/// crossing it misses the far side).
/// </summary>
public sealed class SpatialGrid(double cellMeters)
{
    private const double MetresPerDegreeLatitude = Geo.EarthRadiusM * Math.PI / 180;
    private const double MaxLatitude = 85.05112878;

    public double CellMeters => cellMeters;

    private double RowDegrees => cellMeters / MetresPerDegreeLatitude;

    /// <summary>The cell holding <paramref name="point"/>: the same on every replica and after restarts.</summary>
    public GridCell CellOf(GeoPoint point) => CellOf(point.Latitude, point.Longitude);

    public GridCell CellOf(double latitude, double longitude)
    {
        var row = RowOf(latitude);
        return new GridCell(row, ColumnOf(row, longitude));
    }

    /// <summary>
    /// Every cell with some point within <paramref name="radiusMeters"/> of <paramref name="center"/>, with the
    /// distance from the centre to its nearest point (0 for the centre's own cell), into <paramref name="cells"/> (cleared
    /// first): a search asks several times, so it keeps one list instead of an iterator each time.
    /// </summary>
    public void Cells(GeoPoint center, double radiusMeters, List<(GridCell Cell, double NearestMeters)> cells)
    {
        cells.Clear();
        var latitudeDegrees = radiusMeters / MetresPerDegreeLatitude;
        var plane = new Plane(MetresPerDegreeLatitude * Math.Cos(double.DegreesToRadians(center.Latitude)), Geo.PlaneErrorPerSquareMetre(center.Latitude));
        var firstRow = RowOf(Math.Max(-MaxLatitude, center.Latitude - latitudeDegrees));
        var lastRow = RowOf(Math.Min(MaxLatitude, center.Latitude + latitudeDegrees));
        for (var row = firstRow; row <= lastRow; row++)
        {
            var south = row * RowDegrees;
            var north = south + RowDegrees;
            // A conservative longitude span: metres per degree of longitude are fewest at the largest |latitude| the circle reaches in this row.
            var farthestLatitude = Math.Min(MaxLatitude, Math.Max(Math.Abs(Math.Max(south, center.Latitude - latitudeDegrees)), Math.Abs(Math.Min(north, center.Latitude + latitudeDegrees))));
            var longitudeDegrees = radiusMeters / (MetresPerDegreeLatitude * Math.Cos(double.DegreesToRadians(farthestLatitude)));
            var firstColumn = ColumnOf(row, Math.Max(-180, center.Longitude - longitudeDegrees));
            var lastColumn = ColumnOf(row, Math.Min(180, center.Longitude + longitudeDegrees));
            var width = ColumnDegrees(row);
            for (var column = firstColumn; column <= lastColumn; column++)
            {
                var west = column * width;
                var nearest = NearestMeters(center, plane, south, north, west, west + width);
                if (nearest <= radiusMeters)
                {
                    cells.Add((new GridCell(row, column), nearest));
                }
            }
        }
    }

    /// <summary>
    /// Distance from <paramref name="center"/> to the closest point of the cell (the clamped point), never more than the
    /// great-circle distance: measured on the plane at the centre (no trigonometry per cell) less that plane's error bound.
    /// </summary>
    private static double NearestMeters(GeoPoint center, Plane plane, double south, double north, double west, double east)
    {
        var latitude = Math.Clamp(center.Latitude, south, north);
        var longitude = Math.Clamp(center.Longitude, west, east);
        if (latitude == center.Latitude && longitude == center.Longitude)
        {
            return 0;
        }
        var northMeters = (latitude - center.Latitude) * MetresPerDegreeLatitude;
        var eastMeters = (longitude - center.Longitude) * plane.MetresPerDegreeLongitude;
        var meters = Math.Sqrt(northMeters * northMeters + eastMeters * eastMeters);
        return Math.Max(0, meters - 1 - meters * meters * plane.ErrorPerSquareMetre);
    }

    /// <summary>The plane at a search's centre: metres per degree of longitude there, and its error bound.</summary>
    private readonly record struct Plane(double MetresPerDegreeLongitude, double ErrorPerSquareMetre);

    private long RowOf(double latitude) => (long)Math.Floor(latitude / RowDegrees);

    private long ColumnOf(long row, double longitude) => (long)Math.Floor(longitude / ColumnDegrees(row));

    private double ColumnDegrees(long row)
    {
        var latitude = Math.Clamp((row + 0.5) * RowDegrees, -MaxLatitude, MaxLatitude);
        return cellMeters / (MetresPerDegreeLatitude * Math.Cos(double.DegreesToRadians(latitude)));
    }
}

/// <summary>One cell of a <see cref="SpatialGrid"/>: its row (latitude band) and column.</summary>
public readonly record struct GridCell(long Row, long Column)
{
    public override string ToString() => $"{Row}:{Column}";
}
