using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace AnalysisEval.Scenario;

public sealed partial class ScenarioGenerator
{
    /// <summary>
    /// Fraud chains: one scam operation's infrastructure (mule bank accounts rented from card dealers, payment
    /// accounts, GOIP SIM gateways relaying its calls, caller numbers, a device, a fake platform URL), reached by
    /// victims all over the city over a few weeks. Each victim report names a few of these; every report after
    /// the first shares at least one with an earlier one (chains are what investigators can connect). Any fraud
    /// report may also name a common identifier (the bank hotline the victim called to check, the app the ad ran on).
    /// </summary>
    private void PlantFraud()
    {
        for (var c = 0; c < _settings.FraudChains; c++)
        {
            var chainId = $"chain-{c + 1:D2}";
            var infrastructure = ChainInfrastructure();
            var size = _random.Next(_settings.MinChainSize, _settings.MaxChainSize + 1);
            var script = Pick(Catalog.FraudScripts);
            var firstDay = _random.Next(0, Math.Max(1, _settings.Days - 14));
            var used = new List<Identifier>();
            for (var v = 0; v < size; v++)
            {
                var count = _random.Next(1, _settings.MaxChainIdentifiersPerReport + 1);
                var carried = new List<Identifier>();
                if (used.Count > 0)
                {
                    carried.Add(Pick(used));
                }

                while (carried.Count < count)
                {
                    var next = PickWeighted(infrastructure);
                    if (!carried.Contains(next))
                    {
                        carried.Add(next);
                    }
                }

                used.AddRange(carried.Where(i => !used.Contains(i)));
                var day = Math.Min(_settings.Days - 1, firstDay + _random.Next(0, 15));
                AddFraudReport(At(day, Normal(15, 4)), carried, script, new GroundTruth("fraud-chain", ChainId: chainId));
            }
        }

        for (var i = 0; i < _settings.BackgroundFraud; i++)
        {
            // A one-off scam: its own number and account, seen in no other report.
            var own = new List<Identifier> { new() { Type = IdentifierType.Phone, Value = MobileNumber("17") } };
            if (Chance(0.6))
            {
                own.Add(new Identifier { Type = IdentifierType.BankAccount, Value = "62" + Digits(17) });
            }

            AddFraudReport(At(_random.Next(_settings.Days), Normal(15, 4)), own, Pick(Catalog.FraudScripts), new GroundTruth("fraud"));
        }
    }

    /// <summary>The chain's identifiers, weighted by how often a victim can name each (the number that called, the account paid).</summary>
    private List<(Identifier Item, double Weight)> ChainInfrastructure()
    {
        var items = new List<(Identifier, double)>();
        for (var i = _random.Next(3, 7); i > 0; i--)
        {
            items.Add((new Identifier { Type = IdentifierType.BankAccount, Value = "62" + Digits(17) }, 3));
        }

        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            items.Add((new Identifier { Type = IdentifierType.PaymentAccount, Value = "wxpay:wxid_" + Digits(10) }, 1.5));
        }

        for (var i = _random.Next(1, 3); i > 0; i--)
        {
            items.Add((new Identifier { Type = IdentifierType.SimGateway, Value = $"GOIP-{_random.Next(0x100000, 0xFFFFFF):X6}" }, 0.8));
        }

        for (var i = _random.Next(2, 6); i > 0; i--)
        {
            items.Add((new Identifier { Type = IdentifierType.Phone, Value = MobileNumber(Pick(new[] { "170", "171", "165" })) }, 2.5));
        }

        if (Chance(0.6))
        {
            items.Add((new Identifier { Type = IdentifierType.Device, Value = "86" + Digits(13) }, 0.5));
        }

        if (Chance(0.6))
        {
            items.Add((new Identifier { Type = IdentifierType.Url, Value = $"https://{Pick(new[] { "hx", "gold", "fx", "wealth" })}{Digits(3)}-invest.top" }, 1));
        }

