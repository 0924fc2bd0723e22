using Analysis.Domain;
using Analysis.Domain.Series;
using Contracts.Common.V1;
using static Analysis.UnitTests.Series.SeriesTestData;

namespace Analysis.UnitTests.Series;

public sealed class CandidateScoringTests
{
    private static readonly SeriesOptions Options = new() { TimeZoneId = "Asia/Shanghai" };
    private static readonly SeriesScorer Scorer = new(Options);

    [Fact]
    public void A_sketch_carries_what_the_bound_needs_of_the_features()
    {
        var features = SeriesFeatures.From(Burglary("inc-7f3a", plate: "粤B 12345", suspects: [Suspect(marks: "scar on right cheek")]));
        var sketch = CandidateSketch.Of(features, new GeoPoint { Latitude = 22.5431, Longitude = 114.0579 }, Options.TimeZone);

        Assert.True(sketch is { HasSuspects: true, HasMarks: true, HasVehicle: true, Latitude: 22.5431, Longitude: 114.0579 });
        Assert.NotEqual(0u, sketch.Plate);
        Assert.Equal(features.OccurredAt, sketch.OccurredAt);
    }

    [Fact]
    public void No_pair_scores_above_the_bound_of_its_sketches()
    {
        var random = new Random(7);
        var incidents = Enumerable.Range(0, 400).Select(i => RandomIncident(random, $"i{i:D3}")).ToList();
        for (var i = 0; i < incidents.Count; i++)
        {
            for (var j = i + 1; j < incidents.Count; j += 7)
            {
                var (a, b) = (incidents[i], incidents[j]);
                var exact = Scorer.Score(a.Features, b.Features).Score;
                var bound = Scorer.UpperBound(a.Sketch, b.Sketch);
                Assert.True(exact <= bound, $"{a.Features.IncidentId}/{b.Features.IncidentId}: exact {exact} above its bound {bound}");
                // The analyser's shortcut decides as the bound does.
                var distance = Geo.DistanceM(a.Sketch.Latitude, a.Sketch.Longitude, b.Sketch.Latitude, b.Sketch.Longitude);
                Assert.Equal(Scorer.UpperBoundLogit(a.Sketch, b.Sketch, distance) >= Scorer.LinkThresholdLogit,
                    Scorer.CouldLink(a.Sketch, b.Sketch, distance, Scorer.LinkThresholdLogit));
                // The search's first test, without the distance, never turns away a pair that could link at its distance.
                Assert.True(Scorer.CouldLinkSomewhere(a.Sketch, b.Sketch, Scorer.LinkThresholdLogit) || !Scorer.CouldLink(a.Sketch, b.Sketch, distance, Scorer.LinkThresholdLogit));
            }
        }
    }

    [Fact]
    public void A_pair_only_a_spree_could_link_passes_the_searchs_first_test_and_its_distance_decides()
    {
        // Nothing in common but the category and the hour: only one night out, a few streets apart, lifts it over the bar.
        var a = Of(Burglary("a", entry: "", target: "", taken: [], suspects: [], at: Night));
        var near = Of(Burglary("near", longitude: LongitudeEast(0.1), entry: "", target: "", taken: [], suspects: [], at: Night.AddMinutes(20)));
        var far = Of(Burglary("far", longitude: LongitudeEast(8), entry: "", target: "", taken: [], suspects: [], at: Night.AddMinutes(20)));
        var bar = Scorer.LinkThresholdLogit;

        Assert.True(Scorer.CouldLink(a.Sketch, near.Sketch, Distance(a, near), bar));
        Assert.False(Scorer.CouldLink(a.Sketch, far.Sketch, Distance(a, far), bar));
        Assert.True(Scorer.CouldLinkSomewhere(a.Sketch, far.Sketch, bar));
    }

