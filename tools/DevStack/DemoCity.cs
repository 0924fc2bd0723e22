using Contracts.Common.V1;

namespace DevStack;

/// <summary>A unit of the demo city as its terminal introduces itself.</summary>
internal sealed record DemoUnit(string UnitId, string CallSign, UnitKind Kind, Capability[] Capabilities, string HomeArea, GeoPoint Position);

/// <summary>A named place of the demo city.</summary>
internal sealed record DemoPlace(string Name, string District, GeoPoint Position);

/// <summary>
/// A small city around West Lake, Hangzhou: named places, and the units on duty — minimal
/// emergency units stationed at malls, schools and markets (seconds away from trouble there),
/// patrol cars, foot patrols, community police, a special police team and a drone.
/// </summary>
internal static class DemoCity
{
    public const double CentreLatitude = 30.2741;
    public const double CentreLongitude = 120.1551;

    /// <summary>Hangzhou's time zone (IANA id).</summary>
    public const string TimeZoneId = "Asia/Shanghai";

    // Declared before the places: static initialisers run in text order.
    private static readonly GeoPoint CityCentre = new() { Latitude = CentreLatitude, Longitude = CentreLongitude };

    // Places, offsets in metres north / east of the centre.
    public static readonly DemoPlace WulinSquare = Place("Wulin Square", "Xiacheng", 350, 950);
    public static readonly DemoPlace HubinMall = Place("Hubin Mall, Pinghai Road", "Shangcheng", -1450, 700);
    public static readonly DemoPlace WulinMall = Place("Wulin Yintai Mall", "Xiacheng", 420, 1100);
    public static readonly DemoPlace QingchunMall = Place("Qingchun Plaza Mall", "Shangcheng", -250, 1850);
    public static readonly DemoPlace TianmushanMall = Place("Tianmushan Road Mall", "Xihu", 1150, -1500);
    public static readonly DemoPlace XuejunSchool = Place("Xuejun Primary School", "Xihu", 950, -450);
    public static readonly DemoPlace MiddleSchool = Place("No. 2 Middle School", "Shangcheng", -950, 2100);
    public static readonly DemoPlace ChangzhengSchool = Place("Changzheng Middle School", "Gongshu", 1750, 600);
    public static readonly DemoPlace SijiqingMarket = Place("Sijiqing Clothing Market", "Shangcheng", 600, 2650);
    public static readonly DemoPlace GudangMarket = Place("Gudang Farmers Market", "Xihu", 2150, -1750);
    public static readonly DemoPlace PhoneShopQingchun = Place("Xinhua Phone Repair, 88 Qingchun Road", "Shangcheng", -150, 1650);
    public static readonly DemoPlace PhoneShopFengqi = Place("Jiayi Mobile, 210 Fengqi Road", "Xiacheng", 700, 1450);
    public static readonly DemoPlace LongxiangqiaoMetro = Place("Longxiangqiao metro station, exit B", "Shangcheng", -1150, 350);
    public static readonly DemoPlace NanshanRoad = Place("Nanshan Road bar street", "Shangcheng", -1900, 150);
    public static readonly DemoPlace YananFengqiCrossing = Place("Yan'an Road / Fengqi Road crossing", "Xiacheng", 650, 1300);
    public static readonly DemoPlace BeishanCompound = Place("Beishan Garden, building 6", "Xihu", 600, -1100);

