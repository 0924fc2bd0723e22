using System.Collections.Concurrent;
using System.Diagnostics;
using Analysis.Domain.Series;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;
using Confluent.Kafka;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Embedded;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;
using Grpc.Net.Client;
using Messaging;
using ServiceProcesses;

namespace AnalysisEval.Evaluation;

/// <summary>
/// The scenario through the real Analysis service: embedded Kafka and Garnet in this process, Analysis.dll as a child
/// process configured by environment, the watchlist loaded over gRPC, every incident published as
/// events.v1.IncidentReported on incidents.v1 (in order of reception), then, once every incident is known to the
/// service, its answers read back over gRPC.
/// </summary>
public static class ServiceRun
{
    private const int Partitions = 3;
    private const int ParallelCalls = 8;

    public static async Task<Observations> ObserveAsync(
        LabelledScenario scenario, IReadOnlyDictionary<string, string> serviceSettings, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var kafka = EmbeddedKafka.Start();
        kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            kafka.CreateTopic(topic.Name, Partitions);
        }

        using var redis = EmbeddedRedis.Start();
        // Analysis validates bearer tokens: a signing key for this run only; the evaluation calls as the command centre.
        using var signingKey = ServiceDefaults.Security.DevSigningKey.Create();
        var centre = ServiceDefaults.Security.ClientTokens.Centre(new ServiceDefaults.Security.TokenIssuer(signingKey.Credentials), TimeSpan.FromHours(12));
        var environment = new Dictionary<string, string>(ServiceDefaults.Security.ClientTokens.AsEnvironment(signingKey.HostSettings()))
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka__Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Redis__Configuration"] = redis.ConnectionString,
            ["Analysis__Series__TimeZoneId"] = City.TimeZoneId,
            // Every scored candidate (up to MaxCandidates) kept, so the pairwise AUC sees each pair's score, not 0 for the ones not stored.
            ["Analysis__NearMisses"] = "300",
            // The generated month starts at a city midnight about 30 days ago and decoys reach a few days before it: none may
            // fall out of the 30-day retention and count as unlinked.
            ["Analysis__IncidentRetentionDays"] = "45",
        };
        foreach (var (key, value) in serviceSettings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var service = ServiceProcess.Start(RepoLayout.Locate("tools/AnalysisEval").ServiceDll("Analysis"), environment, new ServiceProcessOptions { DefaultLogLevel = "Warning" });
        try
        {
            await service.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            using var channel = GrpcChannel.ForAddress(service.Address);
            var client = new AnalysisService.AnalysisServiceClient(ServiceDefaults.Security.ClientTokens.WithBearer(channel, centre));
            foreach (var entry in scenario.Watchlist)
            {
                await WithRetryAsync(() => client.UpsertWatchlistEntryAsync(new UpsertWatchlistEntryRequest { Entry = entry }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
            }

            var stopwatch = Stopwatch.StartNew();
            Publish(kafka.BootstrapServers, scenario);
            Console.WriteLine($"published {scenario.Incidents.Count:N0} incidents in {stopwatch.Elapsed.TotalSeconds:F1} s; waiting for the service to process them");
            await WaitProcessedAsync(client, scenario, timeout, cancellationToken);
            var processing = stopwatch.Elapsed;
            Console.WriteLine($"all processed after {processing.TotalSeconds:F1} s; reading links, series and chains");
            var observed = await CollectAsync(client, scenario, processing, cancellationToken);
            return observed with { Alerts = ReadAlerts(kafka.BootstrapServers) };
        }
        finally
        {
            await service.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Every alert on alerts.v1 so far (read after the answers were collected: alerts follow the stored state by milliseconds).</summary>
    private static List<Alert> ReadAlerts(string bootstrapServers)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"analysis-eval-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topics.Alerts, p, Offset.Beginning)));
        var alerts = new List<Alert>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ended.Count < Partitions && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is not { } result)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
                continue;
            }
            alerts.Add(AlertRaised.Parser.ParseFrom(result.Message.Value).Alert);
        }

        return [.. alerts.DistinctBy(a => a.AlertId)];
    }

    private static void Publish(string bootstrapServers, LabelledScenario scenario)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        }).Build();
        var failures = 0;
        foreach (var labelled in scenario.Incidents)
        {
            var incident = labelled.Incident;
            var reported = new IncidentReported
            {
                Metadata = new EventMetadata
                {
                    EventId = Guid.CreateVersion7().ToString(),
                    OccurredAt = incident.Report.OccurredAt,
                    PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow),
                    SchemaVersion = 1,
                    Producer = "analysis-eval",
                },
                Incident = incident,
            };
            // Not awaited one by one: the embedded broker serves about one batch per fetch.
            producer.Produce(Topics.Incidents, new Message<string, byte[]>
            {
                Key = incident.IncidentId,
                Value = reported.ToByteArray(),
                Headers = KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName),
            }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failures);
                }
            });
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} incidents could not be published");
        }
    }

    /// <summary>
    /// Until GetIncidentLinks knows every incident (NOT_FOUND = not processed yet), or nothing new became known for a
    /// minute: those left are reported (an incident outside the retention is never stored) and count as unlinked.
    /// </summary>
    private static async Task WaitProcessedAsync(AnalysisService.AnalysisServiceClient client, LabelledScenario scenario, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = scenario.Incidents.Select(i => i.Id).ToList();
        var stopwatch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        var lastProgress = TimeSpan.Zero;
        while (pending.Count > 0)
        {
            var before = pending.Count;
            var stillPending = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = ParallelCalls, CancellationToken = cancellationToken }, async (id, ct) =>
            {
                try
                {
                    if (await LinksAsync(client, id, ct) is null)
                    {
                        stillPending.Add(id);
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    // The service answers UNAVAILABLE while its Redis connection recovers: ask again next round.
                    stillPending.Add(id);
                }
            });
            pending = [.. stillPending];
            if (pending.Count < before)
            {
                lastProgress = stopwatch.Elapsed;
            }
            else if (stopwatch.Elapsed - lastProgress > TimeSpan.FromMinutes(1))
            {
                Console.WriteLine($"  WARNING: {pending.Count} incidents still unknown to the service after a minute without progress; they count as unlinked (first: {string.Join(", ", pending.Take(3))})");
                return;
            }
            if (stopwatch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = stopwatch.Elapsed;
                Console.WriteLine($"  {scenario.Incidents.Count - pending.Count:N0}/{scenario.Incidents.Count:N0} processed after {stopwatch.Elapsed.TotalSeconds:F0} s");
            }

            if (pending.Count > 0)
            {
                if (stopwatch.Elapsed > timeout)
                {
                    throw new TimeoutException($"{pending.Count} incidents still unknown to the service after {timeout.TotalSeconds:F0} s");
                }

                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static async Task<Observations> CollectAsync(AnalysisService.AnalysisServiceClient client, LabelledScenario scenario, TimeSpan processing, CancellationToken cancellationToken)
    {
        var scores = new ConcurrentDictionary<IncidentPair, double>();
        var seriesOf = new ConcurrentDictionary<string, string>();
        var chainOf = new ConcurrentDictionary<string, string>();
        var disputeLinks = new ConcurrentBag<IncidentPair>();
        var watchOf = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(scenario.Incidents, new ParallelOptions { MaxDegreeOfParallelism = ParallelCalls, CancellationToken = cancellationToken }, async (labelled, ct) =>
        {
            var id = labelled.Id;
            var category = labelled.Incident.Report.Category;
            // An incident the service never knew (reported while waiting) has no links.
            var links = await LinksWithRetryAsync(client, id, ct) ?? new GetIncidentLinksResponse();
            foreach (var link in links.Links)
            {
                switch (link.Kind)
                {
                    case LinkKind.Series when link.IncidentId.Length > 0:
                        scores.AddOrUpdate(new IncidentPair(id, link.IncidentId), link.Score, (_, existing) => Math.Max(existing, link.Score));
                        break;
                    case LinkKind.Dispute when link.Linked && link.IncidentId.Length > 0:
                        disputeLinks.Add(new IncidentPair(id, link.IncidentId));
                        break;
                    case LinkKind.Watchlist when link.Linked && link.GroupId.Length > 0:
                        watchOf[id] = link.GroupId;
                        break;
                }
            }

            if (SeriesFeatures.IsSeriesCategory(category) && await WithRetryAsync(() => OrNullAsync(client.GetSeriesAsync(new GetSeriesRequest { IncidentId = id }, deadline: Deadline(), cancellationToken: ct)), ct) is { } series)
            {
                seriesOf[id] = series.SeriesId;
            }

            if (category == IncidentCategory.Fraud && await WithRetryAsync(() => OrNullAsync(client.GetFraudChainAsync(new GetFraudChainRequest { IncidentId = id }, deadline: Deadline(), cancellationToken: ct)), ct) is { } chain)
            {
                chainOf[id] = chain.ChainId;
            }
        });
        // A dispute group is linked under each of its keys (the address and the pair of parties): an incident's group is
        // what its dispute links connect, not the key of whichever link came first.
        return new Observations(scores, seriesOf, chainOf, LinkedGroups.Of(disputeLinks.Select(l => (l.First, l.Second))), watchOf, processing, []);
    }

    private static Task<GetIncidentLinksResponse?> LinksWithRetryAsync(AnalysisService.AnalysisServiceClient client, string id, CancellationToken cancellationToken)
        => WithRetryAsync(() => LinksAsync(client, id, cancellationToken), cancellationToken);

    /// <summary>
    /// A read that is not answered in this time is tried again: one evaluation once sat idle for good waiting for an
    /// answer (both processes idle, not reproduced), which a deadline turns into a retry.
    /// </summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    /// <summary>UNAVAILABLE (the service's Redis connection recovering) and an expired deadline are transient: a few tries a second apart.</summary>
    private static async Task<T> WithRetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < 10)
            {
                await Task.Delay(1000, cancellationToken);
            }
        }
    }

    private static Task<GetIncidentLinksResponse?> LinksAsync(AnalysisService.AnalysisServiceClient client, string id, CancellationToken cancellationToken)
        => OrNullAsync(client.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = id, IncludeCandidates = true }, deadline: Deadline(), cancellationToken: cancellationToken));

    private static async Task<T?> OrNullAsync<T>(AsyncUnaryCall<T> call) where T : class
    {
        try
        {
            return await call;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }
}
