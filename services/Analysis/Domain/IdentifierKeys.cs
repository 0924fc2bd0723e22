using System.Globalization;
using System.Text;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// One spelling per identifier, so that "+86 138-0013-8000" and "8613800138000" meet: a key is
/// "type:value" with the value normalised for its type. Keys contain no control characters (the
/// Redis scripts use those as separators).
/// </summary>
public static class IdentifierKeys
{
    /// <summary>The identifiers that fraud infrastructure is made of.</summary>
    public static bool IsFraudInfrastructure(IdentifierType type) => type is IdentifierType.BankAccount or IdentifierType.PaymentAccount
        or IdentifierType.Phone or IdentifierType.Device or IdentifierType.SimGateway or IdentifierType.Ip
        or IdentifierType.SocialAccount or IdentifierType.Url;

    /// <summary>Null when nothing identifying is left after normalising (empty, punctuation only).</summary>
    public static string? Key(Identifier identifier) => Key(identifier.Type, identifier.Value);

    public static string? Key(IdentifierType type, string? value)
    {
        var normalised = Normalise(type, value);
        return normalised.Length == 0 ? null : $"{TypeCode(type)}:{normalised}";
    }

    /// <summary>Person names for watchlist sightings: "name:zhang wei".</summary>
    public static string? NameKey(string? name)
    {
        var normalised = Collapse(Clean(name).ToLowerInvariant());
        return normalised.Length == 0 ? null : $"name:{normalised}";
    }

    public static string Normalise(IdentifierType type, string? value)
    {
        var text = Clean(value);
        return type switch
        {
            // Digits only, keeping a leading +; a national 00 prefix is the same as +.
            IdentifierType.Phone => NormalisePhone(text),
            IdentifierType.BankAccount or IdentifierType.IdNumber or IdentifierType.VehiclePlate
                => new string([.. text.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant)]),
            IdentifierType.Url => NormaliseUrl(text),
            _ => Collapse(text.ToLowerInvariant()),
        };
    }

    /// <summary>The identifier back from its key, for evidence and API answers.</summary>
    public static Identifier FromKey(string key)
    {
        var colon = key.IndexOf(':');
        var code = colon < 0 ? key : key[..colon];
        var value = colon < 0 ? "" : key[(colon + 1)..];
        var type = Enum.GetValues<IdentifierType>().FirstOrDefault(t => TypeCode(t) == code);
        return new Identifier { Type = type, Value = value };
    }

    /// <summary>"bank account 6222020200112233".</summary>
    public static string Describe(string key)
    {
        var identifier = FromKey(key);
        return $"{TypeName(identifier.Type)} {identifier.Value}";
    }

    public static string TypeName(IdentifierType type) => type switch
    {
        IdentifierType.Phone => "phone",
        IdentifierType.BankAccount => "bank account",
        IdentifierType.PaymentAccount => "payment account",
        IdentifierType.Device => "device",
        IdentifierType.SimGateway => "SIM gateway",
        IdentifierType.Ip => "IP",
        IdentifierType.VehiclePlate => "plate",
        IdentifierType.IdNumber => "ID number",
        IdentifierType.SocialAccount => "social account",
        IdentifierType.Url => "URL",
        _ => "identifier",
    };

    private static string TypeCode(IdentifierType type) => type switch
    {
        IdentifierType.Phone => "phone",
        IdentifierType.BankAccount => "bank",
        IdentifierType.PaymentAccount => "pay",
        IdentifierType.Device => "device",
        IdentifierType.SimGateway => "simgw",
        IdentifierType.Ip => "ip",
        IdentifierType.VehiclePlate => "plate",
        IdentifierType.IdNumber => "idno",
        IdentifierType.SocialAccount => "social",
        IdentifierType.Url => "url",
        _ => ((int)type).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Full-width forms folded, control characters dropped, trimmed.</summary>
    private static string Clean(string? value)
        => string.IsNullOrEmpty(value) ? "" : new string([.. TextFolding.Fold(value).Where(c => !char.IsControl(c))]).Trim();

    private static string Collapse(string text) => string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static string NormalisePhone(string text)
    {
        var digits = new string([.. text.Where(char.IsAsciiDigit)]);
        if (text.StartsWith('+'))
        {
            return "+" + digits;
        }
        return digits.StartsWith("00", StringComparison.Ordinal) && digits.Length > 2 ? "+" + digits[2..] : digits;
    }

    private static string NormaliseUrl(string text)
    {
        var url = text.ToLowerInvariant();
        foreach (var scheme in (string[])["https://", "http://"])
        {
            if (url.StartsWith(scheme, StringComparison.Ordinal))
            {
                url = url[scheme.Length..];
            }
        }
        if (url.StartsWith("www.", StringComparison.Ordinal))
        {
            url = url[4..];
        }
        return url.TrimEnd('/');
    }
}
