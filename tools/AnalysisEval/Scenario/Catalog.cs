using Contracts.Common.V1;

namespace AnalysisEval.Scenario;

/// <summary>
/// One way a property offence is committed: category, entry method, target, when in the day (local hour,
/// normal around a mean) and what is taken. Weight = how common it is in the background.
/// </summary>
public sealed record CrimeProfile(
    IncidentCategory Category,
    string EntryMethod,
    string TargetType,
    double Weight,
    double MeanHour,
    double HourSd,
    string[] Property,
    string VehicleKind = "")
{
    public bool SerialProne { get; init; }
}

/// <summary>What offences, people and vehicles look like in the generated city (DOMAIN.md: door-pull burglaries of phone shops and roller-door shops at night, roaming crews, e-bike and metro thefts).</summary>
public static class Catalog
{
    private const IncidentCategory Burglary = IncidentCategory.Burglary;
    private const IncidentCategory Theft = IncidentCategory.Theft;
    private const IncidentCategory Robbery = IncidentCategory.Robbery;

    public static readonly IReadOnlyList<CrimeProfile> Profiles =
    [
        new(Burglary, "window-smash", "residence", 6, 14, 4, ["cash", "jewellery", "laptop", "phone"]),
        new(Burglary, "lock-picking", "residence", 5, 11, 3, ["cash", "jewellery", "watch"]),
        new(Burglary, "forced-door", "residence", 5, 3, 2, ["cash", "jewellery", "laptop"]) { SerialProne = true },
        new(Burglary, "unlocked-door", "residence", 4, 13, 5, ["phone", "cash", "handbag"]),
        new(Burglary, "climb-balcony", "residence", 2, 2, 2, ["cash", "phone", "laptop"]),
        new(Burglary, "window-smash", "convenience-store", 3, 3, 1.5, ["cash", "cigarettes", "liquor"]) { SerialProne = true },
        new(Burglary, "roller-door-pry", "roller-door-shop", 3, 2.5, 1.5, ["cash", "goods", "cigarettes"]) { SerialProne = true },
        new(Burglary, "door-pull", "roller-door-shop", 1.5, 3, 1.5, ["cash", "goods", "cigarettes"]) { SerialProne = true },
        new(Burglary, "door-pull", "phone-shop", 1, 3, 1.5, ["phones", "tablets", "cash"]) { SerialProne = true },
        new(Burglary, "window-smash", "phone-shop", 1, 3, 1.5, ["phones", "cash"]) { SerialProne = true },
        new(Burglary, "forced-door", "restaurant", 2, 4, 1.5, ["cash", "liquor"]),
        new(Burglary, "forced-door", "office", 2, 1, 3, ["laptops", "cash"]),
        new(Burglary, "roof-entry", "warehouse", 1, 2, 2, ["goods", "copper-cable"]),
        new(Burglary, "window-smash", "pharmacy", 1, 3, 1.5, ["cash", "medicine"]),
        new(Theft, "pickpocket", "metro-passenger", 6, 8.5, 2, ["phone", "wallet"]) { SerialProne = true },
        new(Theft, "pickpocket", "pedestrian", 5, 19, 3, ["phone", "wallet"]),
        new(Theft, "bag-slash", "pedestrian", 2, 17, 3, ["wallet", "phone"]),
        new(Theft, "shoplifting", "supermarket", 5, 16, 4, ["goods", "liquor", "baby-formula"]),
        new(Theft, "lock-cut", "e-bike-parking", 6, 2, 3, ["e-bike", "battery"]) { SerialProne = true },
        new(Theft, "battery-theft", "e-bike-parking", 3, 3, 3, ["battery"]) { SerialProne = true },
        new(Theft, "vehicle-break-in", "parked-car", 4, 1, 3, ["bag", "laptop", "cash"]) { SerialProne = true },
        new(Theft, "distraction", "market-stall", 2, 11, 3, ["cash", "phone"]),
        new(Robbery, "bag-snatch-from-motorbike", "pedestrian", 2, 21, 2, ["handbag", "phone", "wallet"], "motorbike") { SerialProne = true },
        new(Robbery, "knife-threat", "late-night-store", 1, 2, 2, ["cash", "cigarettes"]) { SerialProne = true },
        new(Robbery, "street-mugging", "pedestrian", 1.5, 23, 2, ["phone", "wallet", "cash"]),
        new(Robbery, "knife-threat", "taxi-driver", 0.5, 1, 2, ["cash", "phone"]),
    ];

