using Analysis.Domain.Series;
using Contracts.Common.V1;
using static Analysis.UnitTests.Series.SeriesTestData;

namespace Analysis.UnitTests.Series;

public sealed class SeriesAssignmentTests
{
    private static readonly SeriesOptions Options = new() { TimeZoneId = "Asia/Shanghai" };
    private static readonly SeriesScorer Scorer = new(Options);
    private static readonly SeriesProfile Profile = new(Scorer);
    private static readonly SeriesAssignment Assignment = new(Profile);

    private static SeriesFeatures F(Incident incident) => SeriesFeatures.From(incident);

    /// <summary>A crew's three nights: door-pull on phone shops around 02:00, phones and cash, the same white van seen twice.</summary>
    private static IReadOnlyList<SeriesFeatures> Crew() =>
    [
        F(Burglary("crew-1", plate: "粤B12345")),
        F(Burglary("crew-2", longitude: LongitudeEast(0.6), at: Night.AddDays(1).AddMinutes(20), suspects: [])),
        F(Burglary("crew-3", longitude: LongitudeEast(1.2), at: Night.AddDays(2).AddMinutes(-15), plate: "粤B12345", taken: ["phones"])),
    ];

    private static ScoredCandidate Candidate(SeriesFeatures incident, SeriesFeatures candidate, string series)
        => new(candidate, Scorer.Score(incident, candidate), series);

    [Fact]
    public void A_member_missing_fields_is_filled_in_by_the_others()
    {
        // No plate, no suspects: only what the crew as a whole shows (method, target, loot, hour, place) says it is theirs.
        var next = F(Burglary("next", longitude: LongitudeEast(1.8), at: Night.AddDays(3), suspects: []));
        var crew = Crew();
        var againstSeries = Profile.Score(next, crew, LabelRarity.Neutral(Options.Rarity));
        var againstOneMember = Scorer.Score(next, crew[1]);

        Assert.True(againstSeries.Linked);
        Assert.Contains(againstSeries.Evidence, e => e.Contains("same entry method 'door-pull' as 3 of 3 members", StringComparison.Ordinal));
        Assert.Contains(againstSeries.Evidence, e => e.Contains("usual hour", StringComparison.Ordinal));
        Assert.StartsWith("closest member 600 m", againstSeries.Evidence[0], StringComparison.Ordinal);
        Assert.False(againstOneMember.Linked);
    }

    [Fact]
    public void The_plate_of_any_member_counts_and_a_different_method_counts_against()
    {
        var crew = Crew();
        var rarity = LabelRarity.Neutral(Options.Rarity);
        var withPlate = F(Burglary("with-plate", longitude: LongitudeEast(3), at: Night.AddDays(4), suspects: [], plate: "粤B 12345"));
        var otherMethod = F(Burglary("other", longitude: LongitudeEast(3), at: Night.AddDays(4), suspects: [], entry: "window-smash"));
        var plain = F(Burglary("plain", longitude: LongitudeEast(3), at: Night.AddDays(4), suspects: []));

        var plate = Profile.Score(withPlate, crew, rarity);
        Assert.Contains(plate.Evidence, e => e.Contains("same vehicle plate '粤B12345'", StringComparison.Ordinal));
        Assert.True(plate.Score > Profile.Score(plain, crew, rarity).Score);
        Assert.True(Profile.Score(otherMethod, crew, rarity).Score < Profile.Score(plain, crew, rarity).Score);
    }

    [Fact]
    public void Joins_the_series_it_fits_and_links_to_the_closest_member()
    {
        var crew = Crew();
        var next = F(Burglary("next", longitude: LongitudeEast(1.8), at: Night.AddDays(3), suspects: []));
        var members = new Dictionary<string, IReadOnlyList<SeriesFeatures>> { ["crew-1"] = crew };

        var decision = Assignment.Decide(next, [.. crew.Select(m => Candidate(next, m, "crew-1"))], members, LabelRarity.Neutral(Options.Rarity));

        Assert.Equal(SeriesDecisionKind.Join, decision.Kind);
        Assert.Equal("crew-1", decision.Series);
        Assert.Equal("crew-3", decision.Anchor); // 600 m and a day from the latest offence
    }

    [Fact]
    public void Never_welds_two_series_it_touches_but_joins_the_better_fitting_one()
    {
        var crew = Crew();
        // Another group two days later 2.5 km away, working the same kind of shop with window smashes.
        var others = new[]
        {
            F(Burglary("other-1", longitude: LongitudeEast(4.3), at: Night.AddHours(-10), entry: "window-smash", target: "pharmacy", taken: ["drugs"], suspects: [])),
            F(Burglary("other-2", longitude: LongitudeEast(4.6), at: Night.AddDays(1).AddHours(-10), entry: "window-smash", target: "pharmacy", taken: ["drugs"], suspects: [])),
        };
        var next = F(Burglary("next", longitude: LongitudeEast(2.4), at: Night.AddDays(3), suspects: []));
        var members = new Dictionary<string, IReadOnlyList<SeriesFeatures>> { ["crew-1"] = crew, ["other-1"] = others };
        var candidates = crew.Select(m => Candidate(next, m, "crew-1")).Concat(others.Select(o => Candidate(next, o, "other-1"))).ToList();

        var decision = Assignment.Decide(next, candidates, members, LabelRarity.Neutral(Options.Rarity));

        Assert.Equal(SeriesDecisionKind.Join, decision.Kind);
        Assert.Equal("crew-1", decision.Series);
    }

    [Fact]
    public void Starts_a_group_with_the_unassigned_candidate_it_links_to_and_otherwise_does_nothing()
    {
        var first = F(Burglary("first"));
        var second = F(Burglary("second", longitude: LongitudeEast(0.4), at: Night.AddMinutes(50)));
        var stranger = F(Burglary("stranger", longitude: LongitudeEast(9), at: Night.AddDays(-12).AddHours(11), entry: "pickpocket", target: "pedestrian",
            taken: ["wallet"], suspects: [Suspect(sex: "female", ageMin: 50, ageMax: 60)], category: IncidentCategory.Theft));
        var none = new Dictionary<string, IReadOnlyList<SeriesFeatures>>();
        var rarity = LabelRarity.Neutral(Options.Rarity);

        var seed = Assignment.Decide(second, [Candidate(second, first, ""), Candidate(second, stranger, "")], none, rarity);
        Assert.Equal(SeriesDecisionKind.Seed, seed.Kind);
        Assert.Equal("first", seed.Anchor);
        Assert.Equal("", seed.Series);

        Assert.Equal(SeriesDecision.None, Assignment.Decide(stranger, [Candidate(stranger, first, "")], none, rarity));
    }

    [Fact]
    public void A_series_whose_members_all_expired_is_skipped()
    {
        var next = F(Burglary("next"));
        var decision = Assignment.Decide(next, [Candidate(next, F(Burglary("gone")), "gone")],
            new Dictionary<string, IReadOnlyList<SeriesFeatures>> { ["gone"] = [] }, LabelRarity.Neutral(Options.Rarity));
        Assert.Equal(SeriesDecisionKind.None, decision.Kind);
    }
}
