extern alias analysis;
using Confluent.Kafka;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Messaging;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace Suite.IntegrationTests;

/// <summary>
/// Analysis through the real service: incidents go into incidents.v1 as Intake publishes them, alerts come
/// out of alerts.v1, and the state is read back over gRPC through the gateway. Every test works in its own
/// place and with its own identifiers, so tests sharing the suite do not see each other's incidents.
/// </summary>
public abstract class AnalysisScenarios(SuiteFixture suite)
{
    // Generous: these tests share Analysis with the Intake tests, whose 500-report bulk burst (same place, time and
    // suspect) Analysis works through slowly (a known cost of near-identical bursts: docs/ANALYSIS.md).
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    private AnalysisService.AnalysisServiceClient Analysis => new(suite.AsCentre());

    /// <summary>A place of its own for one test: a random spot in a 10° square of eastern China, far from the other tests'.</summary>
    private static GeoPoint SomePlace() => new() { Latitude = 25 + Random.Shared.NextDouble() * 10, Longitude = 110 + Random.Shared.NextDouble() * 10 };

    private static GeoPoint Offset(GeoPoint from, double northMeters, double eastMeters) => new()
    {
        Latitude = from.Latitude + northMeters / 111_320,
        Longitude = from.Longitude + eastMeters / (111_320 * Math.Cos(from.Latitude * Math.PI / 180)),
    };

    private static Incident NewIncident(IncidentCategory category, GeoPoint? at, DateTimeOffset occurredAt, Action<Report>? details = null, DateTimeOffset? receivedAt = null)
    {
        var report = new Report
        {
            Source = "terminal",
            ExternalId = Guid.NewGuid().ToString(),
            Category = category,
            OccurredAt = Timestamp.FromDateTimeOffset(occurredAt),
            ReportedAt = Timestamp.FromDateTimeOffset(receivedAt ?? occurredAt.AddMinutes(5)),
            Location = at,
        };
        details?.Invoke(report);
        return new Incident
        {
            IncidentId = Guid.NewGuid().ToString(),
            Report = report,
            Priority = Priority.P3,
            ReceivedAt = Timestamp.FromDateTimeOffset(receivedAt ?? occurredAt.AddMinutes(5)),
        };
    }

