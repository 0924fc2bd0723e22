using Analysis.Domain;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Analysis.Messaging;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>
/// GetIncidentLinks(include_candidates): an incident's series candidates that are not its links, the
/// <see cref="AnalysisOptions.NearMisses"/> highest-scoring, worked out when asked from the spatial index every replica
/// holds: the same search and scoring as the analyser's, over every incident published before the request on the
/// partitions other replicas analyse and every incident analysed here (later incidents near it included; it waits for
/// the index feed's barrier, as the analyser does). Nothing of them is stored:
/// the analyser scores exactly only the candidates that could link, and hundreds of unlikely ones per incident would be
/// most of the state and write work for an answer few ask for.
/// </summary>
public sealed class SeriesNearMisses(
    IncidentIndexing indexing, NearbySearch nearby, CandidateScoring scoring, SpatialIndex spatial, IncidentIndexFeed feed, TimeProvider clock,
    IOptions<AnalysisOptions> options)
{
    private readonly int _count = options.Value.NearMisses;

    /// <param name="links">The incident's stored links: a candidate already linked is left out.</param>
    public async Task<IReadOnlyList<IncidentLink>> FindAsync(Incident incident, IReadOnlyCollection<IncidentLink> links, CancellationToken cancellationToken)
    {
        if (_count == 0 || indexing.EntryOf(incident, clock.GetUtcNow()) is not { Features: { } features } entry)
        {
            return [];
        }
        await feed.CaughtUpAsync(cancellationToken);
        var candidates = nearby.Find(incident.IncidentId, incident.Report.Category, incident.Report.Location, entry, new EveryEntry()).SeriesCandidates;
        var linked = links.Where(l => l.Kind == LinkKind.Series && l.Linked).Select(l => l.IncidentId).ToHashSet(StringComparer.Ordinal);
        var scored = await scoring.ScoreAsync(features, entry.Sketch, candidates, _count, ids => Task.FromResult(spatial.Features(ids)));
        return [.. scored
            .Where(s => !linked.Contains(s.Features.IncidentId))
            .OrderByDescending(s => s.Score.Score)
            .ThenBy(s => s.Index)
            .Take(_count)
            .Select(NearMiss)];
    }

    private static IncidentLink NearMiss(ScoredCandidate candidate)
    {
        var link = new IncidentLink
        {
            IncidentId = candidate.Features.IncidentId,
            Kind = LinkKind.Series,
            Score = Math.Round(candidate.Score.Score, 4),
            Evidence = { candidate.Score.Evidence },
            Linked = false,
        };
        if (candidate.Score.Linked)
        {
            // Above the threshold yet not linked: when each was analysed, the other was not among its nearest candidates.
            link.Evidence.Add("not linked: neither incident had the other among its nearest candidates when it was analysed");
        }
        return link;
    }
}