    /// <summary>Serial crews: door-pull shop burglars are the commonest in the reports, so they weigh most.</summary>
    public static readonly IReadOnlyList<(CrimeProfile Profile, double Weight)> SerialProfiles =
        Profiles.Where(p => p.SerialProne)
            .Select(p => (p, p.EntryMethod == "door-pull" ? 4.0 : p.Category == Burglary ? 2.0 : 1.0))
            .ToList();

    /// <summary>A second target a crew also works: door-pull crews hit phone shops and roller-door shops alike.</summary>
    public static string? SecondTarget(CrimeProfile profile) => (profile.EntryMethod, profile.TargetType) switch
    {
        ("door-pull", "phone-shop") => "roller-door-shop",
        ("door-pull", "roller-door-shop") => "phone-shop",
        ("window-smash", "convenience-store") => "phone-shop",
        ("window-smash", "phone-shop") => "convenience-store",
        ("lock-cut", "e-bike-parking") => null,
        ("knife-threat", "late-night-store") => "convenience-store",
        _ => null,
    };

    /// <summary>How another officer might record the same entry: the free-text variance that defeats exact matching.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> EntryMethodVariants = new Dictionary<string, string[]>
    {
        ["door-pull"] = ["forced-door", "unlocked-door", "roller-door-pry"],
        ["roller-door-pry"] = ["forced-door", "door-pull"],
        ["window-smash"] = ["glass-break", "forced-door"],
        ["forced-door"] = ["lock-picking", "door-pull"],
        ["lock-cut"] = ["battery-theft", "unknown"],
        ["battery-theft"] = ["lock-cut"],
        ["pickpocket"] = ["bag-slash", "distraction"],
        ["vehicle-break-in"] = ["window-smash"],
        ["bag-snatch-from-motorbike"] = ["street-mugging"],
        ["knife-threat"] = ["street-mugging", "threat"],
    };

    public static readonly string[] Builds = ["slim", "medium", "heavy", "athletic"];
    public static readonly string[] Colours = ["black", "grey", "white", "blue", "dark-green", "red", "brown"];
    public static readonly string[] Garments = ["hoodie", "jacket", "t-shirt", "windbreaker", "shirt", "coat", "tracksuit"];
    public static readonly string[] Extras = ["baseball cap", "face mask", "backpack", "jeans", "sneakers", "gloves", "helmet"];

    public static readonly string[] Marks =
    [
        "dragon tattoo on left forearm", "scar on right cheek", "walks with a limp", "gold front tooth", "shaved head",
        "tiger tattoo on neck", "missing finger on left hand", "mole above lip", "dyed blond hair", "burn scar on right hand",
    ];

    public static readonly (string Kind, string[] Makes)[] VehicleKinds =
    [
        ("van", ["wuling", "jinbei", "ford"]),
        ("car", ["byd", "toyota", "volkswagen", "honda", "geely"]),
        ("motorbike", ["haojue", "yamaha", "dayang"]),
        ("e-bike", ["yadea", "aima", "niu"]),
    ];

    public static readonly string[] VehicleColours = ["white", "silver", "black", "grey", "red", "blue"];

    public static readonly string[] Surnames = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"];
    public static readonly string[] GivenNames = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yang", "Yong", "Jie", "Tao", "Ming", "Chao", "Xiu", "Hui", "Qiang", "Lan", "Ping", "Gang", "Hong"];

    /// <summary>Identifiers many unrelated fraud victims mention: the bank's own hotline, a popular app. Linking on them would merge everything.</summary>
    public static readonly Identifier[] CommonIdentifiers =
    [
        new() { Type = IdentifierType.Phone, Value = "95588" },                     // a big bank's public hotline
        new() { Type = IdentifierType.Phone, Value = "95533" },
        new() { Type = IdentifierType.Url, Value = "https://www.douyin.com" },      // the video app the scam ad ran on
        new() { Type = IdentifierType.Url, Value = "https://weixin.qq.com" },
        new() { Type = IdentifierType.PaymentAccount, Value = "alipay:customer-service" },
    ];

    public static readonly (string Kind, string Opening)[] FraudScripts =
    [
        ("pig-butchering", "met 'investment mentor' online, deposited into a trading platform that froze withdrawals"),
        ("fake-police", "caller claimed to be police, said the victim's account was used for laundering, told them to move money to a 'safe account'"),
        ("refund", "caller posing as courier customer service offered a refund for a lost parcel and asked for a screen share"),
        ("loan", "online loan app demanded an 'unfreezing fee' before paying out the loan"),
        ("part-time-job", "recruited for paid 'likes', told to prepay larger tasks to unlock commissions"),
    ];
}
