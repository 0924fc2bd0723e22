using Contracts.Common.V1;
using Intake.Domain;
using static Intake.UnitTests.Reports;

namespace Intake.UnitTests;

public sealed class IncidentFactoryTests
{
    [Fact]
    public void The_same_source_and_external_id_give_the_same_id_across_instances()
    {
        var first = new IncidentFactory(Clock()).Create(Valid());
        var clock = Clock();
        clock.Advance(TimeSpan.FromDays(3));
        var second = new IncidentFactory(clock).Create(Valid());

        Assert.Equal(first.IncidentId, second.IncidentId);
        Assert.Equal(IncidentFactory.IncidentId("terminal", "ext-0001"), first.IncidentId);
    }

    [Fact]
    public void The_id_does_not_depend_on_the_rest_of_the_report()
    {
        var other = Valid();
        other.Category = IncidentCategory.Fire;
        other.Description = "something else entirely";
        other.Location.Latitude = 22.5;

        Assert.Equal(new IncidentFactory(Clock()).Create(Valid()).IncidentId, new IncidentFactory(Clock()).Create(other).IncidentId);
    }

    [Fact]
    public void Whitespace_around_the_key_does_not_change_the_id()
    {
        var padded = Valid();
        padded.Source = "  terminal\t";
        padded.ExternalId = " ext-0001  ";

        Assert.Equal(IncidentFactory.IncidentId("terminal", "ext-0001"), IncidentFactory.IncidentId(" terminal ", "ext-0001 "));
        Assert.Equal(new IncidentFactory(Clock()).Create(Valid()).IncidentId, new IncidentFactory(Clock()).Create(padded).IncidentId);
    }

    [Fact]
    public void A_different_source_with_the_same_external_id_gives_a_different_id()
    {
        Assert.NotEqual(IncidentFactory.IncidentId("terminal", "ext-0001"), IncidentFactory.IncidentId("school-safety-platform", "ext-0001"));
        Assert.NotEqual(IncidentFactory.IncidentId("terminal", "ext-0001"), IncidentFactory.IncidentId("terminal", "ext-0002"));
        // The key is case-sensitive: partners' ids are opaque.
        Assert.NotEqual(IncidentFactory.IncidentId("terminal", "abc"), IncidentFactory.IncidentId("terminal", "ABC"));
    }

    [Fact]
    public void The_parts_of_the_key_cannot_be_shifted_into_each_other()
    {
        Assert.NotEqual(IncidentFactory.IncidentId("ab", "c"), IncidentFactory.IncidentId("a", "bc"));
    }

    [Theory]
    [InlineData("terminal", "ext-0001")]
    [InlineData("school-safety-platform", "2025/06/01-17")]
    [InlineData("电话", "编号-九")]
    public void The_id_is_a_version_8_rfc_9562_uuid(string source, string externalId)
    {
        var id = IncidentFactory.IncidentId(source, externalId);

        Assert.True(Guid.TryParseExact(id, "D", out var guid), id);
        Assert.Equal(8, guid.Version);
        Assert.Equal(0b10, guid.Variant >> 2); // RFC 9562 variant: binary 10xx
        Assert.Equal('8', id[14]);
        Assert.Contains(id[19], "89ab");
        Assert.Equal(id.ToLowerInvariant(), id);
    }

    [Theory]
    [InlineData(IncidentCategory.Robbery, Priority.P1)]
    [InlineData(IncidentCategory.Assault, Priority.P1)]
    [InlineData(IncidentCategory.Fire, Priority.P1)]
    [InlineData(IncidentCategory.Medical, Priority.P1)]
    [InlineData(IncidentCategory.SelfHarm, Priority.P1)]
    [InlineData(IncidentCategory.Crowd, Priority.P1)]
    [InlineData(IncidentCategory.WantedPersonSighting, Priority.P1)]
    [InlineData(IncidentCategory.Burglary, Priority.P2)]
    [InlineData(IncidentCategory.MissingPerson, Priority.P2)]
    [InlineData(IncidentCategory.Traffic, Priority.P2)]
    [InlineData(IncidentCategory.PublicOrder, Priority.P2)]
    [InlineData(IncidentCategory.Drugs, Priority.P2)]
    [InlineData(IncidentCategory.Fraud, Priority.P2)]
    [InlineData(IncidentCategory.Theft, Priority.P3)]
    [InlineData(IncidentCategory.Dispute, Priority.P3)]
    [InlineData(IncidentCategory.Hazard, Priority.P3)]
    [InlineData(IncidentCategory.Other, Priority.P4)]
    public void An_unspecified_priority_is_derived_from_the_category(IncidentCategory category, Priority expected)
    {
        var report = Valid();
        report.Category = category;
        report.Priority = Priority.Unspecified;

        var incident = new IncidentFactory(Clock()).Create(report);

        Assert.Equal(expected, incident.Priority);
        Assert.Equal(expected, IncidentFactory.DefaultPriority(category));
    }

