using Contracts.Common.V1;

namespace AnalysisEval.Scenario;

public sealed partial class ScenarioGenerator
{
    /// <summary>A crew member as they really are; reports describe them with noise.</summary>
    private sealed record Person(string Sex, int Age, int HeightCm, string Build, string Clothing, string Mark);

    private sealed record CrewVehicle(string Kind, string Make, string Colour, string Plate);

    private sealed record Crew(
        string SeriesId, CrimeProfile Profile, string? SecondTarget, IReadOnlyList<Person> Members, CrewVehicle? Vehicle,
        double UsualHour, string[] FavouriteLoot, bool Roaming);

    private sealed record Offence((double East, double North) Position, DateTimeOffset At, string Target);

    private void PlantSeries()
    {
        var crews = new List<(Crew Crew, List<Offence> Offences)>();
        for (var s = 0; s < _settings.Series; s++)
        {
            var profile = PickWeighted(Catalog.SerialProfiles);
            var crew = NewCrew($"series-{s + 1:D2}", profile);
            var offences = PlanOffences(crew, RandomPlace(0.6, 2500), _random.Next(0, Math.Max(1, _settings.Days - 12)));
            crews.Add((crew, offences));
        }

        // Look-alike crews: same method and target as an existing crew, a few kilometres away, in the same weeks.
        for (var p = 0; p < _settings.LookalikeCrewPairs && p < crews.Count; p++)
        {
            var (original, originalOffences) = crews[p];
            var crew = NewCrew($"series-{crews.Count + 1:D2}", original.Profile);
            var start = Step(originalOffences[0].Position, 2500, 5000);
            var firstDay = Math.Max(0, (int)(originalOffences[0].At - _start).TotalDays + _random.Next(-2, 3));
            crews.Add((crew, PlanOffences(crew, start, firstDay)));
        }

        foreach (var (crew, offences) in crews)
        {
            foreach (var offence in offences)
            {
                AddSeriesOffence(crew, offence);
            }

            for (var d = 0; d < _settings.DecoysPerSeries; d++)
            {
                AddDecoy(crew.Profile, Pick(offences));
            }
        }
    }

    private Crew NewCrew(string seriesId, CrimeProfile profile)
    {
        var size = profile.Category switch
        {
            IncidentCategory.Robbery => 2,            // rider and snatcher
            IncidentCategory.Burglary => _random.Next(2, 5),
            _ => _random.Next(1, 3),
        };
        var members = Enumerable.Range(0, size).Select(_ => NewPerson(markChance: 0.3)).ToList();
        CrewVehicle? vehicle = null;
        var vehicleChance = profile.VehicleKind.Length > 0 ? 0.95 : profile.Category == IncidentCategory.Burglary ? 0.6 : 0.3;
        if (Chance(vehicleChance))
        {
            var (kind, makes) = profile.VehicleKind.Length > 0
                ? Catalog.VehicleKinds.First(k => k.Kind == profile.VehicleKind)
                : Pick(profile.Category == IncidentCategory.Burglary ? Catalog.VehicleKinds[..2] : Catalog.VehicleKinds[2..]);
            vehicle = new CrewVehicle(kind, Pick(makes), Pick(Catalog.VehicleColours), Plate());
        }

        var loot = profile.Property.OrderBy(_ => _random.Next()).Take(Math.Min(2, profile.Property.Length)).ToArray();
        return new Crew(seriesId, profile, Catalog.SecondTarget(profile), members, vehicle,
            UsualHour: profile.MeanHour + Normal(0, Math.Min(1.5, profile.HourSd / 2)), loot, Roaming: Chance(_settings.RoamingShare));
    }

    private Person NewPerson(double markChance)
    {
        var male = Chance(0.88);
        return new Person(
            male ? "male" : "female",
            _random.Next(17, 46),
            (int)Math.Round(male ? Normal(172, 6) : Normal(160, 5)),
            Pick(Catalog.Builds),
            $"{Pick(Catalog.Colours)} {Pick(Catalog.Garments)}, {Pick(Catalog.Extras)}",
            Chance(markChance) ? Pick(Catalog.Marks) : "");
    }