    public static IReadOnlyList<DemoUnit> Units { get; } =
    [
        // Minimal emergency units: guards and trained volunteers stationed at crowded sites.
        Unit("mall-01", "Hubin 1", UnitKind.MinimalEmergency, HubinMall, 0, 0, Capability.Medical),
        Unit("mall-02", "Wulin 1", UnitKind.MinimalEmergency, WulinMall, 0, 0, Capability.Medical),
        Unit("mall-03", "Qingchun 1", UnitKind.MinimalEmergency, QingchunMall, 0, 0),
        Unit("mall-04", "Tianmushan 1", UnitKind.MinimalEmergency, TianmushanMall, 0, 0),
        Unit("school-01", "Xuejun Guard", UnitKind.MinimalEmergency, XuejunSchool, 0, 0),
        Unit("school-02", "Erzhong Guard", UnitKind.MinimalEmergency, MiddleSchool, 0, 0, Capability.Medical),
        Unit("school-03", "Changzheng Guard", UnitKind.MinimalEmergency, ChangzhengSchool, 0, 0),
        Unit("market-01", "Sijiqing 1", UnitKind.MinimalEmergency, SijiqingMarket, 0, 0, Capability.Mediation),
        Unit("market-02", "Gudang 1", UnitKind.MinimalEmergency, GudangMarket, 0, 0),
        // Patrol cars on their beats.
        Unit("car-01", "Xihu 11", UnitKind.PatrolCar, Centre("Xihu"), 1400, -900, Capability.Armed),
        Unit("car-02", "Xihu 12", UnitKind.PatrolCar, Centre("Xihu"), -600, -1700, Capability.Armed, Capability.Loudspeaker),
        Unit("car-03", "Shangcheng 21", UnitKind.PatrolCar, Centre("Shangcheng"), -1600, 1300, Capability.Armed),
        Unit("car-04", "Shangcheng 22", UnitKind.PatrolCar, Centre("Shangcheng"), -300, 2600, Capability.Loudspeaker),
        Unit("car-05", "Xiacheng 31", UnitKind.PatrolCar, Centre("Xiacheng"), 1900, 1700, Capability.Armed),
        Unit("car-06", "Gongshu 41", UnitKind.PatrolCar, Centre("Gongshu"), 2600, 300, Capability.Armed, Capability.Medical),
        // Foot patrols where people are.
        Unit("foot-01", "Lakeside 1", UnitKind.FootPatrol, Centre("Shangcheng"), -400, 400),
        Unit("foot-02", "Lakeside 2", UnitKind.FootPatrol, Centre("Shangcheng"), -1300, 250),
        Unit("foot-03", "Wulin Beat", UnitKind.FootPatrol, WulinSquare, 100, -150),
        Unit("foot-04", "Hefang Beat", UnitKind.FootPatrol, Centre("Shangcheng"), -2600, 1500),
        // Community police, who know the neighbourhood and settle disputes.
        Unit("community-01", "Beishan CP", UnitKind.CommunityPolice, BeishanCompound, 100, 50, Capability.Mediation),
        Unit("community-02", "Hubin CP", UnitKind.CommunityPolice, HubinMall, 300, 400, Capability.Mediation),
        Unit("community-03", "Chaoming CP", UnitKind.CommunityPolice, SijiqingMarket, -500, -300, Capability.Mediation),
        Unit("swat-01", "Special 1", UnitKind.SpecialPolice, Centre("Xiacheng"), 2300, 2200, Capability.Armed, Capability.AntiRiot),
        Unit("drone-01", "Sky 1", UnitKind.Drone, Centre("Xihu"), 200, -200, Capability.AerialView, Capability.Loudspeaker),
    ];

    /// <summary>A point <paramref name="north"/> / <paramref name="east"/> metres from <paramref name="from"/>.</summary>
    public static GeoPoint Offset(GeoPoint from, double north, double east) => new()
    {
        Latitude = Math.Round(from.Latitude + north / MetresPerDegreeLatitude, 6),
        Longitude = Math.Round(from.Longitude + east / (MetresPerDegreeLatitude * Math.Cos(from.Latitude * Math.PI / 180)), 6),
        AccuracyM = 10,
    };

    private const double MetresPerDegreeLatitude = 111_320;

    private static DemoPlace Place(string name, string district, double north, double east)
        => new(name, district, Offset(CityCentre, north, east));

    private static DemoPlace Centre(string district) => new($"{district} district", district, CityCentre);

    private static DemoUnit Unit(string id, string callSign, UnitKind kind, DemoPlace near, double north, double east, params Capability[] capabilities)
        => new(id, callSign, kind, capabilities, near.District, Offset(near.Position, north, east));
}
