using System.Text;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;
using ServiceDefaults;

namespace Intake.Domain;

/// <summary>
/// The rules every report must meet, whichever door it came through. Returns every violation,
/// not just the first, so a partner can fix a payload in one round.
/// </summary>
public sealed class ReportValidator(IOptions<IntakeOptions> options, TimeProvider clock)
{
    public const int MaxSourceLength = 64;
    public const int MaxExternalIdLength = 128;
    public const int MaxDescriptionBytes = 8 * 1024;
    public const int MaxAddressLength = 512;
    public const int MaxIdentifiers = 64;
    public const int MaxParties = 32;
    public const int MaxIdentifierValueLength = 256;
    public const int MaxAttributes = 64;

    public IReadOnlyList<FieldViolation> Validate(Report? report, string prefix = "report")
    {
        var violations = new List<FieldViolation>();
        void Add(string field, string reason, string description)
            => violations.Add(new FieldViolation { Field = $"{prefix}.{field}", Reason = reason, Description = description });

        if (report is null)
        {
            violations.Add(new FieldViolation { Field = prefix, Reason = ViolationReasons.Required, Description = "a report is required" });
            return violations;
        }

        CheckToken(report.Source, "source", MaxSourceLength, Add);
        CheckToken(report.ExternalId, "external_id", MaxExternalIdLength, Add);

        if (report.Category == IncidentCategory.Unspecified)
        {
            Add("category", ViolationReasons.Required, "category is required");
        }
        else if (!Enum.IsDefined(report.Category))
        {
            Add("category", ViolationReasons.UnknownValue, $"unknown category {(int)report.Category}");
        }

        if (!Enum.IsDefined(report.Priority))
        {
            Add("priority", ViolationReasons.UnknownValue, $"unknown priority {(int)report.Priority}");
        }

        CheckLocation(report.Location, Add);
        CheckTimes(report, Add);

        if (Encoding.UTF8.GetByteCount(report.Description) > MaxDescriptionBytes)
        {
            Add("description", ViolationReasons.TooLong, $"description must be at most {MaxDescriptionBytes} bytes");
        }
        if (report.Address.Trim().Length > MaxAddressLength)
        {
            Add("address", ViolationReasons.TooLong, $"address must be at most {MaxAddressLength} characters");
        }
        if (report.District.Trim().Length > MaxSourceLength)
        {
            Add("district", ViolationReasons.TooLong, $"district must be at most {MaxSourceLength} characters");
        }

        CheckIdentifiers(report.Identifiers, "identifiers", MaxIdentifiers, Add);
        if (report.Parties.Count > MaxParties)
        {
            Add("parties", ViolationReasons.TooMany, $"at most {MaxParties} parties");
        }
        for (var i = 0; i < Math.Min(report.Parties.Count, MaxParties); i++)
        {
            CheckIdentifiers(report.Parties[i].Identifiers, $"parties[{i}].identifiers", MaxIdentifiers, Add);
        }

        if (report.ReportedLoss is { } loss)
        {
            if (loss.MinorUnits < 0)
            {
                Add("reported_loss.minor_units", ViolationReasons.OutOfRange, "a loss cannot be negative");
            }
            if (loss.CurrencyCode.Length != 3 || !loss.CurrencyCode.All(char.IsAsciiLetterUpper))
            {
                Add("reported_loss.currency_code", ViolationReasons.InvalidFormat, "an ISO 4217 code such as CNY is required with an amount");
            }
        }

        if (report.Attributes.Count > MaxAttributes)
        {
            Add("attributes", ViolationReasons.TooMany, $"at most {MaxAttributes} attributes");
        }

        CheckCategoryRequirements(report, Add);
        return violations;
    }