    /// <summary>
    /// Nights of work: 1-3 offences a night a few hundred metres apart, then a pause of 1-4 days. A local crew
    /// moves 0.3-2.5 km between nights in any direction; a roaming crew 3-9 km along a slowly turning heading,
    /// across district lines.
    /// </summary>
    private List<Offence> PlanOffences(Crew crew, (double East, double North) start, int firstDay)
    {
        var size = _random.Next(_settings.MinSeriesSize, _settings.MaxSeriesSize + 1);
        var offences = new List<Offence>();
        var position = start;
        var heading = Uniform(0, 2 * Math.PI);
        var day = firstDay;
        while (offences.Count < size && day < _settings.Days)
        {
            var tonight = Math.Min(size - offences.Count, 1 + (Chance(0.45) ? 1 : 0) + (Chance(0.15) ? 1 : 0));
            var time = At(day, crew.UsualHour + Normal(0, 0.5));
            for (var i = 0; i < tonight; i++)
            {
                if (i > 0)
                {
                    position = Step(position, 200, 1200);
                    time = time.AddMinutes(Uniform(20, 90));
                }

                position = City.Clamp(position.East, position.North);
                var target = crew.SecondTarget is { } second && Chance(0.3) ? second : crew.Profile.TargetType;
                offences.Add(new Offence(position, time, target));
            }

            day += crew.Roaming ? _random.Next(1, 3) : _random.Next(1, 5);
            if (crew.Roaming)
            {
                heading += Normal(0, 0.4);
                position = Step(position, 3000, 9000, heading);
                // Turn back at the city edge rather than piling up against it.
                if (position.East < 500 || position.East > City.WidthM - 500 || position.North < 500 || position.North > City.HeightM - 500)
                {
                    heading += Math.PI;
                }
            }
            else
            {
                position = Step(position, 300, 2500);
            }
        }

        return offences;
    }

    private void AddSeriesOffence(Crew crew, Offence offence)
    {
        var profile = crew.Profile;
        var reportedAt = offence.At.AddHours(Normal(0, _settings.TimeNoiseHours));
        var entry = Chance(_settings.RewordedMethod) && Catalog.EntryMethodVariants.TryGetValue(profile.EntryMethod, out var variants)
            ? Pick(variants)
            : profile.EntryMethod;
        var loot = crew.FavouriteLoot.Where(_ => Chance(0.7))
            .Concat(Chance(0.3) ? [Pick(profile.Property)] : [])
            .Distinct().ToArray();
        Add(Source(profile), profile.Category, reportedAt, Jitter(offence.Position, _settings.PositionNoiseM), ReportDelay(profile),
            new GroundTruth("series", SeriesId: crew.SeriesId),
            report =>
            {
                report.Description = $"{SeriesSignalsText(profile)} at a {offence.Target.Replace('-', ' ')}";
                report.ModusOperandi = new ModusOperandi
                {
                    EntryMethod = Maybe(Spelling(entry)),
                    TargetType = Maybe(Spelling(offence.Target)),
                };
                if (!Chance(_settings.MissingField))
                {
                    report.ModusOperandi.PropertyTaken.Add(loot);
                }

                if (Chance(_settings.SuspectSeen))
                {
                    var seen = crew.Members.OrderBy(_ => _random.Next()).Take(_random.Next(1, crew.Members.Count + 1));
                    report.Parties.Add(seen.Select(DescribeSuspect));
                }

                if (crew.Vehicle is { } vehicle && Chance(_settings.VehicleSeen))
                {
                    report.ModusOperandi.Vehicle = DescribeVehicle(vehicle);
                }
            });
    }

    /// <summary>Same method and target as the crew, close to one of its offences in space and time, by someone else.</summary>
    private void AddDecoy(CrimeProfile profile, Offence near)
    {
        var position = Step(near.Position, 300, 2500);
        var day = (int)Math.Floor((near.At - _start).TotalDays) + _random.Next(-3, 4);
        if (day < 0 || day >= _settings.Days)
        {
            return;
        }

        var at = At(day, Normal(profile.MeanHour, profile.HourSd));
        AddPropertyCrime(profile, at, position, new GroundTruth("decoy"), profile.TargetType);
    }

    private void PlantBackgroundPropertyCrime()
    {
        var weighted = Catalog.Profiles.Select(p => (p, p.Weight)).ToList();
        for (var i = 0; i < _settings.BackgroundPropertyCrimes; i++)
        {
            var profile = PickWeighted(weighted);
            var at = At(_random.Next(_settings.Days), Normal(profile.MeanHour, profile.HourSd));
            AddPropertyCrime(profile, at, RandomPlace(_settings.HotspotShare), new GroundTruth("background"), profile.TargetType);
        }
    }

