using Analysis.Domain.Series;
using Contracts.Common.V1;
using static Analysis.UnitTests.Series.SeriesTestData;

namespace Analysis.UnitTests.Series;

public sealed class SeriesScorerTests
{
    private static readonly SeriesScorer Scorer = new(new SeriesOptions());

    [Fact]
    public void Same_method_target_and_suspect_close_in_space_and_time_is_linked_with_plain_words()
    {
        var a = Burglary("a");
        var b = Burglary("b", longitude: LongitudeEast(0.38), at: Night.AddHours(2));
        var noSuspects = Burglary("c", longitude: LongitudeEast(0.38), at: Night.AddHours(2), taken: [], suspects: []);

        Assert.Equal("same entry method 'door-pull', 380 m and 2 h apart", Scorer.Score(a, noSuspects).Evidence[0]);

        var score = Scorer.Score(a, b);

        Assert.True(score.Linked);
        Assert.InRange(score.Score, 0.7, 1);
        // The strongest behavioural match leads, joined to the space-time gap.
        Assert.StartsWith("similar suspect description (male, 20-30, 175 cm, slim", score.Evidence[0], StringComparison.Ordinal);
        Assert.EndsWith(", 380 m and 2 h apart", score.Evidence[0], StringComparison.Ordinal);
        Assert.Contains("same entry method 'door-pull'", score.Evidence);
        Assert.Contains("same target type 'phone-shop'", score.Evidence);
    }

    [Fact]
    public void Score_is_symmetric()
    {
        var a = Burglary("a", plate: "粤B 12345", suspects: [Suspect(), Suspect(sex: "female", height: 160)]);
        var b = Burglary("b", longitude: LongitudeEast(3), at: Night.AddDays(2).AddHours(1), entry: "window-smash", suspects: [Suspect(height: 180)]);

        Assert.Equal(Scorer.Score(a, b).Score, Scorer.Score(b, a).Score, 12);
    }

    [Fact]
    public void Different_method_target_and_suspect_far_apart_is_not_linked()
    {
        var a = Burglary("a");
        var b = Burglary("b", longitude: LongitudeEast(9), at: Night.AddDays(12).AddHours(12), entry: "window-smash", target: "pharmacy",
            taken: ["medicine"], suspects: [Suspect(sex: "female", ageMin: 45, ageMax: 55, height: 158, build: "heavy", clothing: "red coat")]);

        var score = Scorer.Score(a, b);

        Assert.False(score.Linked);
        Assert.InRange(score.Score, 0, 0.05);
        Assert.Contains("different entry method ('door-pull' vs 'window-smash')", score.Evidence);
    }

    [Fact]
    public void Each_matching_feature_raises_the_score()
    {
        var a = Burglary("a", plate: "B12345", suspects: [Suspect(marks: "dragon tattoo left arm")]);
        var bare = new Contracts.Common.V1.Incident
        {
            IncidentId = "b",
            Report = new Report
            {
                Category = IncidentCategory.Burglary,
                OccurredAt = a.Report.OccurredAt,
                Location = new GeoPoint { Latitude = 22.5431, Longitude = LongitudeEast(2) },
                ModusOperandi = new ModusOperandi(),
            },
        };
        var previous = Scorer.Score(a, bare).Score;
        var steps = new Action<Report>[]
        {
            r => r.ModusOperandi.EntryMethod = "Door Pull",
            r => r.ModusOperandi.TargetType = "phone_shop",
            r => r.ModusOperandi.PropertyTaken.Add("phones"),
            r => r.Parties.Add(Suspect()),
            r => r.Parties[0].DistinguishingMarks = "tattoo of a dragon, left arm",
            r => r.ModusOperandi.Vehicle = new Vehicle { Plate = "b-12345" },
        };
        foreach (var step in steps)
        {
            step(bare.Report);
            var next = Scorer.Score(a, bare).Score;
            Assert.True(next > previous, $"after a step the score went from {previous} to {next}");
            previous = next;
        }
    }

    [Fact]
    public void Closer_in_space_or_time_scores_higher()
    {
        var a = Burglary("a");
        double ScoreAt(double km, double hours) => Scorer.Score(a, Burglary("b", longitude: LongitudeEast(km), at: Night.AddHours(hours))).Score;

        Assert.True(ScoreAt(0.5, 2) > ScoreAt(3, 2));
        Assert.True(ScoreAt(3, 2) > ScoreAt(10, 2));
        Assert.True(ScoreAt(1, 24) > ScoreAt(1, 24 * 7));
    }

