using Analysis.Application;
using Analysis.Domain;
using Analysis.Domain.Hotspots;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Common.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Bench.Analysis;

/// <summary>
/// `analysis --memory`: what every Analysis replica holds in memory per incident (the spatial index with the series
/// features of property crimes, and the hotspot counts), measured in this process without a broker: each incident is
/// read from its bytes as the index feed reads it, so only what the index keeps stays allocated.
/// </summary>
internal static class AnalysisMemory
{
    public static int Run(IncidentBacklog backlog)
    {
        var records = backlog.Incidents.Select(i => i.ToByteArray()).ToList();
        var properties = backlog.Incidents.Count(i => SeriesFeatures.IsSeriesCategory(i.Report.Category));
        var hotspotOptions = new HotspotOptions();
        var index = new SpatialIndex(Options.Create(new AnalysisOptions()));
        var hotspots = new HotspotCounter(new HotspotRule(hotspotOptions), new HotspotGrid(hotspotOptions.CellMeters), TimeProvider.System);
        var indexing = new IncidentIndexing(index, hotspots, Options.Create(new AnalysisOptions()), Options.Create(new SeriesOptions()),
            Options.Create(new DuplicateOptions()), Options.Create(hotspotOptions));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var now = DateTimeOffset.UtcNow;
        var indexed = records.Count(record => indexing.Add(Incident.Parser.ParseFrom(record), now) is not null);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(indexing);

        var perIncident = (after - before) / (double)indexed;
        Console.WriteLine($"in memory: {indexed:N0} incidents indexed ({properties * 100.0 / records.Count:0} % property crimes, with their series features), "
            + $"{(after - before) / 1048576.0:N0} MiB = {perIncident:N0} B per incident = {perIncident * 1e6 / 1073741824:N2} GiB per million");
        return 0;
    }
}