        return items;
    }

    private void AddFraudReport(DateTimeOffset at, IReadOnlyList<Identifier> identifiers, (string Kind, string Opening) script, GroundTruth truth)
    {
        Add(Chance(0.5) ? "anti-fraud-centre" : "hotline", IncidentCategory.Fraud, at, RandomPlace(0.4, 2000), Uniform(1, 20), truth, report =>
        {
            report.Description = $"{script.Kind}: {script.Opening}";
            report.Parties.Add(new Party
            {
                Role = PartyRole.Victim,
                Name = PersonName(),
                Identifiers = { new Identifier { Type = IdentifierType.Phone, Value = MobileNumber() } },
            });
            report.Identifiers.Add(identifiers.Select(i => i.Clone()));
            if (Chance(_settings.CommonIdentifierShare))
            {
                report.Identifiers.Add(Pick(Catalog.CommonIdentifiers).Clone());
            }

            report.ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = (long)Math.Round(Math.Exp(Uniform(Math.Log(3_000), Math.Log(800_000)))) * 100 };
        });
    }

    /// <summary>
    /// Disputes that escalate at one address between the same people: a complaint, threats, then a fight
    /// (the aim is to intervene before the civil dispute becomes a crime). Plus one-off disputes everywhere.
    /// </summary>
    private void PlantDisputes()
    {
        string[] stages =
        [
            "neighbours arguing over {0}", "shouting and threats between neighbours over {0}",
            "neighbour threatened with a kitchen knife over {0}", "fight between neighbours over {0}, one injured",
        ];
        string[] causes = ["a parking space", "noise at night", "water leaking through the ceiling", "rubbish left in the corridor", "an unpaid debt"];
        for (var g = 0; g < _settings.EscalatingDisputes; g++)
        {
            var group = $"dispute-{g + 1:D2}";
            var place = RandomPlace(0.3, 3000);
            var address = City.AddressNear(place.East, place.North, _random) + $", unit {_random.Next(1, 30)}-{_random.Next(101, 2405)}";
            var parties = new[] { PersonName(), PersonName() };
            var cause = Pick(causes);
            var count = _random.Next(3, 6);
            var day = _random.Next(0, Math.Max(1, _settings.Days - 12));
            for (var i = 0; i < count && day < _settings.Days; i++)
            {
                var stage = stages[Math.Min(stages.Length - 1, i * stages.Length / count)];
                var category = i == count - 1 && Chance(0.5) ? IncidentCategory.Assault : IncidentCategory.Dispute;
                Add(Chance(0.5) ? "hotline" : "community-police", category, At(day, Normal(20, 3)), Jitter(place, 15), Uniform(0.05, 0.5),
                    new GroundTruth("dispute", DisputeGroup: group), report =>
                    {
                        report.Address = address;
                        report.Description = string.Format(System.Globalization.CultureInfo.InvariantCulture, stage, cause);
                        report.Parties.Add(parties.Select(name => new Party { Role = PartyRole.Involved, Name = name }));
                    });
                day += _random.Next(1, 5);
            }
        }

        for (var i = 0; i < _settings.BackgroundDisputes; i++)
        {
            Add("hotline", IncidentCategory.Dispute, At(_random.Next(_settings.Days), Normal(19, 4)), RandomPlace(0.5), Uniform(0.05, 0.5),
                new GroundTruth("other"), report =>
                {
                    report.Description = string.Format(System.Globalization.CultureInfo.InvariantCulture, stages[0], Pick(causes));
                    report.Parties.Add(new Party { Role = PartyRole.Involved, Name = PersonName() });
                    report.Parties.Add(new Party { Role = PartyRole.Involved, Name = PersonName() });
                });
        }
    }

    /// <summary>
    /// Wanted people (by ID number) and vehicles (by plate), and the partner systems that see them: school
    /// smart-security gates, smart-compound face gates, traffic cameras. Plus sightings of people not on the
    /// list, including a namesake of a wanted person with another ID number.
    /// </summary>
    private IReadOnlyList<WatchlistEntry> PlantWatchlist()
    {
        var entries = new List<WatchlistEntry>();
        for (var i = 0; i < _settings.WatchlistEntries; i++)
        {
            var vehicle = i % 4 == 3;
            var entry = new WatchlistEntry
            {
                EntryId = $"watch-{i + 1:D2}",
                Subject = vehicle ? WatchlistSubject.Vehicle : WatchlistSubject.Person,
                Name = vehicle ? "" : PersonName(),
                Identifiers = { vehicle ? new Identifier { Type = IdentifierType.VehiclePlate, Value = Plate() } : new Identifier { Type = IdentifierType.IdNumber, Value = IdNumber() } },
                Reason = vehicle ? $"vehicle used in robbery case 2026-{_random.Next(100, 999)}" : $"wanted: fraud warrant 2026-{_random.Next(100, 999)}",
                Priority = Priority.P1,
            };
            entries.Add(entry);
        }

        for (var i = 0; i < _settings.WatchlistSightings; i++)
        {
            var entry = entries[i % entries.Count];
            AddSighting(entry.Subject == WatchlistSubject.Vehicle, entry.Name, entry.Identifiers[0].Value, new GroundTruth("sighting", WatchlistEntryId: entry.EntryId));
        }

        for (var i = 0; i < _settings.UnlistedSightings; i++)
        {
            // Every third unlisted sighting is a namesake of a wanted person: the name alone must not match.
            var namesake = i % 3 == 0 ? entries.Where(e => e.Subject == WatchlistSubject.Person).Select(e => e.Name).FirstOrDefault() : null;
            var vehicle = i % 5 == 4;
            AddSighting(vehicle, namesake ?? PersonName(), vehicle ? Plate() : IdNumber(), new GroundTruth("other"));
        }

        return entries;
    }

    private void AddSighting(bool vehicle, string name, string identifier, GroundTruth truth)
    {
        var source = vehicle ? "traffic-camera" : Chance(0.5) ? "school-safety-platform" : "smart-compound";
        Add(source, IncidentCategory.WantedPersonSighting, At(_random.Next(_settings.Days), Normal(13, 5)), RandomPlace(0.5), 0.01, truth, report =>
        {
            if (vehicle)
            {
                report.Description = "camera read a plate at a crossing";
                report.Identifiers.Add(new Identifier { Type = IdentifierType.VehiclePlate, Value = identifier });
                report.ModusOperandi = new ModusOperandi { Vehicle = new Vehicle { Plate = identifier } };
            }
            else
            {
                report.Description = source == "school-safety-platform" ? "face match at the school gate" : "face match at the compound gate";
                report.Parties.Add(new Party
                {
                    Role = PartyRole.Involved,
                    Name = name,
                    Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = identifier } },
                });
            }
        });
    }

    /// <summary>The rest of a command centre's day: traffic, medical, hazards, public order, fights, missing people.</summary>
    private void PlantOtherBackground()
    {
        (IncidentCategory Category, string Text, double Weight)[] kinds =
        [
            (IncidentCategory.Traffic, "collision between a car and an e-bike", 5),
            (IncidentCategory.Medical, "elderly man collapsed in the street", 4),
            (IncidentCategory.Hazard, "fallen tree blocking the road", 2),
            (IncidentCategory.PublicOrder, "drunk man shouting at passers-by", 3),
            (IncidentCategory.Assault, "fight outside a bar", 2),
            (IncidentCategory.MissingPerson, "elderly woman with dementia missing", 1),
            (IncidentCategory.Fire, "smoke from a restaurant kitchen", 1),
            (IncidentCategory.Crowd, "crowd gathering at a metro exit", 1),
            (IncidentCategory.Other, "lost property handed in", 2),
        ];
        var weighted = kinds.Select(k => (k, k.Weight)).ToList();
        for (var i = 0; i < _settings.BackgroundOther; i++)
        {
            var kind = PickWeighted(weighted);
            Add("terminal", kind.Category, At(_random.Next(_settings.Days), Uniform(0, 24)), RandomPlace(_settings.HotspotShare), Uniform(0.02, 0.3),
                new GroundTruth("other"), report => report.Description = kind.Text);
        }
    }
}