    [Fact]
    public void A_district_line_between_incidents_changes_nothing_but_is_reported()
    {
        var a = Burglary("a", district: "Futian");
        var sameDistrict = Burglary("b", longitude: LongitudeEast(1), at: Night.AddHours(3), district: "Futian");
        var otherDistrict = Burglary("b", longitude: LongitudeEast(1), at: Night.AddHours(3), district: "Nanshan");

        var inside = Scorer.Score(a, sameDistrict);
        var across = Scorer.Score(a, otherDistrict);

        Assert.Equal(inside.Score, across.Score);
        Assert.True(across.Linked);
        Assert.Contains("crosses districts (Futian and Nanshan)", across.Evidence);
    }

    [Fact]
    public void A_missing_field_is_no_evidence_while_a_different_one_is_evidence_against()
    {
        var a = Burglary("a");
        var missing = Burglary("b", longitude: LongitudeEast(1), entry: "");
        var same = Burglary("b", longitude: LongitudeEast(1));
        var different = Burglary("b", longitude: LongitudeEast(1), entry: "window-smash");

        var scoreMissing = Scorer.Score(a, missing).Score;

        Assert.True(Scorer.Score(a, same).Score > scoreMissing);
        Assert.True(Scorer.Score(a, different).Score < scoreMissing);
    }

    [Fact]
    public void The_same_plate_links_even_with_little_else_known()
    {
        var a = Burglary("a", plate: "粤B·12345", entry: "", target: "", taken: [], suspects: []);
        var b = Burglary("b", longitude: LongitudeEast(4), at: Night.AddDays(1), plate: "粤B12345", entry: "", target: "", taken: [], suspects: []);

        var score = Scorer.Score(a, b);

        Assert.True(score.Linked);
        Assert.Equal("same vehicle plate '粤B12345', 4.0 km and 24 h apart", score.Evidence[0]);
    }

    [Fact]
    public void Time_of_day_wraps_around_midnight()
    {
        var a = Burglary("a", at: new DateTimeOffset(2026, 3, 2, 23, 30, 0, TimeSpan.Zero));
        var b = Burglary("b", longitude: LongitudeEast(1), at: new DateTimeOffset(2026, 3, 4, 0, 30, 0, TimeSpan.Zero));
        var c = Burglary("c", longitude: LongitudeEast(1), at: new DateTimeOffset(2026, 3, 4, 11, 30, 0, TimeSpan.Zero));

        Assert.Contains("similar time of day (23:30 and 00:30)", Scorer.Score(a, b).Evidence);
        Assert.Contains("different time of day (23:30 and 11:30)", Scorer.Score(a, c).Evidence);
    }

    [Fact]
    public void Evidence_hours_are_in_the_configured_time_zone()
    {
        var scorer = new SeriesScorer(new SeriesOptions { TimeZoneId = "Asia/Shanghai" });
        var a = Burglary("a", at: new DateTimeOffset(2026, 3, 2, 18, 0, 0, TimeSpan.Zero));
        var b = Burglary("b", longitude: LongitudeEast(1), at: new DateTimeOffset(2026, 3, 3, 19, 0, 0, TimeSpan.Zero));

        Assert.Contains("similar time of day (02:00 and 03:00)", scorer.Score(a, b).Evidence);
    }

    [Fact]
    public void The_link_threshold_decides_linked()
    {
        var a = Burglary("a");
        var b = Burglary("b", longitude: LongitudeEast(2), at: Night.AddDays(3), target: "roller-door-shop", suspects: []);
        var score = Scorer.Score(a, b).Score;

        Assert.True(new SeriesScorer(new SeriesOptions { LinkThreshold = score - 0.01 }).Score(a, b).Linked);
        Assert.False(new SeriesScorer(new SeriesOptions { LinkThreshold = score + 0.01 }).Score(a, b).Linked);
    }

