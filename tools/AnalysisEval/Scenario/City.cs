using Contracts.Common.V1;

namespace AnalysisEval.Scenario;

/// <summary>
/// A Shenzhen-like city 36 km east-west and 18 km north-south, cut into six districts of 12 × 9 km
/// (three columns, two rows). Offences cluster around commercial streets, metro exits and night
/// markets; a share happens anywhere. Times are local (Asia/Shanghai, UTC+8, no daylight saving).
/// </summary>
public static class City
{
    public const string TimeZoneId = "Asia/Shanghai";
    public static readonly TimeSpan UtcOffset = TimeSpan.FromHours(8);

    public const double SouthLatitude = 22.48;
    public const double WestLongitude = 113.88;
    public const double WidthM = 36_000;
    public const double HeightM = 18_000;

    private const double MetresPerDegreeLatitude = 111_320;

    private static readonly string[,] DistrictNames =
    {
        { "Nanshan", "Futian", "Luohu" },      // south row, west to east
        { "Bao'an", "Longhua", "Longgang" },    // north row
    };

    public static IReadOnlyList<string> Districts { get; } = ["Nanshan", "Futian", "Luohu", "Bao'an", "Longhua", "Longgang"];

    /// <summary>The district containing a point given in metres east / north of the south-west corner.</summary>
    public static string DistrictAt(double eastM, double northM)
    {
        var column = Math.Clamp((int)(eastM / (WidthM / 3)), 0, 2);
        var row = Math.Clamp((int)(northM / (HeightM / 2)), 0, 1);
        return DistrictNames[row, column];
    }

    public static GeoPoint ToGeo(double eastM, double northM, double accuracyM) => new()
    {
        Latitude = Math.Round(SouthLatitude + northM / MetresPerDegreeLatitude, 6),
        Longitude = Math.Round(WestLongitude + eastM / (MetresPerDegreeLatitude * Math.Cos(SouthLatitude * Math.PI / 180)), 6),
        AccuracyM = accuracyM,
    };

    public static (double EastM, double NorthM) Clamp(double eastM, double northM)
        => (Math.Clamp(eastM, 200, WidthM - 200), Math.Clamp(northM, 200, HeightM - 200));

    private static readonly string[] StreetNames =
    [
        "Shennan Road", "Binhe Avenue", "Huaqiang North Road", "Dongmen Road", "Jianshe Road", "Xinan Road", "Bao'an Avenue",
        "Longhua Avenue", "Longgang Avenue", "Xiangmihu Road", "Keyuan Road", "Nanhai Avenue", "Hongli Road", "Bagua Road",
        "Buji Road", "Qianhai Road", "Meilin Road", "Cuizhu Road", "Wenjin Road", "Minzhi Avenue",
    ];

    /// <summary>A plausible street address near a point: the street follows from the position, so nearby points share streets.</summary>
    public static string AddressNear(double eastM, double northM, Random random)
    {
        // Non-negative index: a point jittered past the city's south or west edge still gets a street.
        var street = StreetNames[((int)Math.Floor(eastM / 1800 + northM / 2500 * 7) % StreetNames.Length + StreetNames.Length) % StreetNames.Length];
        return $"{random.Next(1, 400)} {street}, {DistrictAt(eastM, northM)}";
    }
}
