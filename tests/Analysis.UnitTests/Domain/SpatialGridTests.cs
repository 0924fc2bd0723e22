using Analysis.Application;
using Analysis.Domain;
using Analysis.Domain.Series;
using Contracts.Common.V1;

namespace Analysis.UnitTests.Domain;

public sealed class SpatialGridTests
{
    private readonly SpatialGrid _grid = new(1000);

    private List<(GridCell Cell, double NearestMeters)> CellsOf(GeoPoint center, double radiusMeters)
    {
        var cells = new List<(GridCell Cell, double NearestMeters)>();
        _grid.Cells(center, radiusMeters, cells);
        return cells;
    }

    [Theory]
    [InlineData(22.55, 114.05, 150)]
    [InlineData(22.55, 114.05, 1000)]
    [InlineData(22.55, 114.05, 12_000)]
    [InlineData(59.93, 10.75, 2500)]
    [InlineData(-33.87, 151.21, 700)]
    public void Every_point_within_the_radius_lies_in_a_returned_cell(double latitude, double longitude, double radius)
    {
        var center = new GeoPoint { Latitude = latitude, Longitude = longitude };
        var cells = CellsOf(center, radius).ToDictionary(c => c.Cell, c => c.NearestMeters);
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bearing = random.NextDouble() * 2 * Math.PI;
            var distance = Math.Sqrt(random.NextDouble()) * radius * 0.999;
            var point = Geo.Move(center, distance * Math.Sin(bearing), distance * Math.Cos(bearing));
            Assert.True(cells.ContainsKey(_grid.CellOf(point)), $"{point} at {distance:0} m is in cell {_grid.CellOf(point)}, not among the {cells.Count} returned");
        }
        Assert.Equal(0, cells[_grid.CellOf(center)]);
        Assert.All(cells.Values, nearest => Assert.InRange(nearest, 0, radius));
    }

    [Fact]
    public void A_small_circle_reads_at_most_the_four_cells_around_a_corner()
    {
        var center = new GeoPoint { Latitude = 22.55, Longitude = 114.05 };
        Assert.InRange(CellsOf(center, 150).Count, 1, 4);
    }

    [Fact]
    public void Cells_far_outside_the_circle_are_not_read()
    {
        var center = new GeoPoint { Latitude = 22.55, Longitude = 114.05 };
        // A 3 km circle covers 28 km²; the cells it touches add about a cell's width around it (~43), fewer than the 49 of its bounding square.
        Assert.InRange(CellsOf(center, 3000).Count, 28, 46);
    }
}

public sealed class AnalysisStatsTests
{
    [Fact]
    public void Percentiles_are_within_the_bucket_width_of_the_exact_values_and_the_interval_starts_empty_again()
    {
        var stats = new AnalysisStats();
        for (var i = 1; i <= 1000; i++)
        {
            stats.Record(i / 10.0); // 0.1 .. 100 ms
        }
        var interval = stats.TakeInterval();
        Assert.Equal(1000, interval.Count);
        Assert.Equal(1000, interval.Total);
        Assert.InRange(interval.P50Ms, 50 * 0.98, 50 * 1.02);
        Assert.InRange(interval.P99Ms, 99 * 0.98, 99 * 1.02);
        Assert.Equal(100, interval.MaxMs);

        stats.Record(3);
        var next = stats.TakeInterval();
        Assert.Equal(1, next.Count);
        Assert.Equal(1001, next.Total);
        Assert.InRange(next.P99Ms, 3 * 0.98, 3);
    }
}
