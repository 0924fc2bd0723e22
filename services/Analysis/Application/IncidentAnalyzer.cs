using System.Diagnostics;
using System.Diagnostics.Metrics;
using Analysis.Domain;
using Analysis.Domain.Disputes;
using Analysis.Domain.Fraud;
using Analysis.Domain.Hotspots;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Analysis.Messaging;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>What analysing one incident did.</summary>
public enum AnalysisOutcome
{
    Analysed,

    /// <summary>Received longer ago than the retention: nothing stored.</summary>
    OutsideRetention,
}

/// <summary>
/// Analyses incidents: stores each, then concurrently looks for near-duplicates and series
/// candidates (spatial index), counts it into its hotspot cell, links disputes, fraud chains and
/// watchlist entries, and publishes the alerts that raised. Every step is idempotent per incident id
/// (overwrites, set members, or a per-incident result stored in the same script as the change), so
/// a redelivered incident changes nothing and re-raises the same alert ids.
/// </summary>
public sealed class IncidentAnalyzer
{
    public const string MeterName = "Suite.Analysis";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("analysis.incident.duration", "ms", "Time to analyse one incident, alerts published");

    private readonly IncidentStore _incidents;
    private readonly IncidentIndexing _indexing;
    private readonly SpatialIndex _spatial;
    private readonly IncidentIndexFeed _feed;
    private readonly HotspotStore _hotspots;
    private readonly HotspotCounter _hotspotCounts;
    private readonly DisputeStore _disputes;
    private readonly SeriesGraph _series;
    private readonly FraudGraph _fraud;
    private readonly WatchlistStore _watchlist;
    private readonly SeriesReader _seriesReader;
    private readonly FraudChainReader _chainReader;
    private readonly AlertSink _sink;
    private readonly TimeProvider _clock;
    private readonly AnalysisOptions _options;
    private readonly SeriesOptions _seriesOptions;
    private readonly CandidateScoring _candidateScoring;
    private readonly NearbySearch _nearby;
    private readonly DisputeOptions _disputeOptions;
    private readonly FraudOptions _fraudOptions;
    private readonly CommonIdentifierRule _commonIdentifiers;
    private readonly HotspotRule _hotspotRule;
    private readonly AnalysisStats _stats;

    public IncidentAnalyzer(
        IncidentStore incidents, IncidentIndexing indexing, NearbySearch nearby, CandidateScoring candidateScoring, SpatialIndex spatial, IncidentIndexFeed feed, HotspotStore hotspots, HotspotCounter hotspotCounts, DisputeStore disputes, SeriesGraph series, FraudGraph fraud,
        WatchlistStore watchlist, SeriesReader seriesReader, FraudChainReader chainReader, CommonIdentifierRule commonIdentifiers, AlertSink sink, TimeProvider clock,
        IOptions<AnalysisOptions> options, IOptions<SeriesOptions> seriesOptions,
        IOptions<DisputeOptions> disputeOptions, IOptions<FraudOptions> fraudOptions, IOptions<HotspotOptions> hotspotOptions, AnalysisStats stats)
    {
        _stats = stats;
        _incidents = incidents;
        _indexing = indexing;
        _spatial = spatial;
        _feed = feed;
        _hotspots = hotspots;
        _hotspotCounts = hotspotCounts;
        _disputes = disputes;
        _series = series;
        _fraud = fraud;
        _watchlist = watchlist;
        _seriesReader = seriesReader;
        _chainReader = chainReader;
        _sink = sink;
        _clock = clock;
        _options = options.Value;
        _seriesOptions = seriesOptions.Value;
        _candidateScoring = candidateScoring;
        _nearby = nearby;
        _disputeOptions = disputeOptions.Value;
        _fraudOptions = fraudOptions.Value;
        _commonIdentifiers = commonIdentifiers;
        _hotspotRule = new HotspotRule(hotspotOptions.Value);
    }

    private TimeSpan Retention => TimeSpan.FromDays(_options.IncidentRetentionDays);