    private Task PublishAsync(params Incident[] incidents)
        => Task.WhenAll(incidents.Select(incident => suite.Kafka.ProduceAsync(Topics.Incidents, incident.IncidentId,
            new IncidentReported
            {
                Metadata = new EventMetadata { EventId = Guid.NewGuid().ToString(), OccurredAt = incident.Report.OccurredAt, PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow), SchemaVersion = 1, Producer = "test" },
                Incident = incident,
            }.ToByteArray(),
            KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName))));

    /// <summary>Publishes one incident and waits until Analysis has analysed it (so the next one sees it).</summary>
    private async Task PublishAndWaitAsync(Incident incident, AnalysisService.AnalysisServiceClient? client = null)
    {
        await PublishAsync(incident);
        await LinksAsync(incident.IncidentId, client: client);
    }

    private async Task<GetIncidentLinksResponse> LinksAsync(string incidentId, bool includeCandidates = false, AnalysisService.AnalysisServiceClient? client = null)
        => await EventuallyAsync(() => (client ?? Analysis).GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = incidentId, IncludeCandidates = includeCandidates }).ResponseAsync);

    /// <summary>Retries a read that is NOT_FOUND (not consumed yet) or fails <paramref name="until"/>.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool>? until = null)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (true)
        {
            try
            {
                var value = await read();
                if (until is null || until(value))
                {
                    return value;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && !cts.IsCancellationRequested)
            {
            }
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException("the expected state did not appear in time");
            }
            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>Alerts on alerts.v1 that <paramref name="match"/> selects, once at least <paramref name="count"/> are there (then a short wait for strays).</summary>
    private List<Alert> AlertsWhere(Func<Alert, bool> match, int count)
    {
        var records = suite.Kafka.ReadFromStart(Topics.Alerts, read => Matching(read).Count >= count, Patience);
        return Matching(records);

        List<Alert> Matching(IReadOnlyList<ConsumeResult<string, byte[]>> read)
            => [.. read.Select(r => AlertRaised.Parser.ParseFrom(r.Message.Value).Alert).Where(match).DistinctBy(a => a.AlertId)];
    }

    private static void DoorPullBurglary(Report report, string district)
    {
        report.District = district;
        report.Address = "phone shop, roller door";
        report.ModusOperandi = new ModusOperandi
        {
            EntryMethod = "door-pull",
            TargetType = "phone-shop",
            PropertyTaken = { "phones", "cash" },
            Vehicle = new Vehicle { Kind = "e-bike", Color = "black" },
        };
        report.Parties.Add(new Party { Role = PartyRole.Suspect, Sex = "m", AgeMin = 20, AgeMax = 30, Clothing = "black hoodie" });
    }

    protected async Task A_crew_pulling_shop_doors_over_three_nights_is_detected_as_a_series_and_grows_across_districts()
    {
        var start = SomePlace();
        var night = DateTimeOffset.UtcNow.Date.AddDays(-3).AddHours(2); // 02:00 UTC three nights ago
        var burglaries = new[]
        {
            NewIncident(IncidentCategory.Burglary, start, night, r => DoorPullBurglary(r, "Xihu")),
            NewIncident(IncidentCategory.Burglary, Offset(start, 300, 400), night.AddHours(1.5), r => DoorPullBurglary(r, "Xihu")),
            NewIncident(IncidentCategory.Burglary, Offset(start, 900, 1100), night.AddDays(1).AddHours(0.5), r => DoorPullBurglary(r, "Gongshu")),
            NewIncident(IncidentCategory.Burglary, Offset(start, 1500, 1800), night.AddDays(2), r => DoorPullBurglary(r, "Gongshu")),
        };
        // An unrelated theft nearby: scored as a candidate, not linked.
        var unrelated = NewIncident(IncidentCategory.Theft, Offset(start, -4000, -3000), night.AddDays(-12).AddHours(13), r =>
        {
            r.ModusOperandi = new ModusOperandi { EntryMethod = "pickpocket", TargetType = "pedestrian", PropertyTaken = { "wallet" } };
            r.Parties.Add(new Party { Role = PartyRole.Suspect, Sex = "f", AgeMin = 50, AgeMax = 60 });
        });
        await PublishAndWaitAsync(unrelated);
        foreach (var burglary in burglaries)
        {
            await PublishAndWaitAsync(burglary); // in order: the 3rd detects, the 4th grows
        }

        var ids = burglaries.Select(b => b.IncidentId).ToHashSet();
        var alerts = AlertsWhere(a => a.Kind is AlertKind.SeriesDetected or AlertKind.SeriesGrown && ids.Contains(a.IncidentIds[0]), 2);
        var detected = Assert.Single(alerts, a => a.Kind == AlertKind.SeriesDetected);
        Assert.Equal(burglaries[2].IncidentId, detected.IncidentIds[0]);
        Assert.Equal(3, detected.IncidentIds.Count);
        Assert.Contains(detected.Evidence, e => e.Contains("door-pull", StringComparison.Ordinal) && e.Contains("apart", StringComparison.Ordinal));
        Assert.True(detected.Attributes.ContainsKey("patrol_recommendation"));
        var grown = Assert.Single(alerts, a => a.Kind == AlertKind.SeriesGrown);
        Assert.Equal(burglaries[3].IncidentId, grown.IncidentIds[0]);
        Assert.Equal(4, grown.IncidentIds.Count);

        var asked = DateTimeOffset.UtcNow;
        var series = await Analysis.GetSeriesAsync(new GetSeriesRequest { IncidentId = burglaries[0].IncidentId });
        Assert.Equal(burglaries.Select(b => b.IncidentId), series.Members.Select(m => m.IncidentId)); // in time order
        Assert.DoesNotContain(series.Members, m => m.IncidentId == unrelated.IncidentId);
        Assert.Equal(["Xihu", "Gongshu"], series.Districts); // roaming across a district line
        Assert.NotNull(series.NextArea?.Center);
        // Nights 1 and 2 after the last offence (one-night pauses seen, one more): at least tomorrow's is still ahead.
        Assert.NotEmpty(series.PatrolPlan);
        Assert.All(series.PatrolPlan, p => Assert.True(p.To.ToDateTimeOffset() > asked, $"window over when asked: {p.Explanation}"));
        Assert.Contains("night 2 after the last offence", series.PatrolPlan[^1].Explanation);
        Assert.Contains("night 2 after the last offence", grown.Attributes["patrol_plan"]);
        Assert.Equal(4, series.Path.Count);
        Assert.All(series.Links, l => Assert.NotEmpty(l.Evidence));

        var links = await Analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = burglaries[3].IncidentId, IncludeCandidates = true });
        Assert.Contains(links.Links, l => l.Kind == LinkKind.Series && l.Linked && l.GroupId == series.SeriesId);
        var candidate = Assert.Single(links.Links, l => l.IncidentId == unrelated.IncidentId);
        Assert.False(candidate.Linked);
        var withoutCandidates = await Analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = burglaries[3].IncidentId });
        Assert.DoesNotContain(withoutCandidates.Links, l => !l.Linked);

        // Near misses are worked out when asked for, against what is known then: a theft reported after the series is among
        // the first burglary's candidates (nothing stored when that burglary was analysed could name it).
        var later = NewIncident(IncidentCategory.Theft, Offset(start, 200, -300), DateTimeOffset.UtcNow.AddHours(-1), r =>
        {
            r.ModusOperandi = new ModusOperandi { EntryMethod = "pickpocket", TargetType = "pedestrian", PropertyTaken = { "wallet" } };
        });
        await PublishAndWaitAsync(later);
        var firstLinks = await Analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = burglaries[0].IncidentId, IncludeCandidates = true });
        var laterCandidate = Assert.Single(firstLinks.Links, l => l.IncidentId == later.IncidentId);
        Assert.False(laterCandidate.Linked);
        Assert.NotEmpty(laterCandidate.Evidence);
    }

    private static Incident Fraud(string bankAccount, long lossYuan, DateTimeOffset occurredAt, params Identifier[] more)
        => NewIncident(IncidentCategory.Fraud, SomePlace(), occurredAt, r =>
        {
            r.Description = "Caller posing as customer service asked for a transfer";
            r.ReportedLoss = new Money { CurrencyCode = "CNY", MinorUnits = lossYuan * 100 };
            r.Identifiers.Add(new Identifier { Type = IdentifierType.BankAccount, Value = bankAccount });
            r.Identifiers.Add(more);
            r.Parties.Add(new Party { Role = PartyRole.Victim, Identifiers = { new Identifier { Type = IdentifierType.Phone, Value = $"139{Random.Shared.Next(10_000_000, 99_999_999)}" } } });
        });

    protected async Task Reports_sharing_a_mule_account_form_a_chain_and_a_new_report_touching_it_raises_INTERCEPT()
    {
        var account = $"6222{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}";
        var phone = new Identifier { Type = IdentifierType.Phone, Value = $"+852 {Random.Shared.Next(10_000_000, 99_999_999)}" };
        var now = DateTimeOffset.UtcNow;
        var first = Fraud(account, 50_000, now.AddDays(-3));
        var second = Fraud(account, 120_000, now.AddDays(-2), phone);
        var third = Fraud($"{account[..4]} {account[4..]}", 8_000, now.AddHours(-3), phone); // another spelling of the same account
        await PublishAndWaitAsync(first);
        await PublishAndWaitAsync(second);
        await PublishAndWaitAsync(third);

        var ids = new[] { first, second, third }.Select(i => i.IncidentId).ToHashSet();
        var alerts = AlertsWhere(a => a.Kind is AlertKind.FraudChainDetected or AlertKind.FraudChainGrown or AlertKind.Intercept && ids.Contains(a.IncidentIds[0]), 3);
        var detected = Assert.Single(alerts, a => a.Kind == AlertKind.FraudChainDetected);
        Assert.Equal(second.IncidentId, detected.IncidentIds[0]);
        Assert.Contains(detected.Evidence, e => e.Contains($"bank account {account}", StringComparison.Ordinal));
        var intercept = Assert.Single(alerts, a => a.Kind == AlertKind.Intercept);
        Assert.Equal(Priority.P1, intercept.Priority);
        Assert.Equal(third.IncidentId, intercept.IncidentIds[0]);
        Assert.NotNull(intercept.Location);
        Assert.Equal("178,000.00 CNY", intercept.Attributes["total_loss"]);
        Assert.Single(alerts, a => a.Kind == AlertKind.FraudChainGrown);

        var chain = await Analysis.GetFraudChainAsync(new GetFraudChainRequest { Identifier = new Identifier { Type = IdentifierType.BankAccount, Value = account } });
        Assert.Equal(ids.Order(StringComparer.Ordinal), chain.IncidentIds);
        Assert.Equal(178_000_00, chain.TotalLoss.MinorUnits);
        var choke = chain.ChokePoints[0];
        Assert.Equal(IdentifierType.BankAccount, choke.Identifier.Type);
        Assert.Equal(3, choke.Degree);
        Assert.Equal(chain.ChainId, (await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = first.IncidentId })).ChainId);
        // The victims' own phones are not infrastructure.
        Assert.DoesNotContain(chain.Identifiers, i => i.Type == IdentifierType.Phone && i.Value.StartsWith("139", StringComparison.Ordinal));
    }

    protected async Task A_bank_hotline_on_many_reports_is_common_and_does_not_weld_unrelated_chains()
    {
        var hotline = new Identifier { Type = IdentifierType.Phone, Value = $"400-{Random.Shared.Next(100, 999)}-{Random.Shared.Next(1000, 9999)}" };
        var now = DateTimeOffset.UtcNow;
        string Account() => $"6217{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}";
        var (accountX, accountY) = (Account(), Account());
        var chainX = new[] { Fraud(accountX, 1000, now.AddDays(-2), hotline), Fraud(accountX, 2000, now.AddDays(-1), hotline) };
        var chainY = new[] { Fraud(accountY, 3000, now.AddDays(-2), hotline), Fraud(accountY, 4000, now.AddDays(-1), hotline) };
        // 22 more victims of other scams who also called the hotline: 26 reports carry it and without it they fall into 24
        // unrelated groups, so it is a bridge (in whatever order the reports arrive, it is one by the time all are in).
        var others = Enumerable.Range(0, 22).Select(_ => Fraud(Account(), 100, now.AddDays(-1), hotline)).ToArray();
        var all = chainX.Concat(chainY).Concat(others).ToArray();
        await PublishAsync(all); // in parallel partitions, in any order: the outcome must not depend on it
        foreach (var incident in all)
        {
            await LinksAsync(incident.IncidentId);
        }

        var x = await EventuallyAsync(() => Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = chainX[0].IncidentId }).ResponseAsync,
            c => c.CommonIdentifiers.Count > 0);
        Assert.Equal(chainX.Select(i => i.IncidentId).Order(StringComparer.Ordinal), x.IncidentIds);
        Assert.Equal(3000_00, x.TotalLoss.MinorUnits);
        var common = Assert.Single(x.CommonIdentifiers);
        Assert.Equal(IdentifierType.Phone, common.Type);
        Assert.DoesNotContain(x.Identifiers, i => i.Type == IdentifierType.Phone);
        var y = await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = chainY[1].IncidentId });
        Assert.Equal(chainY.Select(i => i.IncidentId).Order(StringComparer.Ordinal), y.IncidentIds);
        Assert.NotEqual(x.ChainId, y.ChainId);

        // Its first carriers linked (nothing told it from an account yet) and the chain they made came apart when it was found common.
        var hotlineDigits = new string([.. hotline.Value.Where(char.IsAsciiDigit)]);
        var split = AlertsWhere(a => a.Kind == AlertKind.FraudChainSplit && a.Evidence.Any(e => e.Contains(hotlineDigits, StringComparison.Ordinal)), 1);
        Assert.Contains("is too common to link", split[0].Evidence[0]);

        var error = await Assert.ThrowsAsync<RpcException>(() => Analysis.GetFraudChainAsync(new GetFraudChainRequest { Identifier = hotline }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("common", error.Status.Detail);
        await Assert.ThrowsAsync<RpcException>(() => Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = others[0].IncidentId }).ResponseAsync);
    }

    protected async Task An_administrator_lists_a_service_account_as_public_and_the_chain_it_welded_comes_apart()
    {
        var service = new Identifier { Type = IdentifierType.PaymentAccount, Value = $"alipay:service-{Random.Shared.Next(100_000, 999_999)}" };
        var now = DateTimeOffset.UtcNow;
        string Account() => $"6214{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}";
        var (accountX, accountY) = (Account(), Account());
        Incident[] x = [Fraud(accountX, 500, now.AddDays(-2), service), Fraud(accountX, 700, now.AddDays(-1))];
        Incident[] y = [Fraud(accountY, 900, now.AddDays(-2), service), Fraud(accountY, 1100, now.AddDays(-1))];
        foreach (var incident in x.Concat(y))
        {
            await PublishAndWaitAsync(incident);
        }
        // Two victims named it: nothing tells a platform's service account from an operation's account yet.
        var welded = await EventuallyAsync(() => Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = x[0].IncidentId }).ResponseAsync,
            c => c.IncidentIds.Count == 4);

        // The administrator knows better (an operator may not: PERMISSION_DENIED, as the authorization matrix checks).
        var listed = await Analysis.SetIdentifierPublicAsync(new SetIdentifierPublicRequest { Identifier = service, Public = true });

        Assert.Equal(2, listed.Reports);
        Assert.Equal([welded.ChainId], listed.SplitChainIds);
        Assert.Equal(2, listed.ChainIds.Count);
        var chainX = await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = x[0].IncidentId });
        Assert.Equal(x.Select(i => i.IncidentId).Order(StringComparer.Ordinal), chainX.IncidentIds);
        Assert.Equal(IdentifierType.PaymentAccount, Assert.Single(chainX.CommonIdentifiers).Type);
        var chainY = await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = y[1].IncidentId });
        Assert.Equal(y.Select(i => i.IncidentId).Order(StringComparer.Ordinal), chainY.IncidentIds);

        var unlisted = await Analysis.SetIdentifierPublicAsync(new SetIdentifierPublicRequest { Identifier = service, Public = false });

        Assert.Single(unlisted.ChainIds);
        Assert.Equal(4, (await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = y[1].IncidentId })).IncidentIds.Count);
    }

    protected async Task A_wanted_person_seen_by_a_school_platform_raises_a_P1_watchlist_hit()
    {
        var idNumber = $"33010219{Random.Shared.Next(10_000_000, 99_999_999)}12";
        var entryId = $"warrant-{Guid.NewGuid():N}";
        var stored = await Analysis.UpsertWatchlistEntryAsync(new UpsertWatchlistEntryRequest
        {
            Entry = new WatchlistEntry
            {
                EntryId = entryId,
                Subject = WatchlistSubject.Person,
                Name = "Zhang San",
                Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = idNumber } },
                Reason = "wanted: fraud warrant 2026-117",
            },
        });
        Assert.NotNull(stored.UpdatedAt);
        Assert.Contains((await Analysis.ListWatchlistAsync(new ListWatchlistRequest())).Entries, e => e.EntryId == entryId);

        var gate = SomePlace();
        var sighting = NewIncident(IncidentCategory.WantedPersonSighting, gate, DateTimeOffset.UtcNow.AddMinutes(-1), r =>
        {
            r.Source = "school-safety-platform";
            r.Address = "No. 2 Primary School, east gate";
            r.Parties.Add(new Party { Role = PartyRole.Suspect, Name = "zhang san", Identifiers = { new Identifier { Type = IdentifierType.IdNumber, Value = idNumber } } });
        });
        await PublishAsync(sighting);

        var hit = Assert.Single(AlertsWhere(a => a.Kind == AlertKind.WatchlistHit && a.IncidentIds[0] == sighting.IncidentId, 1));
        Assert.Equal(Priority.P1, hit.Priority);
        Assert.Equal(gate.Latitude, hit.Location.Latitude, 6);
        Assert.Contains(hit.Evidence, e => e.Contains(idNumber, StringComparison.Ordinal) && e.Contains("fraud warrant", StringComparison.Ordinal));
        var links = await LinksAsync(sighting.IncidentId);
        Assert.Contains(links.Links, l => l.Kind == LinkKind.Watchlist && l.GroupId == entryId);

        Assert.True((await Analysis.RemoveWatchlistEntryAsync(new RemoveWatchlistEntryRequest { EntryId = entryId })).Removed);
        Assert.False((await Analysis.RemoveWatchlistEntryAsync(new RemoveWatchlistEntryRequest { EntryId = entryId })).Removed);
        var error = await Assert.ThrowsAsync<RpcException>(() => Analysis.UpsertWatchlistEntryAsync(new UpsertWatchlistEntryRequest
        {
            Entry = new WatchlistEntry { EntryId = "x", Subject = WatchlistSubject.Vehicle },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    protected async Task Thefts_clustering_in_one_cell_within_an_hour_raise_a_hotspot_and_show_in_GetHotspots()
    {
        // The middle of a hotspot cell, so the three thefts 0-100 m apart cannot straddle a cell edge.
        var grid = new analysis::Analysis.Domain.Hotspots.HotspotGrid(new analysis::Analysis.Domain.HotspotOptions().CellMeters);
        var market = grid.Center(grid.CellOf(SomePlace()));
        var now = DateTimeOffset.UtcNow;
        var thefts = Enumerable.Range(0, 3).Select(i => NewIncident(IncidentCategory.Theft, Offset(market, i * 40, i * 30), now.AddMinutes(-30 + i * 10), r =>
            r.ModusOperandi = new ModusOperandi { EntryMethod = $"method-{i}", TargetType = $"target-{i}" })).ToArray();
        await PublishAsync(thefts); // together: processed in parallel partitions, in any order
        foreach (var theft in thefts)
        {
            await LinksAsync(theft.IncidentId);
        }

        var hotspot = Assert.Single(AlertsWhere(a => a.Kind == AlertKind.Hotspot && thefts.Any(t => t.IncidentId == a.IncidentIds[0]), 1));
        Assert.Equal("1 h", hotspot.Attributes["window"]);
        Assert.Contains(hotspot.Evidence, e => e.StartsWith("3 theft reports in the last 1 h", StringComparison.Ordinal));

        var area = new GeoBox { SouthWest = Offset(market, -2000, -2000), NorthEast = Offset(market, 2000, 2000) };
        var hotspots = await Analysis.GetHotspotsAsync(new GetHotspotsRequest { Area = area, Window = HotspotWindow._1H, Categories = { IncidentCategory.Theft } });
        var cell = Assert.Single(hotspots.Hotspots);
        Assert.Equal(hotspot.Attributes["cell_id"], cell.CellId);
        Assert.Equal(3, cell.Count);
        Assert.True(cell.Alerting);
        var week = await Analysis.GetHotspotsAsync(new GetHotspotsRequest { Area = area, Window = HotspotWindow._7D });
        Assert.False(Assert.Single(week.Hotspots).Alerting); // 3 in a week is under the 7-day minimum
    }

    protected async Task A_third_dispute_at_one_address_in_30_days_raises_ESCALATION_RISK_and_a_redelivery_counts_once()
    {
        var street = $"{Random.Shared.Next(1, 999)} Jiefang Road, unit {Guid.NewGuid():N}";
        var place = SomePlace();
        var now = DateTimeOffset.UtcNow;
        var first = NewIncident(IncidentCategory.Dispute, place, now.AddDays(-20), r => r.Address = street);
        var second = NewIncident(IncidentCategory.Dispute, place, now.AddDays(-10), r => r.Address = "No. " + street.ToUpperInvariant());
        await PublishAndWaitAsync(first);
        await PublishAndWaitAsync(second);
        await PublishAndWaitAsync(second); // redelivered: still two reports
        await PublishAndWaitAsync(first);

        var third = NewIncident(IncidentCategory.Dispute, place, now.AddHours(-1), r => r.Address = street + ".");
        await PublishAsync(third);

        var escalation = Assert.Single(AlertsWhere(a => a.Kind == AlertKind.EscalationRisk && new[] { first, second, third }.Any(i => i.IncidentId == a.IncidentIds[0]), 1));
        Assert.Equal(third.IncidentId, escalation.IncidentIds[0]);
        Assert.Equal(3, escalation.IncidentIds.Count);
        Assert.Contains("3 dispute reports at address", escalation.Evidence[0]);
        var links = await LinksAsync(first.IncidentId);
        Assert.Contains(links.Links, l => l.Kind == LinkKind.Dispute && l.IncidentId == third.IncidentId);
    }

    protected async Task Two_disputes_between_the_same_neighbours_then_an_assault_raise_ESCALATION_RISK_with_the_assault_in_the_history()
    {
        var (neighbour, other) = ($"Li {Guid.NewGuid():N}"[..12], $"Wang {Guid.NewGuid():N}"[..14]);
        var place = SomePlace();
        var now = DateTimeOffset.UtcNow;
        void Between(Report r)
        {
            r.Parties.Add(new Party { Role = PartyRole.Involved, Name = neighbour });
            r.Parties.Add(new Party { Role = PartyRole.Involved, Name = other });
        }
        var first = NewIncident(IncidentCategory.Dispute, place, now.AddDays(-9), Between);
        var second = NewIncident(IncidentCategory.Dispute, place, now.AddDays(-3), Between);
        // The fight, with the parties as victim and suspect; reported before the second dispute was processed.
        var assault = NewIncident(IncidentCategory.Assault, place, now.AddHours(-2), r =>
        {
            r.Parties.Add(new Party { Role = PartyRole.Victim, Name = other });
            r.Parties.Add(new Party { Role = PartyRole.Suspect, Name = neighbour });
        });
        await PublishAndWaitAsync(first);
        await PublishAndWaitAsync(assault);
        await PublishAsync(second);

        var ids = new[] { first, second, assault }.Select(i => i.IncidentId).ToHashSet();
        var escalation = Assert.Single(AlertsWhere(a => a.Kind == AlertKind.EscalationRisk && ids.Contains(a.IncidentIds[0]), 1));
        Assert.Equal(ids.Order(), escalation.IncidentIds.Order());
        Assert.StartsWith("Dispute turned violent", escalation.Summary, StringComparison.Ordinal);
        Assert.Contains("2 dispute reports and 1 assault at parties", escalation.Evidence[0]);
        var links = await LinksAsync(assault.IncidentId);
        Assert.Contains(links.Links, l => l.Kind == LinkKind.Dispute && l.IncidentId == second.IncidentId && l.Evidence[0].EndsWith("(assault)", StringComparison.Ordinal));
    }

    protected async Task Two_calls_about_one_fire_are_linked_as_duplicates_for_Dispatch_to_merge()
    {
        var building = SomePlace();
        var now = DateTimeOffset.UtcNow;
        var firstCall = NewIncident(IncidentCategory.Fire, building, now.AddMinutes(-6));
        var secondCall = NewIncident(IncidentCategory.Fire, Offset(building, 60, 40), now.AddMinutes(-3));
        var elsewhere = NewIncident(IncidentCategory.Fire, Offset(building, 900, 0), now.AddMinutes(-2));
        await PublishAndWaitAsync(firstCall);
        await PublishAndWaitAsync(secondCall);
        await PublishAndWaitAsync(elsewhere);

        var duplicate = Assert.Single(AlertsWhere(a => a.Kind == AlertKind.Duplicate && a.IncidentIds.Contains(firstCall.IncidentId), 1));
        Assert.Equal([secondCall.IncidentId, firstCall.IncidentId], duplicate.IncidentIds);
        Assert.Contains("70 m and 3 min apart", duplicate.Evidence[0]);
        Assert.Contains((await LinksAsync(secondCall.IncidentId)).Links, l => l.Kind == LinkKind.Duplicate && l.IncidentId == firstCall.IncidentId);
        Assert.DoesNotContain((await LinksAsync(elsewhere.IncidentId)).Links, l => l.Kind == LinkKind.Duplicate);
    }

    protected async Task A_crowd_of_calls_about_one_robbery_collapses_into_the_original_before_series_scoring()
    {
        // Many callers, one event: a street robbery reported by 30 passers-by from the same corner within a minute.
        var corner = SomePlace();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        void Robbery(Report r)
        {
            r.ModusOperandi = new ModusOperandi { EntryMethod = "snatch", TargetType = "pedestrian", PropertyTaken = { "phone" } };
            r.Parties.Add(new Party { Role = PartyRole.Suspect, Sex = "m", AgeMin = 20, AgeMax = 25, Clothing = "red jacket" });
        }
        var original = NewIncident(IncidentCategory.Robbery, corner, at, Robbery);
        await PublishAndWaitAsync(original);
        var calls = Enumerable.Range(0, 30).Select(i => NewIncident(IncidentCategory.Robbery, Offset(corner, i % 5 * 10, i / 5 * 10), at.AddSeconds(1 + i), Robbery)).ToArray();
        await PublishAsync(calls); // a burst, in parallel partitions

        static bool DuplicatesAnEarlierReport(IncidentLink l) => l.Kind == LinkKind.Duplicate && l.Evidence[0].StartsWith("duplicates the earlier report", StringComparison.Ordinal);
        foreach (var call in calls)
        {
            // Collapsed: a duplicate of an earlier report of the event (the original or an earlier call), and no series step at all
            // (the series step would have stored candidate links: the original at least is one).
            var links = (await EventuallyAsync(() => Analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = call.IncidentId, IncludeCandidates = true }).ResponseAsync,
                r => r.Links.Any(DuplicatesAnEarlierReport))).Links;
            Assert.DoesNotContain(links, l => l.Kind == LinkKind.Series);
        }
        // The original was scored before the burst; the calls never became its series candidates.
        var callIds = calls.Select(c => c.IncidentId).ToHashSet();
        var originalLinks = (await EventuallyAsync(() => Analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = original.IncidentId, IncludeCandidates = true }).ResponseAsync,
            r => r.Links.Any(l => l.Kind == LinkKind.Duplicate && callIds.Contains(l.IncidentId)))).Links;
        Assert.DoesNotContain(originalLinks, l => l.Kind == LinkKind.Series && callIds.Contains(l.IncidentId));
        await Assert.ThrowsAsync<RpcException>(() => Analysis.GetSeriesAsync(new GetSeriesRequest { IncidentId = calls[^1].IncidentId }).ResponseAsync);
    }

    protected async Task Replaying_incidents_into_a_fresh_state_rebuilds_the_same_series_and_chains()
    {
        // Live state first: a series of three and a chain of three (with a common identifier).
        var start = SomePlace();
        var night = DateTimeOffset.UtcNow.Date.AddDays(-2).AddHours(1);
        var burglaries = Enumerable.Range(0, 3).Select(i => NewIncident(IncidentCategory.Burglary, Offset(start, i * 400, i * 300), night.AddHours(i * 20), r => DoorPullBurglary(r, "Binjiang"))).ToArray();
        var account = $"6228{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}";
        var frauds = Enumerable.Range(0, 3).Select(i => Fraud(account, 1000 * (i + 1), DateTimeOffset.UtcNow.AddDays(-i - 1),
            new Identifier { Type = IdentifierType.Url, Value = $"https://pay-{account}.example/{i}" })).ToArray();
        foreach (var incident in burglaries.Concat(frauds))
        {
            await PublishAndWaitAsync(incident);
        }
        var liveSeries = await Analysis.GetSeriesAsync(new GetSeriesRequest { IncidentId = burglaries[0].IncidentId });
        var liveChain = await Analysis.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = frauds[0].IncidentId });
        Assert.Equal(3, liveSeries.Members.Count);
        Assert.Equal(3, liveChain.IncidentIds.Count);

        // The documented rebuild: a fresh state prefix and consumer group, alerts off, re-consuming incidents.v1 from the start.
        var prefix = $"rebuild-{Guid.NewGuid():N}"[..16];
        var settings = new Dictionary<string, string?>(suite.CommonSettings)
        {
            ["Analysis:StatePrefix"] = prefix,
            ["Analysis:ConsumerGroup"] = prefix,
            ["Analysis:PublishAlerts"] = "false",
        };
        await using var replay = new ServiceHost<analysis::Program>(settings);
        using var channel = GrpcChannel.ForAddress(replay.Address);
        var rebuilt = new AnalysisService.AnalysisServiceClient(suite.AsCentre(channel));

        // Every member analysed in the rebuilt state: until then a member may be in the series without its stored details.
        foreach (var member in liveSeries.Members)
        {
            await LinksAsync(member.IncidentId, client: rebuilt);
        }
        var replayedSeries = await EventuallyAsync(() => rebuilt.GetSeriesAsync(new GetSeriesRequest { IncidentId = burglaries[0].IncidentId }).ResponseAsync,
            s => s.Members.Count == liveSeries.Members.Count && s.Links.Count >= liveSeries.Links.Count); // links are written after the union
        // Identical: members, the links with their scores and words, path, next area and patrol plan (less any window that
        // ended between the two reads). A pair's score is the pair's own, whatever else had been analysed when it was
        // scored, and partitions replay in another order.
        Assert.Equal(liveSeries.PatrolPlan.TakeLast(replayedSeries.PatrolPlan.Count), replayedSeries.PatrolPlan);
        liveSeries.PatrolPlan.Clear();
        replayedSeries.PatrolPlan.Clear();
        Assert.Equal(liveSeries, replayedSeries);
        var replayedChain = await EventuallyAsync(() => rebuilt.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = frauds[0].IncidentId }).ResponseAsync,
            c => c.IncidentIds.Count == liveChain.IncidentIds.Count);
        Assert.Equal(liveChain, replayedChain);
    }
}

