using Analysis.Domain;
using Analysis.Domain.Disputes;
using Analysis.Domain.Fraud;
using Analysis.Domain.Hotspots;
using Analysis.Domain.Series;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.UnitTests.Domain;

public sealed class DuplicateRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 22, 0, 0, TimeSpan.Zero);
    private readonly DuplicateRule _rule = new(new DuplicateOptions());

    private static NearbyIncident Near(string id, IncidentCategory category, DateTimeOffset at, double meters)
        => new(new IndexEntries([IndexSlot.Of(id, CandidateSketch.Located(new GeoPoint(), category, at), at.UtcTicks)], [CandidateSketch.Located(new GeoPoint(), category, at)], [id], [long.MaxValue], [long.MaxValue], 1, 1), 0, meters);

    [Fact]
    public void Same_category_within_150_m_and_10_minutes_duplicates_the_closest_earlier_report()
    {
        var finding = _rule.Find("new", IncidentCategory.Assault, T0,
        [
            Near("older", IncidentCategory.Assault, T0.AddMinutes(-9), 40),
            Near("recent", IncidentCategory.Assault, T0.AddMinutes(-2), 120),
            Near("too-far", IncidentCategory.Assault, T0.AddMinutes(-1), 151),
            Near("too-old", IncidentCategory.Assault, T0.AddMinutes(-11), 10),
            Near("other-kind", IncidentCategory.Fire, T0.AddMinutes(-1), 10),
        ]);

        Assert.Equal("recent", finding.Earlier?.IncidentId);
        Assert.Empty(finding.Later);
    }

    [Fact]
    public void A_report_processed_late_finds_the_later_reports_that_duplicate_it()
    {
        var finding = _rule.Find("first", IncidentCategory.Fire, T0, [Near("second", IncidentCategory.Fire, T0.AddMinutes(3), 80)]);

        Assert.Null(finding.Earlier);
        Assert.Equal("second", Assert.Single(finding.Later).IncidentId);
    }

    [Fact]
    public void Two_reports_of_the_same_instant_never_duplicate_each_other_both_ways()
    {
        var a = _rule.Find("a", IncidentCategory.Fire, T0, [Near("b", IncidentCategory.Fire, T0, 10)]);
        var b = _rule.Find("b", IncidentCategory.Fire, T0, [Near("a", IncidentCategory.Fire, T0, 10)]);

        Assert.Null(a.Earlier);
        Assert.Equal("a", b.Earlier?.IncidentId);
    }
}

public sealed class DisputeTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 1, 20, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    [Fact]
    public void Three_disputes_within_30_days_escalate()
    {
        var newReport = new DisputeReport("c", Day0.AddDays(25));
        var result = DisputeEscalation.Evaluate([new("a", Day0), new("b", Day0.AddDays(10))], newReport, 3, Month);

        Assert.Equal(["a", "b", "c"], result!.Select(r => r.IncidentId));
    }

    [Fact]
    public void Three_disputes_spread_over_more_than_30_days_do_not()
        => Assert.Null(DisputeEscalation.Evaluate([new("a", Day0), new("b", Day0.AddDays(20))], new DisputeReport("c", Day0.AddDays(31)), 3, Month));

    [Fact]
    public void A_late_report_of_an_earlier_dispute_counts_by_when_it_happened()
    {
        var late = new DisputeReport("early", Day0.AddDays(-5));
        var result = DisputeEscalation.Evaluate([new("a", Day0), new("b", Day0.AddDays(20))], late, 3, Month);

        Assert.Equal(["early", "a", "b"], result!.Select(r => r.IncidentId));
    }

    [Fact]
    public void An_assault_after_two_disputes_completes_the_history()
    {
        var assault = DisputeReport.Of("fight", IncidentCategory.Assault, Day0.AddDays(12));
        var result = DisputeEscalation.Evaluate([new("a", Day0), new("b", Day0.AddDays(10))], assault, 3, Month);

        Assert.Equal(["a", "b", "fight"], result!.Select(r => r.IncidentId));
        Assert.True(result![2].Violent);
    }

    [Fact]
    public void An_assault_reported_first_counts_when_the_disputes_arrive()
    {
        var result = DisputeEscalation.Evaluate([new("fight", Day0.AddDays(12), Violent: true), new("a", Day0)], new DisputeReport("b", Day0.AddDays(10)), 3, Month);

        Assert.Equal(["a", "b", "fight"], result!.Select(r => r.IncidentId));
    }

    [Fact]
    public void Violence_alone_is_not_a_dispute()
    {
        Assert.Null(DisputeEscalation.Evaluate([new("x", Day0, Violent: true), new("y", Day0.AddDays(1), Violent: true)], new DisputeReport("a", Day0.AddDays(2)), 3, Month));
        Assert.False(DisputeReport.Counts(IncidentCategory.Robbery));
        Assert.True(DisputeReport.Counts(IncidentCategory.Assault));
    }

    [Fact]
    public void Redelivery_of_the_same_report_is_not_counted_twice()
        => Assert.Null(DisputeEscalation.Evaluate([new("a", Day0), new("b", Day0.AddDays(1))], new DisputeReport("b", Day0.AddDays(1)), 3, Month));

    [Theory]
    [InlineData("No. 12, Jiefang Road (Unit 3)", "12 jiefang rd unit 3")]
    [InlineData("  12 JIEFANG RD,  unit 3 ", "12 jiefang rd unit 3")]
    [InlineData("１２ Jiefang Road Room 3", "12 jiefang rd unit 3")]
    public void Addresses_are_normalised_so_callers_spelling_differs_but_the_key_does_not(string address, string expected)
        => Assert.Equal(expected, DisputeKeys.NormaliseAddress(address));

    [Fact]
    public void The_same_two_parties_give_the_same_key_whoever_is_named_first()
    {
        var one = DisputeKeys.For(new Report { Parties = { new Party { Name = "Li Na" }, new Party { Name = "Wang Wei" } } });
        var other = DisputeKeys.For(new Report { Parties = { new Party { Name = "wang  wei" }, new Party { Name = "LI NA" } } });

        Assert.Equal(one.Single().Key, other.Single().Key);
    }
}