    /// <summary>
    /// Analyses incidents consumed together: stores them in one round trip, waits once for the index feed to index them,
    /// then analyses each (the searches in turn on this thread, the Redis steps of all of them concurrently) and publishes
    /// its alerts, then marks them all analysed. What the incidents share is paid once per batch; an incident's duration
    /// runs from its batch's start to its alerts.
    /// </summary>
    /// <returns>The outcome of each incident, in order.</returns>
    public async Task<IReadOnlyList<AnalysisOutcome>> AnalyseAsync(IReadOnlyList<Incident> incidents, CancellationToken cancellationToken)
    {
        foreach (var incident in incidents)
        {
            ArgumentException.ThrowIfNullOrEmpty(incident.IncidentId);
        }
        var started = Stopwatch.GetTimestamp();
        var now = _clock.GetUtcNow();
        var outcomes = new AnalysisOutcome[incidents.Count];
        var contexts = new List<Context>(incidents.Count);
        for (var i = 0; i < incidents.Count; i++)
        {
            var incident = incidents[i];
            // Retention counts from reception, so re-processing an old record never extends it.
            var receivedAt = incident.ReceivedAt?.ToDateTimeOffset() ?? now;
            var expiresAt = receivedAt + Retention;
            if (expiresAt <= now)
            {
                outcomes[i] = AnalysisOutcome.OutsideRetention;
                continue;
            }
            var report = incident.Report ?? new Report();
            contexts.Add(new Context(incident, report, report.OccurredAt?.ToDateTimeOffset() ?? receivedAt, receivedAt, expiresAt, now));
        }
        if (contexts.Count == 0)
        {
            return outcomes;
        }

        // Stored before the steps, as being analysed (GetIncidentLinks answers for it once marked analysed, below); links
        // others write to it meanwhile then expire with it.
        var batch = await _incidents.SaveAnalysingAsync([.. contexts.Select(c => (c.Incident, c.ExpiresAt))]);
        // Indexed and counted here before any search: the index feed leaves this replica's partitions to it, and reads the
        // others up to its barrier. Of two incidents analysed at the same time, here or on two replicas, the one that
        // searched later sees the other.
        var indexed = contexts.Select(c => _indexing.Add(c.Incident, now)).ToArray();
        if (indexed.Any(i => i is not null))
        {
            await _feed.CaughtUpAsync(cancellationToken);
        }
        await Task.WhenAll(contexts.Select((c, i) => AnalyseIndexedAsync(c, indexed[i], started, cancellationToken)));
        // Marked together, one command (one per incident cost Analysis a tenth of its throughput, or 4 % in one round
        // trip), a few milliseconds after the first of them is done.
        await _incidents.MarkAnalysedAsync(batch);
        return outcomes;
    }

    /// <summary>One incident's steps, then its alerts: an incident that raised none is done without waiting for the others' alerts.</summary>
    private async Task AnalyseIndexedAsync(Context c, IndexedIncident? indexed, long started, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            NearbyAsync(c, indexed),
            HotspotAsync(c, indexed),
            DisputesAsync(c),
            FraudAsync(c),
            WatchlistAsync(c));
        await _sink.PublishAsync(c.Alerts, cancellationToken);