[Collection(EmbeddedKafkaCollection.Name)]
public sealed class AnalysisOnEmbeddedKafka(EmbeddedKafkaSuite suite) : AnalysisScenarios(suite)
{
    [Fact]
    public Task Series_detected_and_grown() => A_crew_pulling_shop_doors_over_three_nights_is_detected_as_a_series_and_grows_across_districts();

    [Fact]
    public Task Fraud_chain_and_intercept() => Reports_sharing_a_mule_account_form_a_chain_and_a_new_report_touching_it_raises_INTERCEPT();

    [Fact]
    public Task Common_identifier_does_not_merge_chains() => A_bank_hotline_on_many_reports_is_common_and_does_not_weld_unrelated_chains();

    [Fact]
    public Task Watchlist_hit() => A_wanted_person_seen_by_a_school_platform_raises_a_P1_watchlist_hit();

    [Fact]
    public Task Public_identifier_listed_at_run_time() => An_administrator_lists_a_service_account_as_public_and_the_chain_it_welded_comes_apart();

    [Fact]
    public Task Hotspot() => Thefts_clustering_in_one_cell_within_an_hour_raise_a_hotspot_and_show_in_GetHotspots();

    [Fact]
    public Task Escalating_dispute() => A_third_dispute_at_one_address_in_30_days_raises_ESCALATION_RISK_and_a_redelivery_counts_once();

    [Fact]
    public Task Dispute_turned_violent() => Two_disputes_between_the_same_neighbours_then_an_assault_raise_ESCALATION_RISK_with_the_assault_in_the_history();

    [Fact]
    public Task Duplicate() => Two_calls_about_one_fire_are_linked_as_duplicates_for_Dispatch_to_merge();

    [Fact]
    public Task Crowd_of_calls_collapses_before_series() => A_crowd_of_calls_about_one_robbery_collapses_into_the_original_before_series_scoring();

    [Fact]
    public Task Replay_rebuilds_identical_state() => Replaying_incidents_into_a_fresh_state_rebuilds_the_same_series_and_chains();
}