    /// <summary>A one-off offence by one or two people described with the same noise as crew members.</summary>
    private void AddPropertyCrime(CrimeProfile profile, DateTimeOffset at, (double East, double North) position, GroundTruth truth, string target)
    {
        var suspectSeen = profile.Category switch
        {
            IncidentCategory.Robbery => 0.9,
            IncidentCategory.Theft => 0.4,
            _ => 0.3,
        } * _settings.SuspectSeen / 0.7;
        Add(Source(profile), profile.Category, at.AddHours(Normal(0, _settings.TimeNoiseHours)), Jitter(position, _settings.PositionNoiseM),
            ReportDelay(profile), truth,
            report =>
            {
                report.Description = $"{SeriesSignalsText(profile)} at a {target.Replace('-', ' ')}";
                report.ModusOperandi = new ModusOperandi
                {
                    EntryMethod = Maybe(Spelling(profile.EntryMethod)),
                    TargetType = Maybe(Spelling(target)),
                };
                if (!Chance(_settings.MissingField))
                {
                    report.ModusOperandi.PropertyTaken.Add(profile.Property.Where(_ => Chance(0.5)).DefaultIfEmpty(profile.Property[0]).Distinct());
                }

                if (Chance(suspectSeen))
                {
                    report.Parties.Add(Enumerable.Range(0, Chance(0.3) ? 2 : 1).Select(_ => DescribeSuspect(NewPerson(markChance: 0.1))));
                }

                var vehicleChance = profile.VehicleKind.Length > 0 ? 0.7 : 0.08;
                if (Chance(vehicleChance * _settings.VehicleSeen / 0.6))
                {
                    var (kind, makes) = profile.VehicleKind.Length > 0 ? Catalog.VehicleKinds.First(k => k.Kind == profile.VehicleKind) : Pick(Catalog.VehicleKinds);
                    report.ModusOperandi.Vehicle = DescribeVehicle(new CrewVehicle(kind, Pick(makes), Pick(Catalog.VehicleColours), Plate()));
                }
            });
    }

    private Party DescribeSuspect(Person person)
    {
        var noise = _settings.DescriptionNoise;
        var estimatedAge = person.Age + (int)Math.Round(Normal(0, noise));
        var halfRange = _random.Next(2, 6);
        return new Party
        {
            Role = PartyRole.Suspect,
            Sex = Maybe(person.Sex),
            AgeMin = Chance(_settings.MissingField) ? 0 : Math.Max(14, estimatedAge - halfRange),
            AgeMax = Chance(_settings.MissingField) ? 0 : estimatedAge + halfRange,
            HeightCm = Chance(_settings.MissingField) ? 0 : (int)Math.Round(person.HeightCm + Normal(0, noise)),
            Build = Maybe(Chance(noise / 30) ? Pick(Catalog.Builds) : person.Build),
            Clothing = Maybe(Chance(_settings.ClothingChange) ? $"{Pick(Catalog.Colours)} {Pick(Catalog.Garments)}" : person.Clothing),
            // A mark is only reported when it was visible and noticed.
            DistinguishingMarks = person.Mark.Length > 0 && Chance(0.6) ? person.Mark : "",
        };
    }

    private Vehicle DescribeVehicle(CrewVehicle vehicle)
    {
        var plate = "";
        if (Chance(_settings.PlateRead))
        {
            plate = Chance(_settings.PlateMisread) ? Misread(vehicle.Plate) : vehicle.Plate;
        }

        return new Vehicle { Plate = plate, Kind = Maybe(vehicle.Kind), Make = Maybe(vehicle.Make), Color = Maybe(vehicle.Colour) };
    }

    /// <summary>One character of the plate read wrong (8 for B, 0 for D...).</summary>
    private string Misread(string plate)
    {
        var chars = plate.ToCharArray();
        var index = _random.Next(2, chars.Length);
        chars[index] = chars[index] switch
        {
            '8' => 'B', 'B' => '8', '0' => 'D', 'D' => '0', '1' => '7', '7' => '1', '5' => 'S', 'S' => '5',
            var c when char.IsDigit(c) => (char)('0' + (c - '0' + 3) % 10),
            _ => 'H',
        };
        return new string(chars);
    }

    private static string Source(CrimeProfile profile) => profile.Category == IncidentCategory.Burglary ? "hotline" : "terminal";

    /// <summary>Night burglaries are found when the shop opens; street crime is reported at once.</summary>
    private double ReportDelay(CrimeProfile profile) => profile.Category switch
    {
        IncidentCategory.Burglary => Uniform(1, 8),
        IncidentCategory.Theft => Uniform(0.2, 3),
        _ => Uniform(0.05, 0.5),
    };

    private static string SeriesSignalsText(CrimeProfile profile) => $"{SeriesCategoryText(profile.Category)} by {profile.EntryMethod.Replace('-', ' ')}";

    private static string SeriesCategoryText(IncidentCategory category) => category.ToString().ToLowerInvariant();
}