public sealed class HotspotTests
{
    private readonly HotspotRule _rule = new(new HotspotOptions());

    [Fact]
    public void A_cell_is_hot_when_the_window_holds_its_minimum_and_the_factor_times_its_baseline()
    {
        var hour = _rule.Spec(HotspotWindow._1H)!;
        // 27 days of history at 2 per day: baseline 2/24 per hour, floored to 0.25/24 -> 2/24.
        var quiet = _rule.Judge(hour, new HotspotCounts(2, 54));
        var hot = _rule.Judge(hour, new HotspotCounts(4, 54));

        Assert.False(quiet.Alerting); // below the 1 h minimum of 3
        Assert.True(hot.Alerting);
        Assert.InRange(hot.Ratio, 49, 50.5); // 4 / (54 / 671 h)
    }

    [Fact]
    public void A_busy_cell_needs_more_than_its_usual_rate()
    {
        var day = _rule.Spec(HotspotWindow._24H)!;
        // 20 a day usually: 30 today is 1.5x, not 3x.
        Assert.False(_rule.Judge(day, new HotspotCounts(30, 540)).Alerting);
        Assert.True(_rule.Judge(day, new HotspotCounts(61, 540)).Alerting);
    }

    [Fact]
    public void Cells_are_about_600_m_and_stable()
    {
        var grid = new HotspotGrid(600);
        var here = new GeoPoint { Latitude = 30.2590, Longitude = 120.1480 };
        var cell = grid.CellOf(here);
        var center = grid.Center(cell);

        Assert.Equal(cell, grid.CellOf(center));
        Assert.True(Analysis.Domain.Series.Geo.DistanceM(here, center) < 430); // within half a diagonal
        Assert.NotEqual(cell, grid.CellOf(new GeoPoint { Latitude = 30.2590 + 0.0060, Longitude = 120.1480 }));
    }
}

public sealed class ChokePointTests
{
    [Fact]
    public void The_shared_account_that_holds_the_chain_together_ranks_first()
    {
        // Four victims paid the same mule account; two of them were also called from one phone.
        var chain = new List<ChainIncident>
        {
            new("v1", 100_00, ["bank:1", "phone:9"]),
            new("v2", 200_00, ["bank:1", "phone:9"]),
            new("v3", 300_00, ["bank:1"]),
            new("v4", 400_00, ["bank:1", "url:x"]),
            new("v5", 500_00, ["url:x"]),
        };

        var ranked = ChokePoints.Rank(chain, 5);

        Assert.Equal("bank:1", ranked[0].IdentifierKey);
        // Without it: {v1,v2} (phone), {v3}, {v4,v5} (URL). Of the two largest parts the richer one stays.
        Assert.Equal(3, ranked[0].IncidentsDisconnected);
        Assert.Equal(600_00, ranked[0].LossDisconnected);
        Assert.Equal(4, ranked[0].Degree);
        Assert.Equal("url:x", ranked[1].IdentifierKey);
        Assert.Equal(1, ranked[1].IncidentsDisconnected);
        Assert.DoesNotContain(ranked, r => r.IdentifierKey == "phone:9"); // v1 and v2 also share the account: cutting the phone disconnects nothing
    }
}

public sealed class IdentifierKeyTests
{
    [Theory]
    [InlineData(IdentifierType.Phone, "+86 138-0013-8000", "phone:+8613800138000")]
    [InlineData(IdentifierType.Phone, "0086 13800138000", "phone:+8613800138000")]
    [InlineData(IdentifierType.BankAccount, "6222 0202 0011 2233", "bank:6222020200112233")]
    [InlineData(IdentifierType.Url, "HTTPS://www.Example.com/pay/", "url:example.com/pay")]
    [InlineData(IdentifierType.VehiclePlate, "浙A·12345", "plate:浙A12345")]
    public void Spellings_of_one_identifier_meet_in_one_key(IdentifierType type, string value, string expected)
        => Assert.Equal(expected, IdentifierKeys.Key(type, value));

    [Fact]
    public void An_identifier_with_nothing_left_is_no_key()
        => Assert.Null(IdentifierKeys.Key(IdentifierType.Phone, " - "));

    [Fact]
    public void Keys_round_trip_to_identifiers()
    {
        var identifier = IdentifierKeys.FromKey("bank:6222020200112233");
        Assert.Equal(IdentifierType.BankAccount, identifier.Type);
        Assert.Equal("6222020200112233", identifier.Value);
    }
}