    [Fact]
    public void A_pairs_score_does_not_depend_on_the_other_candidates()
    {
        // A replay consumes partitions in another order, so an incident meets other candidates than it did live: the
        // pair's score and evidence must come from the two incidents alone.
        var incident = SeriesFeatures.From(Burglary("new"));
        var twin = SeriesFeatures.From(Burglary("twin", longitude: LongitudeEast(1), at: Night.AddDays(1)));
        SeriesFeatures Other(int i, string entry) => SeriesFeatures.From(Burglary($"o{i}", longitude: LongitudeEast(3), at: Night.AddDays(5), entry: entry, target: "residence"));
        var amongDoorPulls = Enumerable.Range(0, 100).Select(i => Other(i, "door-pull")).Prepend(twin).ToList();
        var amongOthers = Enumerable.Range(0, 100).Select(i => Other(i, "window-smash")).Prepend(twin).ToList();

        var alone = Scorer.Score(incident, twin);
        var withDoorPulls = Scorer.ScoreCandidates(incident, amongDoorPulls)[0];
        var withOthers = Scorer.ScoreCandidates(incident, amongOthers)[0];

        Assert.Equal(alone.Score, withDoorPulls.Score, 12);
        Assert.Equal(alone.Score, withOthers.Score, 12);
        Assert.Equal(alone.Evidence, withDoorPulls.Evidence);
        Assert.Equal(alone.Evidence, withOthers.Evidence);
    }

    [Fact]
    public void A_pair_scores_and_reads_the_same_whichever_member_was_analysed_first()
    {
        var earlier = SeriesFeatures.From(Burglary("earlier", suspects: [Suspect(sex: "male", height: 175), Suspect(sex: "female", height: 160)]));
        var later = SeriesFeatures.From(Burglary("later", longitude: LongitudeEast(0.8), at: Night.AddDays(1).AddHours(2), target: "phone-shop", suspects: [Suspect(sex: "male", height: 178)]));

        var forward = Scorer.Score(earlier, later);
        var backward = Scorer.Score(later, earlier);

        Assert.Equal(forward.Score, backward.Score, 12);
        Assert.Equal(forward.Evidence, backward.Evidence);
    }

    [Fact]
    public void Candidates_scored_without_words_get_the_same_scores_and_evidence_as_pairs_scored_one_by_one()
    {
        var incident = SeriesFeatures.From(Burglary("new", plate: "粤B 12345"));
        var candidates = new[]
        {
            Burglary("twin", longitude: LongitudeEast(0.4), at: Night.AddHours(2), plate: "粤B 12345"),
            Burglary("far", longitude: LongitudeEast(6), at: Night.AddDays(4), entry: "window-smash", target: "residence", suspects: [Suspect(sex: "female", height: 160)]),
            Burglary("bare", longitude: LongitudeEast(1), at: Night.AddDays(1), taken: [], suspects: []),
        }.Select(SeriesFeatures.From).ToList();

        var scored = Scorer.ScoreCandidates(incident, candidates);

        for (var i = 0; i < candidates.Count; i++)
        {
            var oneByOne = Scorer.Score(incident, candidates[i]);
            Assert.Equal(oneByOne.Score, scored[i].Score, 12);
            Assert.Equal(oneByOne.Linked, scored[i].Linked);
            Assert.Equal(oneByOne.Evidence, scored[i].Evidence);
        }
    }

    [Theory]
    [InlineData(IncidentCategory.Theft, true)]
    [InlineData(IncidentCategory.Burglary, true)]
    [InlineData(IncidentCategory.Robbery, true)]
    [InlineData(IncidentCategory.Fraud, false)]
    [InlineData(IncidentCategory.Dispute, false)]
    public void Series_categories_are_property_crimes(IncidentCategory category, bool expected)
        => Assert.Equal(expected, SeriesFeatures.IsSeriesCategory(category));

    [Theory]
    [InlineData(" Door Pull ", "door-pull")]
    [InlineData("door_pull", "door-pull")]
    [InlineData("DOOR--PULL", "door-pull")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Labels_are_normalised(string? raw, string expected) => Assert.Equal(expected, SeriesFeatures.Normalise(raw));

    [Theory]
    [InlineData(380, "380 m")]
    [InlineData(2400, "2.4 km")]
    [InlineData(12_300, "12 km")]
    public void Distances_read_naturally(double metres, string expected) => Assert.Equal(expected, Geo.FormatDistance(metres));

    [Theory]
    [InlineData(0.66, "40 min")]
    [InlineData(2.2, "2 h")]
    [InlineData(72, "3 days")]
    public void Durations_read_naturally(double hours, string expected) => Assert.Equal(expected, SeriesScorer.FormatDuration(hours));
}
