namespace AnalysisEval.Scenario;

/// <summary>
/// How much, how noisy and how deceptive a generated scenario is. Easy: a quiet month with clean
/// reports. Hard: three times the background, decoys with the same methods next to every series,
/// crews sharing methods in neighbouring areas, a third of the fields missing, re-worded methods,
/// positions off by hundreds of metres, misread plates and loose descriptions.
/// </summary>
public sealed record ScenarioSettings
{
    public required string Name { get; init; }
    public int Days { get; init; } = 28;

    // Background: unrelated property crimes (the same methods as the crews, by their base rates) and other incidents.
    public int BackgroundPropertyCrimes { get; init; }
    public int BackgroundOther { get; init; }
    /// <summary>Share of background property crime around commercial hotspots (the rest anywhere).</summary>
    public double HotspotShare { get; init; } = 0.7;

    // Serial series.
    public int Series { get; init; }
    public int MinSeriesSize { get; init; } = 3;
    public int MaxSeriesSize { get; init; }
    /// <summary>Share of crews that roam: several kilometres between nights, across district lines.</summary>
    public double RoamingShare { get; init; }
    /// <summary>Same-method offences by other offenders, placed near a series' members in space and time.</summary>
    public int DecoysPerSeries { get; init; }
    /// <summary>Pairs of different crews with the same method working neighbouring areas in the same weeks.</summary>
    public int LookalikeCrewPairs { get; init; }

    // Reporting noise.
    /// <summary>Chance that each optional field (method, target, property, suspect attribute, vehicle part) is not reported.</summary>
    public double MissingField { get; init; }
    /// <summary>Chance that a member's entry method is recorded with another, plausible label.</summary>
    public double RewordedMethod { get; init; }
    public double PositionNoiseM { get; init; }
    /// <summary>Standard deviation of the error in occurred_at (victims find a burglary in the morning).</summary>
    public double TimeNoiseHours { get; init; }
    /// <summary>Error scale of described height (cm) and age (years).</summary>
    public double DescriptionNoise { get; init; }
    /// <summary>Chance a crew member wears different clothes at an offence.</summary>
    public double ClothingChange { get; init; }
    /// <summary>Chance a suspect is described at all at an offence (night burglaries often have no witness).</summary>
    public double SuspectSeen { get; init; }
    public double VehicleSeen { get; init; }
    public double PlateRead { get; init; }
    public double PlateMisread { get; init; }

    // Fraud.
    public int FraudChains { get; init; }
    public int MinChainSize { get; init; } = 4;
    public int MaxChainSize { get; init; }
    public int BackgroundFraud { get; init; }
    /// <summary>Chance a fraud report also names a common identifier (bank hotline, popular app).</summary>
    public double CommonIdentifierShare { get; init; }
    /// <summary>Most chain identifiers one victim report carries.</summary>
    public int MaxChainIdentifiersPerReport { get; init; }

    // Disputes and watchlist.
    public int EscalatingDisputes { get; init; }
    public int BackgroundDisputes { get; init; }
    public int WatchlistEntries { get; init; }
    public int WatchlistSightings { get; init; }
    public int UnlistedSightings { get; init; }

    public static ScenarioSettings Easy { get; } = new()
    {
        Name = "easy",
        BackgroundPropertyCrimes = 500,
        BackgroundOther = 250,
        Series = 6,
        MaxSeriesSize = 6,
        RoamingShare = 0.3,
        DecoysPerSeries = 2,
        LookalikeCrewPairs = 0,
        MissingField = 0.1,
        RewordedMethod = 0.02,
        PositionNoiseM = 40,
        TimeNoiseHours = 0.5,
        DescriptionNoise = 3,
        ClothingChange = 0.2,
        SuspectSeen = 0.7,
        VehicleSeen = 0.6,
        PlateRead = 0.6,
        PlateMisread = 0,
        FraudChains = 4,
        MaxChainSize = 15,
        BackgroundFraud = 60,
        CommonIdentifierShare = 0.25,
        MaxChainIdentifiersPerReport = 3,
        EscalatingDisputes = 5,
        BackgroundDisputes = 60,
        WatchlistEntries = 5,
        WatchlistSightings = 5,
        UnlistedSightings = 10,
    };

    public static ScenarioSettings Hard { get; } = new()
    {
        Name = "hard",
        BackgroundPropertyCrimes = 1500,
        BackgroundOther = 600,
        Series = 12,
        MaxSeriesSize = 8,
        RoamingShare = 0.5,
        DecoysPerSeries = 6,
        LookalikeCrewPairs = 3,
        MissingField = 0.3,
        RewordedMethod = 0.08,
        PositionNoiseM = 250,
        TimeNoiseHours = 1.5,
        DescriptionNoise = 7,
        ClothingChange = 0.5,
        SuspectSeen = 0.45,
        VehicleSeen = 0.4,
        PlateRead = 0.35,
        PlateMisread = 0.1,
        FraudChains = 8,
        MaxChainSize = 25,
        BackgroundFraud = 200,
        CommonIdentifierShare = 0.45,
        MaxChainIdentifiersPerReport = 2,
        EscalatingDisputes = 12,
        BackgroundDisputes = 150,
        WatchlistEntries = 10,
        WatchlistSightings = 10,
        UnlistedSightings = 30,
    };

    public static ScenarioSettings ByName(string name) => name.ToLowerInvariant() switch
    {
        "easy" => Easy,
        "hard" => Hard,
        _ => throw new ArgumentException($"Unknown setting '{name}': use easy or hard", nameof(name)),
    };
}
