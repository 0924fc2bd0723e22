using Contracts.Common.V1;
using Intake.Domain;
using static Intake.UnitTests.Reports;
using TestData;
using static TestData.ReportCases;

namespace Intake.UnitTests;

public sealed class ReportValidatorTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(Options.MaxFutureSkewSeconds);

    private static readonly IReadOnlyList<InvalidCase> Cases = ReportCases.Invalid(Now);

    public static TheoryData<string> InvalidCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
        {
            data.Add(c.Name);
        }
        return data;
    }

    [Fact]
    public void The_table_has_unique_names_and_at_least_thirty_cases()
    {
        Assert.True(Cases.Count >= 30);
        Assert.Equal(Cases.Count, Cases.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(InvalidCaseNames))]
    public void One_mutation_gives_exactly_one_violation(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var report = c.Mutate(Valid());

        var violations = Validator().Validate(report);

        var violation = Assert.Single(violations);
        Assert.Equal(c.Field, violation.Field);
        Assert.Equal(c.Reason, violation.Reason);
        Assert.False(string.IsNullOrWhiteSpace(violation.Description));
    }

    [Fact]
    public void The_valid_baseline_has_no_violation()
        => Assert.Empty(Validator().Validate(Valid()));

    [Fact]
    public void Every_category_with_its_minimum_content_is_valid()
    {
        foreach (var category in System.Enum.GetValues<IncidentCategory>().Where(c => c != IncidentCategory.Unspecified))
        {
            var report = Valid();
            report.Category = category;
            Assert.Empty(Validator().Validate(report));
        }
    }

    [Fact]
    public void Every_known_priority_is_valid()
    {
        foreach (var priority in System.Enum.GetValues<Priority>())
        {
            var report = Valid();
            report.Priority = priority;
            Assert.Empty(Validator().Validate(report));
        }
    }

    public static TheoryData<string> BoundaryCaseNames() => new(Boundaries.Keys);

    private static readonly Dictionary<string, Action<Report>> Boundaries = new()
    {
        ["description exactly 8 KB ASCII"] = r => r.Description = new string('d', ReportValidator.MaxDescriptionBytes),
        ["description exactly 8 KB multi-byte"] = r => r.Description = new string('€', 2730) + "ab",
        ["exactly 64 identifiers"] = r => { r.Identifiers.Clear(); r.Identifiers.Add(Enumerable.Range(0, ReportValidator.MaxIdentifiers).Select(Phone)); },
        ["exactly 32 parties"] = r => r.Parties.Add(Enumerable.Range(1, ReportValidator.MaxParties - 1).Select(_ => new Party())),
        ["party with exactly 64 identifiers"] = r => r.Parties[0].Identifiers.Add(Enumerable.Range(1, ReportValidator.MaxIdentifiers - 1).Select(Phone)),
        ["exactly 64 attributes"] = r => { for (var i = 1; i < ReportValidator.MaxAttributes; i++) { r.Attributes[$"k{i}"] = "v"; } },
        ["latitude at the mappable limit"] = r => r.Location.Latitude = 85.05112878,
        ["latitude at the negative mappable limit"] = r => r.Location.Latitude = -85.05112878,
        ["longitude 180"] = r => r.Location.Longitude = 180,
        ["longitude -180"] = r => r.Location.Longitude = -180,
        ["latitude 0 alone"] = r => r.Location.Latitude = 0,
        ["longitude 0 alone"] = r => r.Location.Longitude = 0,
        ["accuracy 0 (unknown)"] = r => r.Location.AccuracyM = 0,
        ["occurred_at exactly at the future skew limit"] = r => { r.OccurredAt = At(Now + Skew); r.ReportedAt = null; },
        ["occurred_and_reported_at exactly at the future skew limit"] = r => { r.OccurredAt = At(Now + Skew); r.ReportedAt = At(Now + Skew); },
        ["occurred_at exactly max age"] = r => r.OccurredAt = At(Now.AddDays(-Options.MaxAgeDays)),
        ["occurred_at nanos 999999999"] = r => r.OccurredAt.Nanos = 999_999_999,
        ["reported_at missing"] = r => r.ReportedAt = null,
        ["reported_at equal to occurred_at"] = r => r.ReportedAt = r.OccurredAt.Clone(),
        ["source exactly 64 chars"] = r => r.Source = new string('s', ReportValidator.MaxSourceLength),
        ["source padded beyond 64 chars but 64 once trimmed"] = r => r.Source = "  " + new string('s', ReportValidator.MaxSourceLength) + "  ",
        ["external_id exactly 128 chars"] = r => r.ExternalId = new string('x', ReportValidator.MaxExternalIdLength),
        ["address exactly 512 chars"] = r => r.Address = new string('a', ReportValidator.MaxAddressLength),
        ["identifier value exactly 256 chars"] = r => r.Identifiers[0].Value = new string('9', ReportValidator.MaxIdentifierValueLength),
        ["loss zero"] = r => r.ReportedLoss.MinorUnits = 0,
        ["no loss"] = r => r.ReportedLoss = null,
        ["empty optional text"] = r => { r.Address = ""; r.District = ""; r.Description = ""; },
        ["fraud with an identifier only"] = r => { r.Category = IncidentCategory.Fraud; r.ReportedLoss = null; },
        ["fraud with a loss only"] = r => { r.Category = IncidentCategory.Fraud; r.Identifiers.Clear(); },
        ["wanted-person sighting with a party only"] = r => { r.Category = IncidentCategory.WantedPersonSighting; r.Identifiers.Clear(); },
        ["wanted-person sighting with an identifier only"] = r => { r.Category = IncidentCategory.WantedPersonSighting; r.Parties.Clear(); },
    };

    [Theory]
    [MemberData(nameof(BoundaryCaseNames))]
    public void Boundary_values_pass(string name)
    {
        var report = Valid();
        Boundaries[name](report);
        Assert.Empty(Validator().Validate(report));
    }

    [Fact]
    public void Every_violation_is_reported_not_just_the_first()
    {
        var report = Valid();
        report.Source = "";
        report.Location.Latitude = 100;
        report.Description = new string('d', ReportValidator.MaxDescriptionBytes + 1);
        report.ReportedLoss.MinorUnits = -1;

        var violations = Validator().Validate(report);

        Assert.Equal(
            new[]
            {
                ("report.source", ViolationReasons.Required),
                ("report.location.latitude", ViolationReasons.OutOfRange),
                ("report.description", ViolationReasons.TooLong),
                ("report.reported_loss.minor_units", ViolationReasons.OutOfRange),
            },
            violations.Select(v => (v.Field, v.Reason)));
    }

    [Fact]
    public void Latitude_and_longitude_out_of_range_are_both_reported()
    {
        var report = Valid();
        report.Location.Latitude = double.NaN;
        report.Location.Longitude = 200;

        var fields = Validator().Validate(report).Select(v => v.Field).ToArray();

        Assert.Equal(new[] { "report.location.latitude", "report.location.longitude" }, fields);
    }

    [Fact]
    public void Only_the_first_thirty_two_parties_are_inspected_when_there_are_too_many()
    {
        var report = Valid();
        report.Parties.Add(Enumerable.Range(0, 40).Select(_ => new Party { Identifiers = { new Identifier() } }));

        var violations = Validator().Validate(report);

        Assert.Contains(violations, v => v is { Field: "report.parties", Reason: ViolationReasons.TooMany });
        Assert.DoesNotContain(violations, v => v.Field.StartsWith("report.parties[32]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_prefix_is_applied_to_every_path()
    {
        var report = Valid();
        report.Parties[0].Identifiers[0].Value = "";

        var violation = Assert.Single(Validator().Validate(report, "reports[3]"));

        Assert.Equal("reports[3].parties[0].identifiers[0].value", violation.Field);
        Assert.Equal("reports[3]", Assert.Single(Validator().Validate(null, "reports[3]")).Field);
    }

    [Fact]
    public void The_skew_and_age_limits_follow_the_options()
    {
        var strict = new ReportValidator(
            Microsoft.Extensions.Options.Options.Create(new IntakeOptions { MaxFutureSkewSeconds = 0, MaxAgeDays = 1 }), Clock());

        var future = Valid();
        future.OccurredAt = At(Now.AddSeconds(1));
        future.ReportedAt = null;
        var old = Valid();
        old.OccurredAt = At(Now.AddDays(-1).AddSeconds(-1));
        var atNow = Valid();
        atNow.OccurredAt = At(Now);
        atNow.ReportedAt = At(Now);

        Assert.Equal(ViolationReasons.InFuture, Assert.Single(strict.Validate(future)).Reason);
        Assert.Equal(ViolationReasons.TooOld, Assert.Single(strict.Validate(old)).Reason);
        Assert.Empty(strict.Validate(atNow));
    }

    [Fact]
    public void The_validator_reads_the_clock_on_every_call()
    {
        var clock = Clock();
        var validator = new ReportValidator(Microsoft.Extensions.Options.Options.Create(Options), clock);
        var report = Valid();
        report.OccurredAt = At(Now.AddMinutes(10));
        report.ReportedAt = null;

        Assert.Equal(ViolationReasons.InFuture, Assert.Single(validator.Validate(report)).Reason);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(validator.Validate(report));
    }

    [Fact]
    public void Validation_does_not_change_the_report()
    {
        var report = Valid();
        report.Source = "  terminal  ";
        var before = report.Clone();

        Validator().Validate(report);

        Assert.Equal(before, report);
    }
}
