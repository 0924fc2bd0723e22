using Analysis.Domain;
using Analysis.Domain.Hotspots;
using Analysis.Infrastructure;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class HotspotCounterTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly GeoPoint Market = new() { Latitude = 30.2590, Longitude = 120.1480 };
    private static readonly HotspotRule Rule = new(new HotspotOptions());

    private readonly ManualClock _clock = new() { Now = Noon };
    private readonly HotspotCounter _counter;

    public HotspotCounterTests() => _counter = new HotspotCounter(Rule, new HotspotGrid(600), _clock);

    private string Cell => _counter.Grid.CellOf(Market);

    private (HotspotCounts Counts, DateTimeOffset End) HourAt(DateTimeOffset at) => _counter.CountAt(Cell, IncidentCategory.Theft, at)[0];

    [Fact]
    public void A_window_counts_its_hour_and_the_baseline_before_it()
    {
        _counter.Add(Market, IncidentCategory.Theft, "last-week", Noon.AddDays(-7));
        _counter.Add(Market, IncidentCategory.Theft, "yesterday", Noon.AddDays(-1));
        _counter.Add(Market, IncidentCategory.Theft, "too-old", Noon.AddDays(-29)); // before the 28-day baseline
        _counter.Add(Market, IncidentCategory.Theft, "a", Noon.AddMinutes(-50));
        _counter.Add(Market, IncidentCategory.Theft, "b", Noon);
        _counter.Add(Market, IncidentCategory.Burglary, "other-category", Noon);

        var (counts, end) = HourAt(Noon);

        Assert.Equal(Noon, end);
        Assert.Equal(new HotspotCounts(2, 2), counts);
    }

    [Fact]
    public void A_window_ends_at_the_latest_incident_within_its_length_after_the_one_judged()
    {
        // The incident that completes the cluster in event time may be counted before the others (partitions run in parallel).
        _counter.Add(Market, IncidentCategory.Theft, "first", Noon);
        _counter.Add(Market, IncidentCategory.Theft, "second", Noon.AddMinutes(20));
        _counter.Add(Market, IncidentCategory.Theft, "third", Noon.AddMinutes(40));
        _counter.Add(Market, IncidentCategory.Theft, "next-day", Noon.AddDays(1));

        var (counts, end) = HourAt(Noon);

        Assert.Equal(Noon.AddMinutes(40), end);
        Assert.Equal(3, counts.InWindow);
    }

    [Fact]
    public void Adding_an_incident_again_counts_it_once_and_a_corrected_time_moves_it()
    {
        _counter.Add(Market, IncidentCategory.Theft, "a", Noon);
        _counter.Add(Market, IncidentCategory.Theft, "a", Noon);
        Assert.Equal(1, HourAt(Noon).Counts.InWindow);

        _counter.Add(Market, IncidentCategory.Theft, "a", Noon.AddDays(-2));

        Assert.Equal(new HotspotCounts(0, 1), HourAt(Noon).Counts);
    }

    [Fact]
    public void GetHotspots_reads_the_cells_whose_centre_is_in_the_area_and_idle_cells_go()
    {
        var far = new GeoPoint { Latitude = 31.2304, Longitude = 121.4737 };
        _counter.Add(Market, IncidentCategory.Theft, "a", Noon.AddMinutes(-10));
        _counter.Add(far, IncidentCategory.Theft, "b", Noon.AddMinutes(-10));
        var area = new GeoBox
        {
            SouthWest = new GeoPoint { Latitude = 30.2, Longitude = 120.1 },
            NorthEast = new GeoPoint { Latitude = 30.3, Longitude = 120.2 },
        };

        var found = _counter.CountIn(area, IncidentCategory.Theft, Noon, Rule.Windows[0]);

        var (cellId, center, counts) = Assert.Single(found);
        Assert.Equal(Cell, cellId);
        Assert.True(GeoBoxes.Contains(area, center));
        Assert.Equal(new HotspotCounts(1, 0), counts);

        _clock.Now += Rule.BaselinePeriod + TimeSpan.FromMinutes(1);
        _counter.RemoveIdle(_clock.GetUtcNow());
        Assert.Empty(_counter.CountIn(area, IncidentCategory.Theft, Noon, Rule.Windows[0]));
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