    private static double Distance(Sample a, Sample b) => Geo.DistanceM(a.Sketch.Latitude, a.Sketch.Longitude, b.Sketch.Latitude, b.Sketch.Longitude);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(20)]
    [InlineData(300)]
    public async Task Links_and_kept_near_misses_are_those_of_scoring_every_candidate(int nearMisses)
    {
        var random = new Random(11 + nearMisses);
        for (var round = 0; round < 20; round++)
        {
            var incident = RandomIncident(random, "new");
            var candidates = Enumerable.Range(0, 300).Select(i => RandomIncident(random, $"c{i:D3}")).ToList();
            // Of a crew: a few look like the new incident, so some pairs link.
            candidates.AddRange(Enumerable.Range(0, 5).Select(i => Twin(incident, random, $"t{i}")));
            var byId = candidates.ToDictionary(c => c.Features.IncidentId, c => c.Features);
            // One candidate has left the store since it was indexed: never scored, never kept.
            byId.Remove(candidates[random.Next(candidates.Count)].Features.IncidentId);
            var read = 0;
            Task<IReadOnlyList<SeriesFeatures>> Read(IReadOnlyList<string> ids)
            {
                read += ids.Count;
                return Task.FromResult<IReadOnlyList<SeriesFeatures>>([.. ids.Where(byId.ContainsKey).Select(id => byId[id])]);
            }

            var scored = await new CandidateScoring(Scorer).ScoreAsync(incident.Features, incident.Sketch,
                [.. candidates.Select(c => Near(incident, c.Features.IncidentId, c.Sketch))], nearMisses, Read);

            var everything = candidates.Where(c => byId.ContainsKey(c.Features.IncidentId)).Select(c => c.Features).ToList();
            var full = everything.Zip(Scorer.ScoreCandidates(incident.Features, everything), (f, s) => (f.IncidentId, s.Score, s.Linked)).ToList();
            Assert.Equal(Kept(full, nearMisses), Kept(scored.Select(s => (s.Features.IncidentId, s.Score.Score, s.Score.Linked)), nearMisses));
            Assert.Equal(scored.OrderBy(s => s.Index).Select(s => s.Index), scored.Select(s => s.Index));
            if (nearMisses <= 20)
            {
                Assert.True(read < candidates.Count / 2, $"read {read} of {candidates.Count} candidates");
            }
        }
    }

    [Fact]
    public async Task An_incident_indexed_twice_is_scored_once()
    {
        var incident = Of(Burglary("new"));
        var twin = Of(Burglary("twin", longitude: LongitudeEast(0.3), at: Night.AddHours(1)));
        var resent = Of(Burglary("twin", longitude: LongitudeEast(0.5), at: Night.AddHours(1), suspects: []));

        var scored = await new CandidateScoring(Scorer).ScoreAsync(incident.Features, incident.Sketch,
            [Near(incident, "twin", twin.Sketch), Near(incident, "twin", resent.Sketch)], nearMisses: 20,
            ids => Task.FromResult<IReadOnlyList<SeriesFeatures>>([.. ids.Select(_ => twin.Features)]));

        var only = Assert.Single(scored);
        Assert.Equal(0, only.Index);
    }

    /// <summary>What the pipeline stores: every link, and the best misses in candidate order among equals.</summary>
    private static List<(string Id, double Score)> Kept(IEnumerable<(string Id, double Score, bool Linked)> scored, int nearMisses)
    {
        var list = scored.ToList();
        return [.. list.Where(s => s.Linked).Concat(list.Where(s => !s.Linked).OrderByDescending(s => s.Score).Take(nearMisses)).Select(s => (s.Id, s.Score))];
    }

    private sealed record Sample(SeriesFeatures Features, CandidateSketch Sketch);

    /// <summary>A candidate as the index finds it around <paramref name="incident"/>.</summary>
    private static NearbyIncident Near(Sample incident, string id, CandidateSketch sketch)
        => new(new IndexEntries([IndexSlot.Of(id, sketch, sketch.OccurredAtUtcTicks)], [sketch], [id], [long.MaxValue], [long.MaxValue], 1, 1), 0,
            Geo.DistanceM(incident.Sketch.Latitude, incident.Sketch.Longitude, sketch.Latitude, sketch.Longitude));

    private static readonly string[] Methods = ["door-pull", "window-smash", "roller-door-pry", "lock-cut", ""];
    private static readonly string[] Targets = ["phone-shop", "roller-door-shop", "residence", ""];
    private static readonly string[] Loot = ["cash", "phones", "cigarettes", "goods", "laptop"];
    private static readonly string[] Plates = ["粤B12345", "粤B54321", "粤B8D000", ""];

    private static Sample RandomIncident(Random random, string id)
    {
        var suspects = Enumerable.Range(0, random.Next(0, 3)).Select(_ => Suspect(
            sex: random.Next(2) == 0 ? "male" : "female", ageMin: random.Next(18, 40), ageMax: random.Next(40, 50), height: random.Next(150, 190),
            build: random.Next(2) == 0 ? "slim" : "heavy", clothing: random.Next(2) == 0 ? "black hoodie" : "red jacket",
            marks: random.Next(5) == 0 ? "scar on right cheek" : "")).ToArray();
        var incident = Burglary(id,
            latitude: 22.5431 + (random.NextDouble() - 0.5) * 0.08,
            longitude: LongitudeEast((random.NextDouble() - 0.5) * 8),
            at: Night.AddHours(random.NextDouble() * 24 * 20 - 24 * 10),
            entry: Methods[random.Next(Methods.Length)],
            target: Targets[random.Next(Targets.Length)],
            taken: [.. Loot.Where(_ => random.Next(3) == 0)],
            plate: Plates[random.Next(Plates.Length)],
            suspects: suspects,
            category: random.Next(4) == 0 ? IncidentCategory.Theft : IncidentCategory.Burglary);
        if (random.Next(10) == 0)
        {
            incident.Report.OccurredAt = null; // unknown time: counts as half the window away
        }
        return Of(incident);
    }

    /// <summary>The same crew a few hundred metres and hours away.</summary>
    private static Sample Twin(Sample of, Random random, string id)
    {
        var incident = Burglary(id,
            latitude: of.Sketch.Latitude + (random.NextDouble() - 0.5) * 0.004,
            longitude: of.Sketch.Longitude + (random.NextDouble() - 0.5) * 0.004,
            at: (of.Features.OccurredAt ?? Night).AddHours(random.NextDouble() * 3),
            entry: of.Features.EntryMethod, target: of.Features.TargetType, taken: [.. of.Features.PropertyTaken],
            plate: of.Features.Vehicle?.Plate ?? "");
        return Of(incident);
    }

    private static Sample Of(Incident incident)
    {
        var features = SeriesFeatures.From(incident);
        return new Sample(features, CandidateSketch.Of(features, incident.Report.Location, Options.TimeZone));
    }
}
