using Analysis.Domain;
using Contracts.Common.V1;

namespace Analysis.UnitTests.Domain;

public class WatchlistKeysTests
{
    private static Identifier Id(IdentifierType type, string value) => new() { Type = type, Value = value };

    [Fact]
    public void An_incident_offers_each_identifier_once_in_the_order_found_with_its_vehicles_plate()
    {
        var report = new Report
        {
            Category = IncidentCategory.Theft,
            Identifiers = { Id(IdentifierType.Phone, "138 0013 8000"), Id(IdentifierType.VehiclePlate, "粤B12345") },
            Parties = { new Party { Name = "Zhang Wei", Identifiers = { Id(IdentifierType.IdNumber, "330102199001011234"), Id(IdentifierType.Phone, "13800138000") } } },
            ModusOperandi = new ModusOperandi { Vehicle = new Vehicle { Plate = "粤B 12-345" } },
        };

        var keys = WatchlistKeys.ForIncident(report);

        Assert.Equal([IdentifierKeys.Key(report.Identifiers[0])!, IdentifierKeys.Key(report.Identifiers[1])!, IdentifierKeys.Key(report.Parties[0].Identifiers[0])!], keys);
    }

    [Fact]
    public void Names_count_only_on_a_wanted_person_sighting()
    {
        var report = new Report { Category = IncidentCategory.Assault, Parties = { new Party { Name = "Zhang Wei" }, new Party { Name = "" } } };

        Assert.Empty(WatchlistKeys.ForIncident(report));

        report.Category = IncidentCategory.WantedPersonSighting;
        Assert.Equal([IdentifierKeys.NameKey("Zhang Wei")!], WatchlistKeys.ForIncident(report));
    }
}
