using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Infrastructure;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;
using Contracts.Common.V1;
using Embedded;
using StackExchange.Redis;

namespace AnalysisEval.Evaluation;

/// <summary>Chain purity and completeness of one arrival order.</summary>
/// <param name="Joins">Reports that joined a known chain on arrival (what raises INTERCEPT in the service).</param>
/// <param name="JoinPrecision">Share of those whose planted chain is that of most of the chain they joined, at that moment.</param>
/// <param name="AfterListing">The time-order run after identifiers were listed as public: not one of the orders.</param>
public sealed record ChainOrderResult(string Order, double Purity, double Completeness, int Chains, int Joins = 0, double JoinPrecision = 1, bool AfterListing = false);

/// <summary>
/// How much the fraud chains depend on arrival order: the scenario's fraud reports go through the service's own fraud
/// graph script (<see cref="FraudGraph"/> on an in-process Garnet, nothing else of the service) in time order and in
/// orders a consumer of several partitions can see. Chains are meant to be a function of the reports, not of their order.
/// </summary>
public static class ChainOrders
{
    /// <summary>Partitions of incidents.v1 in the evaluation and in compose.</summary>
    private const int Partitions = 6;

    /// <param name="listAfter">Identifier keys an administrator lists as public (SetIdentifierPublic) after the time-order run: one more row.</param>
    public static async Task<IReadOnlyList<ChainOrderResult>> RunAsync(LabelledScenario scenario, FraudOptions options, int orders, IReadOnlyList<string> listAfter, CancellationToken ct)
    {
        var reports = scenario.Incidents
            .Where(i => i.Incident.Report.Category == IncidentCategory.Fraud)
            .Select(i => (i.Id, i.Incident, Keys: FraudInfrastructure.IdentifierKeysOf(i.Incident.Report)))
            .Where(r => r.Keys.Count > 0)
            .OrderBy(r => r.Incident.ReceivedAt.ToDateTimeOffset()).ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var truth = scenario.Incidents.Where(i => i.Truth.ChainId is not null).ToDictionary(i => i.Id, i => i.Truth.ChainId!);
        var fraudIds = scenario.Incidents.Where(i => i.Incident.Report.Category == IncidentCategory.Fraud).Select(i => i.Id).ToList();
        var rule = new CommonIdentifierRule(options);
        var pruneBefore = DateTimeOffset.UtcNow - TimeSpan.FromDays(options.ChainRetentionDays);

        using var redis = EmbeddedRedis.Start();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var random = new Random(scenario.Seed);
        var results = new List<ChainOrderResult>();
        for (var run = 0; run <= orders; run++)
        {
            ct.ThrowIfCancellationRequested();
            var order = run == 0 ? reports : Interleave(reports, random);
            var graph = new FraudGraph(connection, new RedisKeys($"orders{run}"));
            int joins = 0, rightJoins = 0;
            foreach (var (id, incident, keys) in order)
            {
                var loss = incident.Report.ReportedLoss;
                var outcome = await graph.LinkAsync(id, loss?.MinorUnits ?? 0, loss?.CurrencyCode ?? "", keys, rule, incident.ReceivedAt.ToDateTimeOffset(), pruneBefore);
                if (outcome.Union.Grew && outcome.Union.LargestBefore >= options.MinChainIncidents && await graph.ReadChainAsync(outcome.Union.Name) is { } joined)
                {
                    joins++;
                    rightJoins += InterceptScores.JoinsItsOwnChain(id, joined.Incidents.Select(i => i.IncidentId).Where(m => m != id), truth) ? 1 : 0;
                }
            }

            results.Add(await ResultAsync(graph, run == 0 ? "time order" : $"partitions, order {run}") with { Joins = joins, JoinPrecision = joins == 0 ? 1 : (double)rightJoins / joins });
            if (run == 0 && listAfter.Count > 0)
            {
                foreach (var key in listAfter)
                {
                    await graph.SetListedAsync(key, listed: true, rule, DateTimeOffset.UtcNow);
                }

                results.Add(await ResultAsync(graph, $"time order, then listed: {string.Join(", ", listAfter)}") with { AfterListing = true });
            }
        }

        return results;

        async Task<ChainOrderResult> ResultAsync(FraudGraph graph, string name)
        {
            var chainOf = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var id in fraudIds)
            {
                if (await graph.ChainOfIncidentAsync(id) is { } chain)
                {
                    chainOf[id] = chain;
                }
            }

            return new ChainOrderResult(name, ClusterMetrics.Purity(chainOf, truth), ClusterMetrics.Completeness(chainOf, truth),
                chainOf.Values.CountBy(c => c).Count(c => c.Value >= 2));
        }
    }

    /// <summary>
    /// What one consumer of all partitions can see: each report in one partition (the producer keys records by incident
    /// id, so the partition is as good as random), each partition in its own time order, the partitions read in bursts of
    /// random length, so one partition can run days ahead of another.
    /// </summary>
    private static List<T> Interleave<T>(IReadOnlyList<T> timeOrdered, Random random) where T : notnull
    {
        var queues = Enumerable.Range(0, Partitions).Select(_ => new Queue<T>()).ToArray();
        for (var i = 0; i < timeOrdered.Count; i++)
        {
            queues[random.Next(Partitions)].Enqueue(timeOrdered[i]);
        }

        var result = new List<T>(timeOrdered.Count);
        while (result.Count < timeOrdered.Count)
        {
            var queue = queues[random.Next(Partitions)];
            for (var burst = random.Next(1, 1 + Math.Max(1, timeOrdered.Count / 4)); burst > 0 && queue.Count > 0; burst--)
            {
                result.Add(queue.Dequeue());
            }
        }

        return result;
    }
}
