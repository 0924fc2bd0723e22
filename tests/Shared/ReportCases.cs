using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Intake.Domain;

namespace TestData;

/// <summary>
/// Reports for Intake's tests, shared by the unit tests (validator) and the integration tests
/// (the same table through the gRPC door and the partner topic must give the same reasons).
/// </summary>
public static class ReportCases
{
    /// <summary>One mutation of the valid report and the single violation it must produce.</summary>
    public sealed record InvalidCase(string Name, Func<Report, Report?> Mutate, string Field, string Reason);

    private static readonly IntakeOptions Defaults = new();

    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(Defaults.MaxFutureSkewSeconds);

    private static Timestamp At(DateTimeOffset time) => Timestamp.FromDateTimeOffset(time);

    /// <summary>A theft report that meets every rule; each invalid case changes exactly one thing in it.</summary>
    public static Report Valid(DateTimeOffset now) => new()
    {
        Source = "terminal",
        ExternalId = "ext-0001",
        OccurredAt = At(now.AddHours(-1)),
        ReportedAt = At(now.AddMinutes(-30)),
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

    private static InvalidCase Case(string name, Action<Report> mutate, string field, string reason)
        => new(name, r => { mutate(r); return r; }, field, reason);

    /// <summary>
    /// At least 30 invalid reports, each one change to <see cref="Valid"/> and the one violation it must
    /// give, with the exact field and reason. Times are relative to <paramref name="now"/>, with margins
    /// wide enough for a running service whose clock is a little ahead of the test's.
    /// </summary>
    public static IReadOnlyList<InvalidCase> Invalid(DateTimeOffset now) =>
    [
        Case("source empty", r => r.Source = "", "report.source", ViolationReasons.Required),
        Case("source blank", r => r.Source = " \t ", "report.source", ViolationReasons.Required),
        Case("source too long", r => r.Source = new string('s', ReportValidator.MaxSourceLength + 1), "report.source", ViolationReasons.TooLong),
        Case("source control char", r => r.Source = "term\u0001inal", "report.source", ViolationReasons.InvalidFormat),
        Case("source embedded newline", r => r.Source = "term\ninal", "report.source", ViolationReasons.InvalidFormat),
        Case("external_id empty", r => r.ExternalId = "", "report.external_id", ViolationReasons.Required),
        Case("external_id blank", r => r.ExternalId = "   ", "report.external_id", ViolationReasons.Required),
        Case("external_id too long", r => r.ExternalId = new string('x', ReportValidator.MaxExternalIdLength + 1), "report.external_id", ViolationReasons.TooLong),
        Case("external_id control char", r => r.ExternalId = "ext\u007f1", "report.external_id", ViolationReasons.InvalidFormat),
        Case("category unspecified", r => r.Category = IncidentCategory.Unspecified, "report.category", ViolationReasons.Required),
        Case("category unknown", r => r.Category = (IncidentCategory)999, "report.category", ViolationReasons.UnknownValue),
        Case("priority unknown", r => r.Priority = (Priority)999, "report.priority", ViolationReasons.UnknownValue),
        Case("location missing", r => r.Location = null, "report.location", ViolationReasons.Required),
        Case("latitude above the mappable range", r => r.Location.Latitude = 85.0512, "report.location.latitude", ViolationReasons.OutOfRange),
        Case("latitude below the mappable range", r => r.Location.Latitude = -85.0512, "report.location.latitude", ViolationReasons.OutOfRange),
        Case("latitude NaN", r => r.Location.Latitude = double.NaN, "report.location.latitude", ViolationReasons.OutOfRange),
        Case("latitude +infinity", r => r.Location.Latitude = double.PositiveInfinity, "report.location.latitude", ViolationReasons.OutOfRange),
        Case("longitude above 180", r => r.Location.Longitude = 180.5, "report.location.longitude", ViolationReasons.OutOfRange),
        Case("longitude below -180", r => r.Location.Longitude = -181, "report.location.longitude", ViolationReasons.OutOfRange),
        Case("longitude NaN", r => r.Location.Longitude = double.NaN, "report.location.longitude", ViolationReasons.OutOfRange),
        Case("longitude -infinity", r => r.Location.Longitude = double.NegativeInfinity, "report.location.longitude", ViolationReasons.OutOfRange),
        Case("null island", r => { r.Location.Latitude = 0; r.Location.Longitude = 0; }, "report.location", ViolationReasons.OutOfRange),
        Case("accuracy negative", r => r.Location.AccuracyM = -1, "report.location.accuracy_m", ViolationReasons.OutOfRange),
        Case("accuracy NaN", r => r.Location.AccuracyM = double.NaN, "report.location.accuracy_m", ViolationReasons.OutOfRange),
        Case("occurred_at missing", r => r.OccurredAt = null, "report.occurred_at", ViolationReasons.Required),
        // reported_at is optional; cleared so that only the occurred_at rule is exercised.
        Case("occurred_at in future beyond skew", r => { r.OccurredAt = At(now + Skew + TimeSpan.FromMinutes(1)); r.ReportedAt = null; }, "report.occurred_at", ViolationReasons.InFuture),
        Case("occurred_at too old", r => r.OccurredAt = At(now.AddDays(-Defaults.MaxAgeDays - 1)), "report.occurred_at", ViolationReasons.TooOld),
        Case("occurred_at nanos negative", r => r.OccurredAt.Nanos = -1, "report.occurred_at", ViolationReasons.InvalidFormat),
        Case("occurred_at nanos one second", r => r.OccurredAt.Nanos = 1_000_000_000, "report.occurred_at", ViolationReasons.InvalidFormat),
        Case("occurred_at seconds before year 1", r => r.OccurredAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = -62_135_596_801 }, "report.occurred_at", ViolationReasons.InvalidFormat),
        Case("reported_at before occurred_at", r => r.ReportedAt = At(now.AddHours(-2)), "report.reported_at", ViolationReasons.OutOfRange),
        Case("reported_at in future beyond skew", r => r.ReportedAt = At(now + Skew + TimeSpan.FromMinutes(1)), "report.reported_at", ViolationReasons.InFuture),
        Case("reported_at nanos invalid", r => r.ReportedAt.Nanos = -5, "report.reported_at", ViolationReasons.InvalidFormat),
        Case("description 8 KB + 1 ASCII byte", r => r.Description = new string('d', ReportValidator.MaxDescriptionBytes + 1), "report.description", ViolationReasons.TooLong),
        // 2731 chars but 8193 UTF-8 bytes: the limit is in bytes, not characters.
        Case("description multi-byte over 8 KB", r => r.Description = new string('€', 2731), "report.description", ViolationReasons.TooLong),
        // 2049 surrogate pairs: 4098 chars, 8196 bytes.
        Case("description emoji over 8 KB", r => r.Description = string.Concat(Enumerable.Repeat("😀", 2049)), "report.description", ViolationReasons.TooLong),
        Case("address too long", r => r.Address = new string('a', ReportValidator.MaxAddressLength + 1), "report.address", ViolationReasons.TooLong),
        Case("65 identifiers", r => { r.Identifiers.Clear(); r.Identifiers.Add(Enumerable.Range(0, ReportValidator.MaxIdentifiers + 1).Select(Phone)); }, "report.identifiers", ViolationReasons.TooMany),
        Case("identifier type unspecified", r => r.Identifiers[0].Type = IdentifierType.Unspecified, "report.identifiers[0].type", ViolationReasons.Required),
        Case("identifier type unknown", r => r.Identifiers[0].Type = (IdentifierType)999, "report.identifiers[0].type", ViolationReasons.UnknownValue),
        Case("identifier value empty", r => r.Identifiers[0].Value = "", "report.identifiers[0].value", ViolationReasons.Required),
        Case("identifier value blank", r => r.Identifiers[0].Value = "  ", "report.identifiers[0].value", ViolationReasons.Required),
        Case("identifier value too long", r => r.Identifiers[0].Value = new string('9', ReportValidator.MaxIdentifierValueLength + 1), "report.identifiers[0].value", ViolationReasons.TooLong),
        Case("second identifier blank", r => r.Identifiers.Add(new Identifier { Type = IdentifierType.Ip, Value = "" }), "report.identifiers[1].value", ViolationReasons.Required),
        Case("33 parties", r => r.Parties.Add(Enumerable.Range(0, ReportValidator.MaxParties).Select(_ => new Party { Role = PartyRole.Witness })), "report.parties", ViolationReasons.TooMany),
        Case("party identifier value blank", r => r.Parties[0].Identifiers[0].Value = " ", "report.parties[0].identifiers[0].value", ViolationReasons.Required),
        Case("party identifier value too long", r => r.Parties[0].Identifiers[0].Value = new string('p', ReportValidator.MaxIdentifierValueLength + 1), "report.parties[0].identifiers[0].value", ViolationReasons.TooLong),
        Case("party identifier type unspecified", r => r.Parties[0].Identifiers[0].Type = IdentifierType.Unspecified, "report.parties[0].identifiers[0].type", ViolationReasons.Required),
        Case("party identifier type unknown", r => r.Parties[0].Identifiers[0].Type = (IdentifierType)77, "report.parties[0].identifiers[0].type", ViolationReasons.UnknownValue),
        Case("party with 65 identifiers", r => r.Parties[0].Identifiers.Add(Enumerable.Range(0, ReportValidator.MaxIdentifiers).Select(Phone)), "report.parties[0].identifiers", ViolationReasons.TooMany),
        Case("second party identifier blank", r => r.Parties.Add(new Party { Identifiers = { new Identifier { Type = IdentifierType.Phone } } }), "report.parties[1].identifiers[0].value", ViolationReasons.Required),
        Case("loss negative", r => r.ReportedLoss.MinorUnits = -1, "report.reported_loss.minor_units", ViolationReasons.OutOfRange),
        Case("currency lower case", r => r.ReportedLoss.CurrencyCode = "cny", "report.reported_loss.currency_code", ViolationReasons.InvalidFormat),
        Case("currency empty", r => r.ReportedLoss.CurrencyCode = "", "report.reported_loss.currency_code", ViolationReasons.InvalidFormat),
        Case("currency four letters", r => r.ReportedLoss.CurrencyCode = "CNYY", "report.reported_loss.currency_code", ViolationReasons.InvalidFormat),
        Case("currency with digit", r => r.ReportedLoss.CurrencyCode = "C1Y", "report.reported_loss.currency_code", ViolationReasons.InvalidFormat),
        Case("currency non-ASCII letters", r => r.ReportedLoss.CurrencyCode = "ÉUR", "report.reported_loss.currency_code", ViolationReasons.InvalidFormat),
        Case("65 attributes", r => { for (var i = 0; i < ReportValidator.MaxAttributes; i++) { r.Attributes[$"k{i}"] = "v"; } }, "report.attributes", ViolationReasons.TooMany),
        Case("fraud without identifiers or loss", r => { r.Category = IncidentCategory.Fraud; r.Identifiers.Clear(); r.ReportedLoss = null; }, "report.identifiers", ViolationReasons.Required),
        Case("wanted-person sighting without party or identifier", r => { r.Category = IncidentCategory.WantedPersonSighting; r.Parties.Clear(); r.Identifiers.Clear(); }, "report.parties", ViolationReasons.Required),
        Case("missing person without party", r => { r.Category = IncidentCategory.MissingPerson; r.Parties.Clear(); }, "report.parties", ViolationReasons.Required),
        new InvalidCase("null report", _ => null, "report", ViolationReasons.Required),
    ];
}
