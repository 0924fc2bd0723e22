using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Intake.Domain;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Intake.UnitTests;

/// <summary>The fixed clock, the default options and the one valid report every case starts from.</summary>
internal static class Reports
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly IntakeOptions Options = new();

    public static FakeTimeProvider Clock() => new(Now);

    public static ReportValidator Validator() => new(Microsoft.Extensions.Options.Options.Create(Options), Clock());

    public static Timestamp At(DateTimeOffset time) => Timestamp.FromDateTimeOffset(time);

    /// <summary>A theft report that meets every rule; each invalid case changes exactly one thing in it.</summary>
    public static Report Valid() => new()
    {
        Source = "terminal",
        ExternalId = "ext-0001",
        OccurredAt = At(Now.AddHours(-1)),
        ReportedAt = At(Now.AddMinutes(-30)),
        Category = IncidentCategory.Theft,
        Priority = Priority.Unspecified,
        Location = new GeoPoint { Latitude = 31.2304, Longitude = 121.4737, AccuracyM = 12 },
        Address = "1 Nanjing East Road",
        District = "Huangpu",
        Description = "phone snatched from a cafe table",
        Identifiers = { new Identifier { Type = IdentifierType.Phone, Value = "+8613800000000" } },
        Parties =
        {
            new Party
            {
                Role = PartyRole.Suspect,
                Description = "male, black hoodie",
                Identifiers = { new Identifier { Type = IdentifierType.VehiclePlate, Value = "HU-A12345" } },
            },
        },
        ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = 599_900 },
        Attributes = { ["channel"] = "app" },
    };

    public static Identifier Phone(int i) => new() { Type = IdentifierType.Phone, Value = $"+86138{i:D8}" };
}
