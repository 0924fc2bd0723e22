using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class WatchlistMatchingTests
{
    private static readonly DateTimeOffset Seen = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // 18-digit resident ID: born 1990-01-01, 17th digit 3 (odd): a man.
    private const string IdNumber = "330102199001011234";

    private static WatchlistEntry Wanted(string idNumber = IdNumber, int birthYear = 0, string sex = "") => new()
    {
        EntryId = "watch-01",
        Subject = WatchlistSubject.Person,
        Name = "Zhang Wei",
        BirthYear = birthYear,
        Sex = sex,
        Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = idNumber } },
        Reason = "wanted: fraud warrant 2026-117",
    };

    private static Report Sighting(Party party) => new() { Category = IncidentCategory.WantedPersonSighting, Parties = { party } };

    /// <summary>What the index finds: the report's keys that the entry has.</summary>
    private static IReadOnlyList<string> Keys(WatchlistEntry entry, Report report) => [.. WatchlistKeys.ForIncident(report).Intersect(WatchlistKeys.ForEntry(entry))];

    [Fact]
    public void An_ID_number_match_is_a_hit_on_its_own()
    {
        var report = Sighting(new Party { Name = "zhang wei", Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = IdNumber } } });

        var match = WatchlistMatching.Judge(Wanted(), Keys(Wanted(), report), report, Seen);

        Assert.NotNull(match);
        Assert.Contains(match.Evidence, e => e.Contains($"ID number {IdNumber}", StringComparison.Ordinal) && e.Contains("fraud warrant", StringComparison.Ordinal));
    }

    [Fact]
    public void A_namesake_with_another_ID_number_is_no_hit()
    {
        var report = Sighting(new Party { Name = "Zhang Wei", Sex = "male", AgeMin = 30, AgeMax = 40, Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = "440301198507072345" } } });

        Assert.Null(WatchlistMatching.Judge(Wanted(), Keys(Wanted(), report), report, Seen));
    }

    [Fact]
    public void A_name_alone_is_no_hit()
    {
        var report = Sighting(new Party { Name = "Zhang Wei" });

        Assert.Null(WatchlistMatching.Judge(Wanted(), Keys(Wanted(), report), report, Seen));
    }

    [Fact]
    public void A_name_with_a_fitting_age_and_sex_is_a_hit_that_says_how_it_was_matched()
    {
        var report = Sighting(new Party { Name = "ZHANG  Wei", Sex = "M", AgeMin = 30, AgeMax = 40 });

        var match = WatchlistMatching.Judge(Wanted(), Keys(Wanted(), report), report, Seen);

        Assert.NotNull(match);
        Assert.Contains("name 'ZHANG  Wei' and sex male and born 1990, reported age 30-40 match watchlist entry watch-01", match.Evidence[0]);
        Assert.Contains("confirm the identity", match.Evidence[1]);
    }

    [Theory]
    [InlineData("female", 30, 40)] // the other sex
    [InlineData("male", 50, 60)]   // too old to be born in 1990
    public void A_contradicting_attribute_rules_the_namesake_out(string sex, int ageMin, int ageMax)
    {
        var report = Sighting(new Party { Name = "Zhang Wei", Sex = sex, AgeMin = ageMin, AgeMax = ageMax });

        Assert.Null(WatchlistMatching.Judge(Wanted(), Keys(Wanted(), report), report, Seen));
    }

    [Fact]
    public void The_entrys_own_birth_year_and_sex_serve_when_it_has_no_resident_ID_number()
    {
        var entry = Wanted(idNumber: "P1234567", birthYear: 1975, sex: "female");

        Assert.Equal((1975, "female"), WatchlistMatching.Attributes(entry));
        var report = Sighting(new Party { Name = "Zhang Wei", AgeMin = 48, AgeMax = 52 });
        Assert.NotNull(WatchlistMatching.Judge(entry, Keys(entry, report), report, Seen));
    }

    [Fact]
    public void A_resident_ID_number_gives_birth_year_and_sex()
        => Assert.Equal((1990, "male"), WatchlistMatching.Attributes(Wanted()));
}