        var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Duration.Record(milliseconds);
        _stats.Record(milliseconds);
    }

    /// <summary>What one analysis works on, and the alerts it raises (steps run concurrently: the list is locked).</summary>
    private sealed class Context(Incident incident, Report report, DateTimeOffset occurredAt, DateTimeOffset receivedAt, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        private readonly List<Alert> _alerts = [];

        public Incident Incident { get; } = incident;
        public Report Report { get; } = report;
        public string Id => Incident.IncidentId;
        public DateTimeOffset OccurredAt { get; } = occurredAt;
        public DateTimeOffset ReceivedAt { get; } = receivedAt;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public DateTimeOffset Now { get; } = now;

        public IReadOnlyCollection<Alert> Alerts
        {
            get
            {
                lock (_alerts)
                {
                    return [.. _alerts];
                }
            }
        }

        public void Raise(Alert alert)
        {
            alert.Location ??= Report.Location;
            lock (_alerts)
            {
                _alerts.Add(alert);
            }
        }
    }

    // ---- near-duplicates and series: both start from the spatial index ----

    private async Task NearbyAsync(Context c, IndexedIncident? indexed)
    {
        if (indexed is null)
        {
            return;
        }
        var found = _nearby.Find(c.Id, c.Report.Category, c.Report.Location, indexed, _candidateScoring.Linkable(indexed.Sketch));
        // A duplicate of an earlier report is collapsed into it before series scoring, so a crowd of callers costs one
        // duplicate check each instead of a series step each.
        await Task.WhenAll(DuplicatesAsync(c, found.Duplicates), found.SeriesCandidates.Count > 0
            ? SeriesAsync(c, indexed.Features!, indexed.Sketch, found.SeriesCandidates)
            : Task.CompletedTask);
    }

    private async Task DuplicatesAsync(Context c, DuplicateFinding finding)
    {
        var writes = new List<Task>();
        var self = (c.Id, c.OccurredAt, c.ExpiresAt);
        if (finding.Earlier is { } earlier)
        {
            writes.Add(DuplicateAsync(c, later: self, earlier: (earlier.IncidentId, earlier.OccurredAt, earlier.StoredUntil), earlier.DistanceMeters, c.Incident.Priority));
        }
        foreach (var later in finding.Later)
        {
            writes.Add(DuplicateAsync(c, later: (later.IncidentId, later.OccurredAt, later.StoredUntil), earlier: self, later.DistanceMeters, c.Incident.Priority));
        }
        await Task.WhenAll(writes);
    }

    private async Task DuplicateAsync(Context c, (string Id, DateTimeOffset At, DateTimeOffset StoredUntil) later, (string Id, DateTimeOffset At, DateTimeOffset StoredUntil) earlier,
        double distanceMeters, Priority priority)
    {
        var evidence = DuplicateRule.Evidence(c.Report.Category, distanceMeters, later.At - earlier.At);
        await Task.WhenAll(
            _incidents.AddLinksToAsync(later.Id, [new IncidentLink { IncidentId = earlier.Id, Kind = LinkKind.Duplicate, Score = 1, Linked = true, Evidence = { $"duplicates the earlier report: {evidence}" } }], later.StoredUntil),
            _incidents.AddLinksToAsync(earlier.Id, [new IncidentLink { IncidentId = later.Id, Kind = LinkKind.Duplicate, Score = 1, Linked = true, Evidence = { $"a later report duplicates it: {evidence}" } }], earlier.StoredUntil));
        // Contract with Dispatch: [0] = the newer report, [1] = the earlier incident it duplicates. The id is the pair's, whichever side found it.
        var alert = Alerts.Create(AlertKind.Duplicate, priority == Priority.Unspecified ? Priority.P3 : priority, later.Id, earlier.Id, c.Now);
        alert.IncidentIds.Add([later.Id, earlier.Id]);
        alert.Summary = $"Probable duplicate report of one {CategoryNames.Of(c.Report.Category)} event: merge instead of sending units twice";
        alert.Evidence.Add(evidence);
        c.Raise(alert);
    }

    private async Task SeriesAsync(Context c, SeriesFeatures features, CandidateSketch sketch, IReadOnlyList<NearbyIncident> candidates)
    {
        // Only the links are kept (near misses are worked out when asked for: SeriesNearMisses), so only the candidates
        // whose bound reaches the threshold are scored exactly.
        var scored = (await _candidateScoring.ScoreAsync(features, sketch, candidates, nearMisses: 0, ids => Task.FromResult(_spatial.Features(ids))))
            .Where(s => s.Score.Linked).Select(s => (Other: s.Features, s.Score, candidates[s.Index].StoredUntil)).ToList();
        if (scored.Count == 0)
        {
            return;
        }
        var outcome = await _series.JoinAsync(c.Id, [.. scored.Select(s => s.Other.IncidentId)], c.ReceivedAt, c.Now - Retention);
        var seriesId = outcome.Name;
        var ownLinks = scored.Select(s => new IncidentLink
        {
            IncidentId = s.Other.IncidentId,
            Kind = LinkKind.Series,
            Score = Math.Round(s.Score.Score, 4),
            Evidence = { s.Score.Evidence },
            Linked = true,
            GroupId = seriesId,
        });
        var writes = new List<Task> { _incidents.AddOwnLinksAsync(c.Id, ownLinks, c.ExpiresAt) };
        writes.AddRange(scored.Select(s => _incidents.AddLinksToAsync(s.Other.IncidentId,
            [new IncidentLink { IncidentId = c.Id, Kind = LinkKind.Series, Score = Math.Round(s.Score.Score, 4), Evidence = { s.Score.Evidence }, Linked = true, GroupId = seriesId }],
            s.StoredUntil)));
        await Task.WhenAll(writes);

        if (outcome is not { Grew: true } || outcome.Size < _seriesOptions.MinSeriesSize)
        {
            return;
        }
        var detected = outcome.LargestBefore < _seriesOptions.MinSeriesSize;
        if (await _seriesReader.ReadAsync(outcome.Name) is not { } series)
        {
            return;
        }
        var kind = detected ? AlertKind.SeriesDetected : AlertKind.SeriesGrown;
        var alert = Alerts.Create(kind, Priority.P2, c.Id, series.SeriesId, c.Now);
        alert.IncidentIds.Add(c.Id);
        alert.IncidentIds.Add(series.Members.Select(m => m.IncidentId).Where(id => id != c.Id));
        var merged = outcome.Before.Count(b => b.Size > 1);
        alert.Summary = detected
            ? $"Serial {CategoryNames.Of(c.Report.Category)}: {series.Members.Count} linked incidents form a series"
            : $"Series grew to {series.Members.Count} incidents{(merged > 1 ? $" ({merged} series merged)" : "")}";
        // The strongest links only: a large series has links by the thousand, and the alert must stay one
        // readable Kafka record (GetSeries lists every link).
        var ownEvidence = scored.OrderByDescending(s => s.Score.Score).ToList();
        foreach (var s in ownEvidence.Take(MaxEvidenceLines))
        {
            alert.Evidence.Add($"linked to {s.Other.IncidentId} ({s.Score.Score:P0}): {string.Join("; ", s.Score.Evidence)}");
        }
        var otherLinks = series.Links.Where(l => l.IncidentA != c.Id && l.IncidentB != c.Id).OrderByDescending(l => l.Score).ToList();
        foreach (var link in otherLinks.Take(MaxEvidenceLines))
        {
            alert.Evidence.Add($"{link.IncidentA} and {link.IncidentB} ({link.Score:P0}): {string.Join("; ", link.Evidence)}");
        }
        var untold = Math.Max(0, ownEvidence.Count - MaxEvidenceLines) + Math.Max(0, otherLinks.Count - MaxEvidenceLines);
        if (untold > 0)
        {
            alert.Evidence.Add($"and {untold} weaker links (GetSeries {series.SeriesId} lists them all)");
        }
        alert.Attributes["series_id"] = series.SeriesId;
        alert.Attributes["series_size"] = series.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (series.Districts.Count > 0)
        {
            alert.Attributes["districts"] = string.Join(", ", series.Districts);
        }
        if (series.LastPosition is { } last)
        {
            alert.Attributes["last_position"] = FormatPoint(last);
        }
        if (series.Path.Count > 0)
        {
            alert.Attributes["path"] = string.Join(" -> ", series.Path.Select(FormatPoint));
        }
        if (series.NextArea is { } next)
        {
            alert.Attributes["next_area"] = $"{FormatPoint(next.Center)} r={next.RadiusM:0} m";
            alert.Attributes["patrol_recommendation"] = next.Explanation;
            alert.Location = next.Center;
        }
        if (series.PatrolPlan.Count > 0)
        {
            alert.Attributes["patrol_plan"] = string.Join(" | ", series.PatrolPlan.Select(p => p.Explanation));
        }
        c.Raise(alert);
    }

    /// <summary>Link evidence lines per part of a series alert (the new incident's links, the series' other links).</summary>
    private const int MaxEvidenceLines = 20;

    private static string FormatPoint(GeoPoint p) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Latitude:0.######},{p.Longitude:0.######}");

    // ---- hotspots ----

    private async Task HotspotAsync(Context c, IndexedIncident? indexed)
    {
        // Counted when indexed (a usable location, within retention), if it has a category.
        if (indexed is null || c.Report.Category == IncidentCategory.Unspecified)
        {
            return;
        }
        var cell = _hotspotCounts.Grid.CellOf(c.Report.Location);
        var counts = _hotspotCounts.CountAt(cell, c.Report.Category, c.OccurredAt);
        for (var i = 0; i < _hotspotRule.Windows.Count; i++)
        {
            var window = _hotspotRule.Windows[i];
            var (windowCounts, windowEnd) = counts[i];
            var verdict = _hotspotRule.Judge(window, windowCounts);
            if (!verdict.Alerting)
            {
                continue;
            }
            // One alert per cell, category and window instance: the first incident that makes it hot raises it.
            var windowIndex = windowEnd.ToUnixTimeMilliseconds() / (long)window.Length.TotalMilliseconds;
            if (!await _hotspots.ClaimAlertAsync(cell, c.Report.Category, window, windowIndex, c.Id))
            {
                continue;
            }
            var category = CategoryNames.Of(c.Report.Category);
            var center = _hotspotCounts.Grid.Center(cell);
            var alert = Alerts.Create(AlertKind.Hotspot, Priority.P3, c.Id, $"{cell}/{c.Report.Category}/{window.Window}/{windowIndex}", c.Now);
            alert.IncidentIds.Add(c.Id);
            alert.Location = center;
            alert.Summary = $"Hotspot: {verdict.Count} {category} reports in {window.Name} around {FormatPoint(center)}, {verdict.Ratio:0.#}x the cell's usual rate";
            alert.Evidence.Add($"{verdict.Count} {category} reports in the last {window.Name} in cell {cell} (about {_hotspotCounts.Grid.CellMeters:0} m square)");
            alert.Evidence.Add($"the cell's baseline is {verdict.Baseline:0.##} per {window.Name} (its previous {_hotspotRule.BaselinePeriod.TotalDays:0} days, floored); threshold {_hotspotRule.Factor:0.#}x");
            alert.Attributes["cell_id"] = cell;
            alert.Attributes["window"] = window.Name;
            c.Raise(alert);
        }
    }

    // ---- escalating disputes ----

    private async Task DisputesAsync(Context c)
    {
        if (!DisputeReport.Counts(c.Report.Category))
        {
            return;
        }
        var window = TimeSpan.FromDays(_disputeOptions.WindowDays);
        var report = DisputeReport.Of(c.Id, c.Report.Category, c.OccurredAt);
        await Task.WhenAll(DisputeKeys.For(c.Report).Select(async key =>
        {
            if (await _disputes.AddAndReadAsync(key.Key, report, window, _disputeOptions.Threshold) is not { } reports)
            {
                return; // raises nothing: too few reports, or judged so before
            }
            var escalating = DisputeEscalation.Evaluate(reports, report, _disputeOptions.Threshold, window);
            await _disputes.RecordDecisionAsync(key.Key, report, escalating is not null, window);
            if (escalating is null)
            {
                return;
            }
            var others = escalating.Where(r => r.IncidentId != c.Id).ToList();
            var violent = escalating.Count(r => r.Violent);
            var evidence = (violent == 0
                               ? $"{escalating.Count} dispute reports at {key.Description} within {_disputeOptions.WindowDays} days: "
                               : $"{escalating.Count - violent} dispute reports and {violent} assault{(violent > 1 ? "s" : "")} at {key.Description} within {_disputeOptions.WindowDays} days: ")
                           + string.Join(", ", escalating.Select(r => $"{r.OccurredAt:yyyy-MM-dd HH:mm}{(r.Violent ? " (assault)" : "")}"));
            await Task.WhenAll(
                _incidents.AddOwnLinksAsync(c.Id, others.Select(o => new IncidentLink { IncidentId = o.IncidentId, Kind = LinkKind.Dispute, Score = 1, Linked = true, GroupId = key.Key, Evidence = { evidence } }), c.ExpiresAt),
                Task.WhenAll(others.Select(o => _incidents.AddLinksToAsync(o.IncidentId,
                    [new IncidentLink { IncidentId = c.Id, Kind = LinkKind.Dispute, Score = 1, Linked = true, GroupId = key.Key, Evidence = { evidence } }]))));
            var alert = Alerts.Create(AlertKind.EscalationRisk, Priority.P2, c.Id, key.Key, c.Now);
            alert.IncidentIds.Add(c.Id);
            alert.IncidentIds.Add(others.Select(o => o.IncidentId));
            alert.Summary = violent == 0
                ? $"Escalating dispute: {escalating.Count} reports at {key.Description} in {_disputeOptions.WindowDays} days; mediate before it turns into a crime"
                : $"Dispute turned violent: {escalating.Count - violent} dispute reports and {violent} assault{(violent > 1 ? "s" : "")} at {key.Description} in {_disputeOptions.WindowDays} days; responders should know the history";
            alert.Evidence.Add(evidence);
            alert.Attributes["dispute_key"] = key.Key;
            c.Raise(alert);
        }));
    }

    // ---- fraud chains ----

    private async Task FraudAsync(Context c)
    {
        if (c.Report.Category != IncidentCategory.Fraud)
        {
            return;
        }
        var identifiers = FraudInfrastructure.IdentifierKeysOf(c.Report);
        if (identifiers.Count == 0)
        {
            return;
        }
        var loss = c.Report.ReportedLoss;
        var outcome = await _fraud.LinkAsync(c.Id, loss?.MinorUnits ?? 0, loss?.CurrencyCode ?? "", identifiers,
            _commonIdentifiers, c.ReceivedAt, c.Now - TimeSpan.FromDays(_fraudOptions.ChainRetentionDays));
        RaiseSplits(c, outcome);
        var union = outcome.Union;
        if (!union.Grew || await _chainReader.ReadAsync(union.Name) is not { } read)
        {
            return;
        }
        var (chain, state) = read;

        // Links to the incidents sharing an identifier with this one, both ways.
        var own = identifiers.Where(k => !state.CommonIdentifiers.ContainsKey(k)).ToHashSet(StringComparer.Ordinal);
        var sharing = state.Incidents.Where(i => i.IncidentId != c.Id)
            .Select(i => (i.IncidentId, Shared: i.IdentifierKeys.Where(own.Contains).ToList()))
            .Where(s => s.Shared.Count > 0).ToList();
        var writes = new List<Task>
        {
            _incidents.AddOwnLinksAsync(c.Id, sharing.Select(s => new IncidentLink
            {
                IncidentId = s.IncidentId, Kind = LinkKind.FraudChain, Score = 1, Linked = true, GroupId = chain.ChainId,
                Evidence = { s.Shared.Select(k => $"shares {IdentifierKeys.Describe(k)}") },
            }), c.ExpiresAt),
        };
        writes.AddRange(sharing.Select(s => _incidents.AddLinksToAsync(s.IncidentId, [new IncidentLink
        {
            IncidentId = c.Id, Kind = LinkKind.FraudChain, Score = 1, Linked = true, GroupId = chain.ChainId,
            Evidence = { s.Shared.Select(k => $"shares {IdentifierKeys.Describe(k)}") },
        }])));
        await Task.WhenAll(writes);

        if (union.Size < _fraudOptions.MinChainIncidents)
        {
            return;
        }
        var evidence = new List<string>();
        evidence.AddRange(sharing.Select(s => $"shares {string.Join(", ", s.Shared.Select(IdentifierKeys.Describe))} with {s.IncidentId}"));
        var mergedChains = union.Before.Where(b => b.Size > 1).ToList();
        if (mergedChains.Count > 1)
        {
            evidence.Add($"joins {mergedChains.Count} known chains ({string.Join(", ", mergedChains.Select(m => $"{m.Name}: {m.Size} incidents"))})");
        }
        evidence.AddRange(chain.ChokePoints.Take(3).Select(p =>
            $"choke point {IdentifierKeys.TypeName(p.Identifier.Type)} {p.Identifier.Value}: in {p.Degree} reports, removing it cuts off {p.IncidentsDisconnected} incidents ({FraudChainReader.Format(p.LossDisconnected)})"));
        // This report's identifiers that link nothing, and why (a chain they had welded may just have been split).
        var common = identifiers.Where(state.CommonIdentifiers.ContainsKey).ToDictionary(k => k, k => state.CommonIdentifiers[k], StringComparer.Ordinal);
        foreach (var (key, reason) in outcome.NewlyCommon)
        {
            common[key] = reason;
        }
        evidence.AddRange(common.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => _commonIdentifiers.Explain(p.Key, p.Value)));

        void AddChain(Alert alert)
        {
            alert.IncidentIds.Add(c.Id);
            alert.IncidentIds.Add(chain.IncidentIds.Where(id => id != c.Id));
            alert.Evidence.Add(evidence);
            alert.Attributes["chain_id"] = chain.ChainId;
            alert.Attributes["chain_size"] = chain.IncidentIds.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            alert.Attributes["total_loss"] = FraudChainReader.Format(chain.TotalLoss);
            if (chain.ChokePoints.FirstOrDefault() is { } top)
            {
                alert.Attributes["choke_point"] = $"{IdentifierKeys.TypeName(top.Identifier.Type)} {top.Identifier.Value}";
            }
        }

        var known = union.LargestBefore >= _fraudOptions.MinChainIncidents;
        var chainAlert = Alerts.Create(known ? AlertKind.FraudChainGrown : AlertKind.FraudChainDetected, known ? Priority.P3 : Priority.P2, c.Id, chain.ChainId, c.Now);
        chainAlert.Summary = known
            ? $"Fraud chain grew to {chain.IncidentIds.Count} incidents, total loss {FraudChainReader.Format(chain.TotalLoss)}"
            : $"Fraud chain: {chain.IncidentIds.Count} reports share infrastructure, total loss {FraudChainReader.Format(chain.TotalLoss)}";
        AddChain(chainAlert);
        c.Raise(chainAlert);

        if (known && c.ReceivedAt - c.OccurredAt <= TimeSpan.FromHours(_fraudOptions.InterceptWindowHours))
        {
            var intercept = Alerts.Create(AlertKind.Intercept, Priority.P1, c.Id, chain.ChainId, c.Now);
            intercept.Summary = $"New report touches known fraud chain {chain.ChainId} ({chain.IncidentIds.Count} incidents): stop the payment and warn the next victim";
            AddChain(intercept);
            c.Raise(intercept);
        }
    }

    /// <summary>
    /// A chain an operator was told about came apart (this report made an identifier that held it together common):
    /// one FRAUD_CHAIN_SPLIT per chain, naming its parts and why, so the earlier alerts about it can be read again.
    /// </summary>
    private void RaiseSplits(Context c, FraudLinkOutcome outcome)
    {
        foreach (var split in outcome.Splits.GroupBy(s => s.Chain, StringComparer.Ordinal))
        {
            var parts = split.OrderByDescending(p => p.Size).ThenBy(p => p.Part, StringComparer.Ordinal).ToList();
            var alert = Alerts.Create(AlertKind.FraudChainSplit, Priority.P3, c.Id, split.Key, c.Now);
            alert.IncidentIds.Add(c.Id);
            alert.Summary = $"Fraud chain {split.Key} came apart into {parts.Count} parts ({string.Join(", ", parts.Select(p => p.Size))} incidents): "
                            + "an identifier that held it together is common";
            alert.Evidence.Add(outcome.NewlyCommon.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => _commonIdentifiers.Explain(p.Key, p.Value)));
            alert.Evidence.Add(parts.Select(p => p.Size == 1 ? $"{p.Part} now links to no chain" : $"{p.Size} incidents now in chain {p.Part}"));
            alert.Attributes["chain_id"] = split.Key;
            alert.Attributes["parts"] = string.Join(", ", parts.Where(p => p.Size > 1).Select(p => $"{p.Part} ({p.Size})"));
            c.Raise(alert);
        }
    }

    // ---- watchlist ----

    private async Task WatchlistAsync(Context c)
    {
        var keys = WatchlistKeys.ForIncident(c.Report);
        if (keys.Count == 0)
        {
            return;
        }
        var hits = (await _watchlist.MatchAsync(keys)).Where(h => WatchlistKeys.IsActive(h.Entry, c.Now))
            .Select(h => WatchlistMatching.Judge(h.Entry, h.MatchedKeys, c.Report, c.OccurredAt)).OfType<WatchlistMatch>().ToList();
        if (hits.Count == 0)
        {
            return;
        }
        await _incidents.AddOwnLinksAsync(c.Id, hits.Select(h => new IncidentLink
        {
            Kind = LinkKind.Watchlist, Score = 1, Linked = true, GroupId = h.Entry.EntryId, Evidence = { h.Evidence },
        }), c.ExpiresAt);
        foreach (var (entry, evidence) in hits)
        {
            var alert = Alerts.Create(AlertKind.WatchlistHit, entry.Priority == Priority.Unspecified ? Priority.P1 : entry.Priority, c.Id, entry.EntryId, c.Now);
            alert.IncidentIds.Add(c.Id);
            var who = entry.Name.Length > 0 ? $"'{entry.Name}'" : $"entry {entry.EntryId}";
            alert.Summary = $"Watchlist hit: {who} ({entry.Reason}) seen in a {CategoryNames.Of(c.Report.Category)} report{(c.Report.Address.Length > 0 ? $" at {c.Report.Address}" : "")}";
            alert.Evidence.Add(evidence);
            if (c.Report.Source.Length > 0)
            {
                alert.Evidence.Add($"reported by {c.Report.Source} at {c.OccurredAt:yyyy-MM-dd HH:mm:ss}Z");
            }
            alert.Attributes["watchlist_entry_id"] = entry.EntryId;
            c.Raise(alert);
        }
    }
}
