using Analysis.Application;
using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Domain.Hotspots;
using Analysis.Infrastructure;
using Analysis.Streaming;
using Confluent.Kafka;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Microsoft.Extensions.Hosting.GrpcErrors;

namespace Analysis.Grpc;

public sealed class AnalysisGrpcService(
    IncidentStore incidents,
    SeriesGraph series,
    SeriesReader seriesReader,
    SeriesNearMisses nearMisses,
    FraudGraph fraud,
    FraudChainReader chainReader,
    CommonIdentifierRule commonIdentifiers,
    HotspotCounter hotspots,
    WatchlistStore watchlist,
    AlertHub alerts,
    TimeProvider clock,
    IOptions<AnalysisOptions> options,
    IOptions<HotspotOptions> hotspotOptions,
    IHostApplicationLifetime lifetime) : AnalysisService.AnalysisServiceBase
{
    public override Task<GetIncidentLinksResponse> GetIncidentLinks(GetIncidentLinksRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.IncidentId))
        {
            throw InvalidArgument("incident_id", "REQUIRED", "incident_id is required");
        }
        return Redis(async () =>
        {
            if (await incidents.GetAnalysedWithLinksAsync(request.IncidentId) is not { } found)
            {
                throw NotFound($"incident {request.IncidentId} is not analysed by Analysis: unknown, not consumed yet, "
                               + $"or received more than {options.Value.IncidentRetentionDays} days ago");
            }
            if (!found.Analysed)
            {
                // Its links so far would read as all it has.
                throw NotFound($"incident {request.IncidentId} is being analysed; ask again in a moment");
            }
            // Series are renamed when they merge: links carry the series the incident is in now.
            var currentSeries = await series.SeriesOfAsync(request.IncidentId) ?? "";
            var response = new GetIncidentLinksResponse { IncidentId = request.IncidentId };
            var links = request.IncludeCandidates ? IncidentStore.Ordered([.. found.Links, .. await NearMissesAsync(found.Incident, found.Links, context.CancellationToken)]) : found.Links;
            foreach (var link in links)
            {
                if (link.Kind == LinkKind.Series && link.Linked)
                {
                    link.GroupId = currentSeries;
                }
                response.Links.Add(link);
            }
            return response;
        });
    }

    private async Task<IReadOnlyList<IncidentLink>> NearMissesAsync(Incident incident, IReadOnlyCollection<IncidentLink> links, CancellationToken cancellationToken)
    {
        try
        {
            return await nearMisses.FindAsync(incident, links, cancellationToken);
        }
        catch (KafkaException)
        {
            // The index cannot confirm it holds everything published: partial near misses would look complete.
            throw Unavailable("the incident index cannot confirm it is current (Kafka unreachable); retry later, or ask without include_candidates");
        }
    }

    public override Task<Contracts.Analysis.V1.Series> GetSeries(GetSeriesRequest request, ServerCallContext context)
    {
        if (request.SeriesId.Length == 0 == (request.IncidentId.Length == 0))
        {
            throw InvalidArgument("series_id", "ONE_REQUIRED", "set exactly one of series_id and incident_id");
        }
        return Redis(async () =>
        {
            var seriesId = request.SeriesId;
            if (seriesId.Length == 0)
            {
                seriesId = await series.SeriesOfAsync(request.IncidentId)
                    ?? throw NotFound($"incident {request.IncidentId} is in no series (not linked to another incident, unknown, or past retention)");
            }
            return await seriesReader.ReadAsync(seriesId) ?? throw NotFound($"series {seriesId} is unknown or past retention");
        });
    }

    public override Task<FraudChain> GetFraudChain(GetFraudChainRequest request, ServerCallContext context)
    {
        var given = (request.ChainId.Length > 0 ? 1 : 0) + (request.IncidentId.Length > 0 ? 1 : 0) + (request.Identifier is not null ? 1 : 0);
        if (given != 1)
        {
            throw InvalidArgument("chain_id", "ONE_REQUIRED", "set exactly one of chain_id, incident_id and identifier");
        }
        string? identifierKey = null;
        if (request.Identifier is { } identifier && (identifierKey = IdentifierKeys.Key(identifier)) is null)
        {
            throw InvalidArgument("identifier.value", "EMPTY", "the identifier has no value left after normalising");
        }
        return Redis(async () =>
        {
            var chainId = request.ChainId;
            if (request.IncidentId.Length > 0)
            {
                chainId = await fraud.ChainOfIncidentAsync(request.IncidentId)
                    ?? throw NotFound($"incident {request.IncidentId} is in no fraud chain (it shares no linking identifier, is unknown, or past retention)");
            }
            else if (identifierKey is not null)
            {
                chainId = await fraud.ChainOfIdentifierAsync(identifierKey)
                    ?? throw NotFound($"{IdentifierKeys.Describe(identifierKey)} links no fraud chain (unknown, on a single report, or common)");
            }
            return (await chainReader.ReadAsync(chainId))?.Chain ?? throw NotFound($"fraud chain {chainId} is unknown or past retention");
        });
    }

    public override Task<SetIdentifierPublicResponse> SetIdentifierPublic(SetIdentifierPublicRequest request, ServerCallContext context)
    {
        var identifier = request.Identifier ?? throw InvalidArgument("identifier", "REQUIRED", "identifier is required");
        if (!IdentifierKeys.IsFraudInfrastructure(identifier.Type))
        {
            throw InvalidArgument("identifier.type", "NOT_FRAUD_INFRASTRUCTURE",
                "only identifiers that link fraud reports can be public: phone, bank account, payment account, device, SIM gateway, IP, social account, URL");
        }
        var key = IdentifierKeys.Key(identifier) ?? throw InvalidArgument("identifier.value", "EMPTY", "the identifier has no value left after normalising");
        if (!request.Public && commonIdentifiers.IsListedPublic(key))
        {
            throw FailedPrecondition($"{IdentifierKeys.Describe(key)} is listed in configuration (Analysis:Fraud:PublicIdentifiers): remove it there to unlist it");
        }
        return Redis(async () =>
        {
            var outcome = await fraud.SetListedAsync(key, request.Public, commonIdentifiers, clock.GetUtcNow());
            return new SetIdentifierPublicResponse
            {
                Reports = outcome.Reports,
                ChainIds = { outcome.Chains },
                SplitChainIds = { outcome.Splits.Select(s => s.Chain).Distinct(StringComparer.Ordinal) },
            };
        });
    }

    public override Task<GetHotspotsResponse> GetHotspots(GetHotspotsRequest request, ServerCallContext context)
    {
        if (request.Area is null || GeoBoxes.Problem(request.Area) is { } problem && problem.Length > 0)
        {
            throw InvalidArgument("area", "INVALID_AREA", request.Area is null ? "area is required" : GeoBoxes.Problem(request.Area)!);
        }
        var rule = new HotspotRule(hotspotOptions.Value);
        var window = rule.Spec(request.Window) ?? throw InvalidArgument("window", "UNKNOWN_VALUE", "window must be 1H, 24H or 7D");
        if (request.Limit < 0)
        {
            throw InvalidArgument("limit", "OUT_OF_RANGE", "limit must not be negative");
        }
        var categories = request.Categories.Count > 0
            ? request.Categories.Distinct().ToList()
            : Enum.GetValues<IncidentCategory>().Where(c => c != IncidentCategory.Unspecified).ToList();
        var limit = request.Limit > 0 ? request.Limit : hotspotOptions.Value.DefaultLimit;
        // Counted in this replica's memory, which holds every replica's incidents (the index feed).
        var now = clock.GetUtcNow();
        var found = new List<Hotspot>();
        foreach (var category in categories)
        {
            foreach (var (cellId, center, counts) in hotspots.CountIn(request.Area, category, now, window))
            {
                var verdict = rule.Judge(window, counts);
                if (verdict.Count == 0)
                {
                    continue;
                }
                found.Add(new Hotspot
                {
                    CellId = cellId,
                    Center = center,
                    Category = category,
                    Count = verdict.Count,
                    Baseline = verdict.Baseline,
                    Ratio = verdict.Ratio,
                    Alerting = verdict.Alerting,
                });
            }
        }
        return Task.FromResult(new GetHotspotsResponse
        {
            Hotspots = { found.OrderByDescending(h => h.Ratio).ThenByDescending(h => h.Count).ThenBy(h => h.CellId, StringComparer.Ordinal).Take(limit) },
        });
    }

    public override Task<WatchlistEntry> UpsertWatchlistEntry(UpsertWatchlistEntryRequest request, ServerCallContext context)
    {
        var entry = request.Entry ?? throw InvalidArgument("entry", "REQUIRED", "entry is required");
        if (string.IsNullOrWhiteSpace(entry.EntryId))
        {
            throw InvalidArgument("entry.entry_id", "REQUIRED", "entry_id is required (the caller's id; an upsert replaces it)");
        }
        if (entry.EntryId.Any(char.IsControl))
        {
            throw InvalidArgument("entry.entry_id", "INVALID_CHARACTERS", "entry_id must not contain control characters");
        }
        if (!Enum.IsDefined(entry.Subject) || entry.Subject == WatchlistSubject.Unspecified)
        {
            throw InvalidArgument("entry.subject", "REQUIRED", "subject must be PERSON, VEHICLE or IDENTIFIER");
        }
        if (!Enum.IsDefined(entry.Priority))
        {
            throw InvalidArgument("entry.priority", "UNKNOWN_VALUE", $"unknown priority {(int)entry.Priority}");
        }
        if (entry.BirthYear != 0 && (entry.BirthYear < 1900 || entry.BirthYear > clock.GetUtcNow().Year))
        {
            throw InvalidArgument("entry.birth_year", "OUT_OF_RANGE", $"birth_year {entry.BirthYear} must be 0 (unknown) or between 1900 and this year");
        }
        if (entry.Sex.Length > 0 && WatchlistMatching.NormaliseSex(entry.Sex) is null)
        {
            throw InvalidArgument("entry.sex", "UNKNOWN_VALUE", $"sex '{entry.Sex}' must be empty (unknown), 'male' or 'female'");
        }
        var keys = WatchlistKeys.ForEntry(entry);
        if (keys.Count == 0)
        {
            throw InvalidArgument("entry.identifiers", "NOTHING_TO_MATCH",
                "the entry needs at least one identifier with a value (or, for a person, a name): nothing could ever match it");
        }
        var stored = entry.Clone();
        stored.UpdatedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        return Redis(async () =>
        {
            await watchlist.UpsertAsync(stored, keys);
            return stored;
        });
    }

    public override Task<RemoveWatchlistEntryResponse> RemoveWatchlistEntry(RemoveWatchlistEntryRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.EntryId))
        {
            throw InvalidArgument("entry_id", "REQUIRED", "entry_id is required");
        }
        return Redis(async () => new RemoveWatchlistEntryResponse { Removed = await watchlist.RemoveAsync(request.EntryId) });
    }

    public override Task<ListWatchlistResponse> ListWatchlist(ListWatchlistRequest request, ServerCallContext context)
        => Redis(async () => new ListWatchlistResponse { Entries = { await watchlist.ListAsync() } });

    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertEvent> responseStream, ServerCallContext context)
    {
        if (!Enum.IsDefined(request.MaxPriority))
        {
            throw InvalidArgument("max_priority", "UNKNOWN_VALUE", $"unknown priority {(int)request.MaxPriority}");
        }
        if (request.Area is { } area && GeoBoxes.Problem(area) is { } problem)
        {
            throw InvalidArgument("area", "INVALID_AREA", problem);
        }
        Dictionary<int, long>? resumeFrom = null;
        if (request.ResumeToken.Length > 0 && !AlertResumeToken.TryDecode(request.ResumeToken, out resumeFrom))
        {
            throw InvalidArgument("resume_token", "INVALID_FORMAT", "not a token WatchAlerts issued");
        }

        using var subscription = alerts.Subscribe(AlertFilter.From(request), resumeFrom)
            ?? throw new RpcException(new Status(StatusCode.OutOfRange,
                "the resume token is older than the alerts this replica still holds; start a new watch without a token and reload with GetSeries / GetFraudChain"));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, subscription.Ended, lifetime.ApplicationStopping);
        try
        {
            // The only writer of this response stream.
            await foreach (var alertEvent in subscription.Reader.ReadAllAsync(ended.Token))
            {
                await responseStream.WriteAsync(alertEvent, ended.Token);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // Reported below, unless the caller went away.
        }

        if (context.CancellationToken.IsCancellationRequested)
        {
            return;
        }
        if (subscription.FailureReason is { } reason)
        {
            throw new RpcException(new Status(subscription.FailureStatus, reason));
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw Unavailable("Analysis is shutting down; reconnect with the last resume token to continue watching alerts");
        }
    }

    private static async Task<T> Redis<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw Unavailable("Analysis state (Redis) is unreachable; retry later");
        }
    }
}
