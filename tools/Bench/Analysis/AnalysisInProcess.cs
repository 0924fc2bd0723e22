using System.Diagnostics;
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
/// `analysis --in-process`: without a broker or Redis, (1) what every Analysis replica holds in memory per incident
/// (the spatial index with the series features of property crimes, and the hotspot counts), each incident read from
/// its bytes as the index feed reads it, so only what the index keeps stays allocated; (2) what the series step's two
/// in-memory parts cost per property crime, on one thread over the whole month indexed: the candidate search (the
/// nearest `MaxCandidates` in radius and window, of which it keeps, as the analyser's does, those whose bound could link)
/// and the exact scoring of those.
/// Run-to-run steadier than the full bench, so it resolves changes to those two.
/// </summary>
internal static class AnalysisInProcess
{
    public static int Run(IncidentBacklog backlog)
    {
        var incidents = backlog.ParseIncidents().ToList();
        var records = incidents.Select(i => i.ToByteArray()).ToList();
        var properties = incidents.Count(i => SeriesFeatures.IsSeriesCategory(i.Report.Category));
        var analysisOptions = Options.Create(new AnalysisOptions());
        var seriesOptions = new SeriesOptions { TimeZoneId = "Asia/Shanghai" };
        var hotspotOptions = new HotspotOptions();
        var index = new SpatialIndex(analysisOptions);
        var hotspots = new HotspotCounter(new HotspotRule(hotspotOptions), new HotspotGrid(hotspotOptions.CellMeters), TimeProvider.System);
        var indexing = new IncidentIndexing(index, hotspots, analysisOptions, Options.Create(seriesOptions), Options.Create(new DuplicateOptions()), Options.Create(hotspotOptions));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var now = DateTimeOffset.UtcNow;
        var indexed = records.Count(record => indexing.Add(Incident.Parser.ParseFrom(record), now) is not null);
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var perIncident = (after - before) / (double)indexed;
        Console.WriteLine($"in memory: {indexed:N0} incidents indexed ({properties * 100.0 / records.Count:0} % property crimes, with their series features), "
            + $"{(after - before) / 1048576.0:N0} MiB = {perIncident:N0} B per incident = {perIncident * 1e6 / 1073741824:N2} GiB per million");

        // Adding again changes nothing in the index; it hands back what the analyser searches with.
        var series = records.Select(record => indexing.Add(Incident.Parser.ParseFrom(record), now)).OfType<IndexedIncident>().Where(i => i.Features is not null).ToList();
        var scoring = new CandidateScoring(new SeriesScorer(seriesOptions));
        var nearby = new NearbySearch(index, Options.Create(seriesOptions), Options.Create(new DuplicateOptions()));
        // The first pass compiles and warms up; of the measured passes the fastest is shown (the machine's speed varies
        // between passes; the least disturbed pass is the steadiest figure), with the slowest for the spread.
        const int MeasuredPasses = 3;
        var passes = new List<(double Search, double Score)>();
        double allocatedPerCrime = 0;
        for (var pass = 0; pass <= MeasuredPasses; pass++)
        {
            var searchTime = TimeSpan.Zero;
            var scoreTime = TimeSpan.Zero;
            long candidates = 0, scored = 0;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            foreach (var entry in pass == 0 ? series.Take(2000) : series)
            {
                var features = entry.Features!;
                var started = Stopwatch.GetTimestamp();
                var list = nearby.Find(features.IncidentId, features.Category, features.Location!, entry, scoring.Linkable(entry.Sketch)).SeriesCandidates;
                var searched = Stopwatch.GetTimestamp();
                var result = scoring.ScoreAsync(features, entry.Sketch, list, nearMisses: 0, ids => Task.FromResult(index.Features(ids))).GetAwaiter().GetResult();
                searchTime += Stopwatch.GetElapsedTime(started, searched);
                scoreTime += Stopwatch.GetElapsedTime(searched);
                candidates += list.Count;
                scored += result.Count;
            }
            if (pass > 0)
            {
                passes.Add((searchTime.TotalMicroseconds / series.Count, scoreTime.TotalMicroseconds / series.Count));
                allocatedPerCrime = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)series.Count;
            }
            if (pass == MeasuredPasses)
            {
                Console.WriteLine($"series step in memory, one thread, {series.Count:N0} property crimes, fastest of {MeasuredPasses} passes (slowest): "
                    + $"search {passes.Min(p => p.Search):N0} us ({passes.Max(p => p.Search):N0}) keeping {candidates / (double)series.Count:N1} of the nearest {seriesOptions.MaxCandidates}, "
                    + $"scoring {passes.Min(p => p.Score):N0} us ({passes.Max(p => p.Score):N0}) with {scored / (double)series.Count:N1} scored exactly, "
                    + $"{allocatedPerCrime / 1024:N1} KiB allocated, per property crime");
            }
        }
        GC.KeepAlive(indexing);
        return 0;
    }
}