    private static void CheckToken(string value, string field, int maxLength, Action<string, string, string> add)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            add(field, ViolationReasons.Required, $"{field} is required");
        }
        else if (value.Trim().Length > maxLength)
        {
            add(field, ViolationReasons.TooLong, $"{field} must be at most {maxLength} characters");
        }
        else if (value.Any(char.IsControl))
        {
            add(field, ViolationReasons.InvalidFormat, $"{field} must not contain control characters");
        }
    }

    private static void CheckLocation(GeoPoint? location, Action<string, string, string> add)
    {
        if (location is null)
        {
            add("location", ViolationReasons.Required, "location is required");
            return;
        }
        if (!double.IsFinite(location.Latitude) || Math.Abs(location.Latitude) > GeoLimits.MaxLatitude)
        {
            add("location.latitude", ViolationReasons.OutOfRange, $"latitude must be between -{GeoLimits.MaxLatitude} and {GeoLimits.MaxLatitude} (the mappable range)");
        }
        if (!double.IsFinite(location.Longitude) || location.Longitude is < -180 or > 180)
        {
            add("location.longitude", ViolationReasons.OutOfRange, "longitude must be between -180 and 180");
        }
        if (location is { Latitude: 0, Longitude: 0 })
        {
            // Null Island: what a device sends when it has no fix.
            add("location", ViolationReasons.OutOfRange, "0,0 is a missing GPS fix, not a place");
        }
        if (!double.IsFinite(location.AccuracyM) || location.AccuracyM < 0)
        {
            add("location.accuracy_m", ViolationReasons.OutOfRange, "accuracy must be zero (unknown) or positive");
        }
    }

    private void CheckTimes(Report report, Action<string, string, string> add)
    {
        var now = clock.GetUtcNow();
        var latest = now.AddSeconds(options.Value.MaxFutureSkewSeconds);
        var earliest = now.AddDays(-options.Value.MaxAgeDays);

        if (report.OccurredAt is null)
        {
            add("occurred_at", ViolationReasons.Required, "occurred_at is required");
        }
        else
        {
            CheckTime(report.OccurredAt, "occurred_at", earliest, latest, add);
        }

        if (report.ReportedAt is not null)
        {
            CheckTime(report.ReportedAt, "reported_at", earliest, latest, add);
            if (report.OccurredAt is not null && report.ReportedAt < report.OccurredAt)
            {
                add("reported_at", ViolationReasons.OutOfRange, "reported_at cannot be before occurred_at");
            }
        }
    }

    private void CheckTime(Google.Protobuf.WellKnownTypes.Timestamp value, string field, DateTimeOffset earliest, DateTimeOffset latest, Action<string, string, string> add)
    {
        if (value.Nanos is < 0 or > 999_999_999 || value.Seconds is < -62_135_596_800 or > 253_402_300_799)
        {
            add(field, ViolationReasons.InvalidFormat, $"{field} is not a valid timestamp");
            return;
        }
        var time = value.ToDateTimeOffset();
        if (time > latest)
        {
            add(field, ViolationReasons.InFuture, $"{field} is more than {options.Value.MaxFutureSkewSeconds} s in the future");
        }
        else if (time < earliest)
        {
            add(field, ViolationReasons.TooOld, $"{field} is more than {options.Value.MaxAgeDays} days ago");
        }
    }

    private static void CheckIdentifiers(IReadOnlyList<Identifier> identifiers, string field, int max, Action<string, string, string> add)
    {
        if (identifiers.Count > max)
        {
            add(field, ViolationReasons.TooMany, $"at most {max} identifiers");
            return;
        }
        for (var i = 0; i < identifiers.Count; i++)
        {
            var identifier = identifiers[i];
            if (identifier.Type == IdentifierType.Unspecified || !Enum.IsDefined(identifier.Type))
            {
                add($"{field}[{i}].type", identifier.Type == IdentifierType.Unspecified ? ViolationReasons.Required : ViolationReasons.UnknownValue,
                    "identifier type is required and must be known");
            }
            if (string.IsNullOrWhiteSpace(identifier.Value))
            {
                add($"{field}[{i}].value", ViolationReasons.Required, "identifier value is required");
            }
            else if (identifier.Value.Trim().Length > MaxIdentifierValueLength)
            {
                add($"{field}[{i}].value", ViolationReasons.TooLong, $"identifier value must be at most {MaxIdentifierValueLength} characters");
            }
            else if (identifier.Value.Any(char.IsControl))
            {
                add($"{field}[{i}].value", ViolationReasons.InvalidFormat, "identifier value must not contain control characters");
            }
        }
    }

    private static void CheckCategoryRequirements(Report report, Action<string, string, string> add)
    {
        switch (report.Category)
        {
            case IncidentCategory.Fraud when report.Identifiers.Count == 0 && report.ReportedLoss is null:
                add("identifiers", ViolationReasons.Required, "a fraud report needs at least one identifier (account, phone, device...) or a reported loss");
                break;
            case IncidentCategory.WantedPersonSighting when report.Parties.Count == 0 && report.Identifiers.Count == 0:
                add("parties", ViolationReasons.Required, "a wanted-person sighting needs the person (a party) or an identifier");
                break;
            case IncidentCategory.MissingPerson when report.Parties.Count == 0:
                add("parties", ViolationReasons.Required, "a missing-person report needs a description of the person");
                break;
        }
    }
}