    [Fact]
    public void Every_category_gets_a_resolved_priority()
    {
        foreach (var category in System.Enum.GetValues<IncidentCategory>())
        {
            Assert.NotEqual(Priority.Unspecified, IncidentFactory.DefaultPriority(category));
        }
    }

    [Theory]
    [InlineData(Priority.P1)]
    [InlineData(Priority.P4)]
    public void An_explicit_priority_is_kept(Priority priority)
    {
        var report = Valid();
        report.Category = IncidentCategory.Robbery;
        report.Priority = priority;

        var incident = new IncidentFactory(Clock()).Create(report);

        Assert.Equal(priority, incident.Priority);
        Assert.Equal(priority, incident.Report.Priority);
    }

    [Fact]
    public void Strings_are_trimmed()
    {
        var report = Valid();
        report.Source = "  terminal ";
        report.ExternalId = "\text-0001\n";
        report.Address = " 1 Nanjing East Road  ";
        report.District = "\tHuangpu ";
        report.Description = "\n phone snatched \n";
        report.Identifiers[0].Value = "  +8613800000000 ";

        var normalised = new IncidentFactory(Clock()).Create(report).Report;

        Assert.Equal("terminal", normalised.Source);
        Assert.Equal("ext-0001", normalised.ExternalId);
        Assert.Equal("1 Nanjing East Road", normalised.Address);
        Assert.Equal("Huangpu", normalised.District);
        Assert.Equal("phone snatched", normalised.Description);
        Assert.Equal("+8613800000000", normalised.Identifiers[0].Value);
    }

    [Fact]
    public void A_missing_reported_at_is_set_to_the_clock_and_received_at_is_the_clock()
    {
        var clock = Clock();
        clock.Advance(TimeSpan.FromSeconds(42));
        var report = Valid();
        report.ReportedAt = null;

        var incident = new IncidentFactory(clock).Create(report);

        Assert.Equal(Now.AddSeconds(42), incident.Report.ReportedAt.ToDateTimeOffset());
        Assert.Equal(Now.AddSeconds(42), incident.ReceivedAt.ToDateTimeOffset());
    }

    [Fact]
    public void A_missing_reported_at_never_precedes_an_occurred_at_slightly_ahead_of_the_clock()
    {
        var report = Valid();
        report.OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Now.AddSeconds(200));
        report.ReportedAt = null;

        var incident = new IncidentFactory(Clock()).Create(report);

        Assert.Equal(Now.AddSeconds(200), incident.Report.ReportedAt.ToDateTimeOffset());
    }

    [Fact]
    public void Party_identifiers_are_trimmed_too()
    {
        var report = Valid();
        report.Parties.Add(new Party { Role = PartyRole.Suspect, Identifiers = { new Identifier { Type = IdentifierType.Phone, Value = "  13900000000 " } } });

        var incident = new IncidentFactory(Clock()).Create(report);

        Assert.Equal("13900000000", incident.Report.Parties[^1].Identifiers[0].Value);
    }

    [Fact]
    public void A_given_reported_at_is_kept()
    {
        var report = Valid();

        var incident = new IncidentFactory(Clock()).Create(report);

        Assert.Equal(Now.AddMinutes(-30), incident.Report.ReportedAt.ToDateTimeOffset());
        Assert.Equal(Now, incident.ReceivedAt.ToDateTimeOffset());
    }

    [Fact]
    public void Everything_else_is_carried_over_unchanged()
    {
        var report = Valid();

        var normalised = new IncidentFactory(Clock()).Create(report).Report;

        Assert.Equal(report, normalised);
        Assert.NotSame(report, normalised);
    }

    [Fact]
    public void The_input_report_is_not_mutated()
    {
        var report = Valid();
        report.Source = "  terminal ";
        report.Address = " x ";
        report.ReportedAt = null;
        report.Identifiers[0].Value = " +8613800000000 ";
        var before = report.Clone();

        var incident = new IncidentFactory(Clock()).Create(report);
        incident.Report.Identifiers[0].Value = "changed afterwards";
        incident.Report.Location.Latitude = 1;

        Assert.Equal(before, report);
        Assert.Null(report.ReportedAt);
    }
}
