using Contracts.Common.V1;
using Contracts.Intake.V1;
using Google.Protobuf.WellKnownTypes;

namespace Bench.Intake;

/// <summary>
/// Valid reports (the shape of the tests' valid theft report: ~400 bytes on the wire, a party, two
/// identifiers, a loss, an attribute), each with its own external id so none is a duplicate.
/// Sub-messages are shared between reports (protobuf messages have no parent link), so a large
/// batch costs little memory in the load generator.
/// </summary>
internal sealed class BenchReports
{
    private readonly Timestamp _occurredAt;
    private readonly Timestamp _reportedAt;
    private readonly GeoPoint _location = new() { Latitude = 31.2304, Longitude = 121.4737, AccuracyM = 12 };
    private readonly Identifier _phone = new() { Type = IdentifierType.Phone, Value = "+8613800000000" };
    private readonly Party _suspect = new()
    {
        Role = PartyRole.Suspect,
        Description = "male, black hoodie",
        Identifiers = { new Identifier { Type = IdentifierType.VehiclePlate, Value = "HU-A12345" } },
    };
    private readonly Money _loss = new() { CurrencyCode = "CNY", MinorUnits = 599_900 };

    /// <summary>Unique within one benchmark run, so reruns against a fresh Redis never see duplicates either.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    public BenchReports()
    {
        var now = DateTimeOffset.UtcNow;
        _occurredAt = Timestamp.FromDateTimeOffset(now.AddHours(-1));
        _reportedAt = Timestamp.FromDateTimeOffset(now.AddMinutes(-30));
    }

    public Report Report(string source, string externalId) => new()
    {
        Source = source,
        ExternalId = externalId,
        OccurredAt = _occurredAt,
        ReportedAt = _reportedAt,
        Category = IncidentCategory.Theft,
        Location = _location,
        Address = "1 Nanjing East Road",
        District = "Huangpu",
        Description = "phone snatched from a cafe table",
        Identifiers = { _phone },
        Parties = { _suspect },
        ReportedLoss = _loss,
        Attributes = { ["channel"] = "app" },
    };

    public SubmitReportRequest Request(string kind, long n) => new() { Report = Report("terminal", $"bench-{RunId}-{kind}-{n}") };
}
