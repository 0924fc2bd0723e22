using Contracts.Common.V1;
using Contracts.Intake.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace DevStack;

/// <summary>
/// A short evening in the demo city: reports as terminals and the 110 desk would file them,
/// submitted through the gateway one every couple of seconds.
/// </summary>
internal sealed class DemoScenario(IntakeService.IntakeServiceClient intake)
{
    public const string Source = "devstack-demo";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken stop)
    {
        // External ids are the idempotency key: unique per run, or a second run would only get duplicates.
        var run = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss");
        var reports = Reports(DateTime.UtcNow);
        Output.Demo($"playing {reports.Count} reports, one every {Interval.TotalSeconds:F0} s");
        for (var i = 0; i < reports.Count; i++)
        {
            var (title, report) = reports[i];
            report.Source = Source;
            report.ExternalId = $"{run}-{i + 1:00}";
            report.ReportedAt = Timestamp.FromDateTime(DateTime.UtcNow);
            try
            {
                var reply = await intake.SubmitReportAsync(new SubmitReportRequest { Report = report }, cancellationToken: stop);
                Output.Demo($"#{i + 1,-2} {title} → incident {reply.IncidentId} ({reply.Priority}{(reply.Duplicate ? ", duplicate" : "")})");
            }
            catch (RpcException e) when (!stop.IsCancellationRequested)
            {
                Output.Demo($"#{i + 1,-2} {title} → rejected: {e.StatusCode}: {e.Status.Detail}");
            }
            await Task.Delay(Interval, stop);
        }
        Output.Demo("scenario done; the feed keeps running until Ctrl+C");
    }

    /// <summary>A valid report for trying the API by hand, e.g. with buf curl.</summary>
    public static Report SampleReport(DateTime now) => new()
    {
        Source = DevIdentities.DemoPartner.SourceId!, // the partner whose token TryItHint prints
        ExternalId = $"try-{now:yyyyMMdd-HHmmss}",
        OccurredAt = Timestamp.FromDateTime(now.AddMinutes(-3)),
        ReportedAt = Timestamp.FromDateTime(now),
        Category = IncidentCategory.Robbery,
        Location = DemoCity.WulinSquare.Position,
        Address = DemoCity.WulinSquare.Name,
        District = DemoCity.WulinSquare.District,
        Description = "Two men on a black e-bike snatched a handbag from a woman at the fountain and rode north",
        Parties =
        {
            new Party { Role = PartyRole.Victim, Sex = "female", AgeMin = 30, AgeMax = 35 },
            new Party { Role = PartyRole.Suspect, Sex = "male", AgeMin = 20, AgeMax = 25, Clothing = "black hoodie, white helmet" },
        },
        ModusOperandi = new ModusOperandi
        {
            EntryMethod = "snatch-from-e-bike",
            TargetType = "pedestrian",
            PropertyTaken = { "handbag", "phone" },
            Vehicle = new Vehicle { Kind = "e-bike", Color = "black" },
        },
    };

    private static List<(string Title, Report Report)> Reports(DateTime now)
    {
        Timestamp Ago(int minutes) => Timestamp.FromDateTime(now.AddMinutes(-minutes));

        return
        [
            ("robbery at Wulin Square", At(DemoCity.WulinSquare, new Report
            {
                OccurredAt = Ago(2),
                Category = IncidentCategory.Robbery,
                Description = "Two men on a black e-bike snatched a woman's handbag and phone by the fountain and rode north on Yan'an Road.",
                Parties =
                {
                    new Party { Role = PartyRole.Victim, Name = "Chen Li", Sex = "female", AgeMin = 32, AgeMax = 32 },
                    new Party { Role = PartyRole.Suspect, Sex = "male", AgeMin = 20, AgeMax = 25, HeightCm = 175, Build = "slim", Clothing = "black hoodie, white helmet" },
                    new Party { Role = PartyRole.Suspect, Sex = "male", AgeMin = 20, AgeMax = 25, Clothing = "grey jacket, driving the e-bike" },
                },
                ModusOperandi = new ModusOperandi
                {
                    EntryMethod = "snatch-from-e-bike",
                    TargetType = "pedestrian",
                    PropertyTaken = { "handbag", "iPhone 15" },
                    Vehicle = new Vehicle { Kind = "e-bike", Color = "black", Plate = "浙A·3K217" },
                },
            })),
            ("burglary at a phone shop on Qingchun Road", At(DemoCity.PhoneShopQingchun, new Report
            {
                OccurredAt = Ago(25),
                Category = IncidentCategory.Burglary,
                Description = "Owner opening up found the roller door pried at the bottom; display cabinet emptied.",
                ModusOperandi = new ModusOperandi
                {
                    EntryMethod = "roller-door-pry",
                    TargetType = "phone-shop",
                    PropertyTaken = { "6 new phones", "cash drawer, about 2,000 CNY" },
                },
                ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = 5_600_000 },
            })),
            ("dispute at Sijiqing Market", At(DemoCity.SijiqingMarket, new Report
            {
                OccurredAt = Ago(1),
                Category = IncidentCategory.Dispute,
                Description = "Stall owner and a customer arguing over a refund, pushing each other, a crowd is gathering.",
                Parties =
                {
                    new Party { Role = PartyRole.Involved, Sex = "male", AgeMin = 45, AgeMax = 50, Description = "stall owner, stall 3-118" },
                    new Party { Role = PartyRole.Involved, Sex = "female", AgeMin = 25, AgeMax = 30, Clothing = "red coat" },
                },
            })),
            ("medical emergency at Hubin Mall", At(DemoCity.HubinMall, new Report
            {
                OccurredAt = Ago(1),
                Category = IncidentCategory.Medical,
                Priority = Priority.P1,
                Description = "Elderly man collapsed near the ground-floor escalator, breathing but not responding. Mall staff with him.",
                Parties = { new Party { Role = PartyRole.Victim, Sex = "male", AgeMin = 70, AgeMax = 75 } },
            })),
            ("telephone fraud, Beishan Garden", At(DemoCity.BeishanCompound, new Report
            {
                OccurredAt = Ago(90),
                Category = IncidentCategory.Fraud,
                Description = "Caller posing as a police officer said her account was used for money laundering and had her move her savings to a 'safe account'.",
                Parties =
                {
                    new Party { Role = PartyRole.Victim, Name = "Liu Fang", Sex = "female", AgeMin = 67, AgeMax = 67 },
                    new Party
                    {
                        Role = PartyRole.Suspect,
                        Description = "male voice, Mandarin, claimed to be 'Officer Zhang'",
                        Identifiers = { new Identifier { Type = IdentifierType.Phone, Value = "+8617123456789" } },
                    },
                },
                Identifiers =
                {
                    new Identifier { Type = IdentifierType.BankAccount, Value = "6222021234567890123" },
                    new Identifier { Type = IdentifierType.Phone, Value = "+8617123456789" },
                },
                ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = 4_800_000 },
                Attributes = { ["channel"] = "phone call", ["transfer"] = "mobile banking" },
            })),
            ("missing elderly man near Xuejun Primary School", At(DemoCity.XuejunSchool, new Report
            {
                OccurredAt = Ago(40),
                Category = IncidentCategory.MissingPerson,
                Description = "Grandfather with dementia left home after lunch and has not come back; last seen at the school gate.",
                Parties =
                {
                    new Party
                    {
                        Role = PartyRole.Victim,
                        Name = "Wang Jianguo",
                        Sex = "male",
                        AgeMin = 78,
                        AgeMax = 78,
                        HeightCm = 168,
                        Build = "thin",
                        Clothing = "grey padded jacket, blue cloth cap",
                        DistinguishingMarks = "walks with a wooden stick, hearing aid in the left ear",
                    },
                    new Party { Role = PartyRole.Reporter, Name = "Wang Min", Description = "daughter" },
                },
            })),
            ("pickpocketing at Longxiangqiao metro", At(DemoCity.LongxiangqiaoMetro, new Report
            {
                OccurredAt = Ago(5),
                Category = IncidentCategory.Theft,
                Description = "Phone taken from a backpack on the escalator at exit B; victim saw a man in a cap walk off fast.",
                ModusOperandi = new ModusOperandi { EntryMethod = "pickpocket", TargetType = "commuter", PropertyTaken = { "Huawei Mate 60" } },
            })),
            ("e-bike and taxi collision on Yan'an Road", At(DemoCity.YananFengqiCrossing, new Report
            {
                OccurredAt = Ago(1),
                Category = IncidentCategory.Traffic,
                Description = "E-bike rider hit by a turning taxi, rider on the ground holding his leg, traffic blocked in one lane.",
                ModusOperandi = new ModusOperandi { Vehicle = new Vehicle { Kind = "car", Make = "BYD", Model = "e5", Color = "blue", Plate = "浙A·T0981" } },
            })),
            ("fight outside a bar on Nanshan Road", At(DemoCity.NanshanRoad, new Report
            {
                OccurredAt = Ago(1),
                Category = IncidentCategory.Assault,
                Description = "Four men fighting outside a bar, one bleeding from the head, bottles thrown.",
            })),
            ("second phone-shop burglary, Fengqi Road", At(DemoCity.PhoneShopFengqi, new Report
            {
                OccurredAt = Ago(15),
                Category = IncidentCategory.Burglary,
                Description = "Roller door pried open at the bottom, phones taken from the window display. Same way in as the Qingchun Road shop.",
                ModusOperandi = new ModusOperandi
                {
                    EntryMethod = "roller-door-pry",
                    TargetType = "phone-shop",
                    PropertyTaken = { "4 new phones", "2 tablets" },
                },
                ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = 3_900_000 },
            })),
        ];
    }

    private static Report At(DemoPlace place, Report report)
    {
        report.Location = place.Position.Clone();
        report.Address = place.Name;
        report.District = place.District;
        return report;
    }
}
