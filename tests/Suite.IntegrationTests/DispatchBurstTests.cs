using System.Collections.Concurrent;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Messaging;
using Xunit.Abstractions;
using static Suite.IntegrationTests.DispatchReplicas;

namespace Suite.IntegrationTests;

/// <summary>
/// Two replicas consume a burst of 1,000 incidents in parallel while 50 units, whose terminals
/// acknowledge and resolve every assignment at once, are claimed, freed and claimed again.
/// No unit may ever be on two incidents at once.
/// </summary>
[Collection(DispatchReplicasCollection.Name)]
public sealed class DispatchBurstTests(DispatchReplicas dispatch, ITestOutputHelper output)
{
    private const int Incidents = 1_000;
    private const int Units = 50;
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_burst_of_1000_incidents_on_two_replicas_never_books_a_unit_twice()
    {
        var site = Area(30);
        var random = new Random(30);
        var terminals = new List<FieldTerminal>();
        for (var i = 0; i < Units; i++)
        {
            var kind = i % 5 == 0 ? UnitKind.FootPatrol : UnitKind.PatrolCar;
            terminals.Add(await FieldTerminal.ConnectAsync(dispatch.AsUnit(i % 2 == 0 ? dispatch.A : dispatch.B, $"burst-{i:00}"), $"burst-{i:00}", kind,
                Near(site, random.NextDouble() * 4_000 - 2_000, random.NextDouble() * 4_000 - 2_000)));
        }
        await dispatch.IndexedAsync(site, [.. terminals]);

        using var stop = new CancellationTokenSource();
        var handled = new ConcurrentBag<string>();
        var working = terminals.Select(t => WorkAsync(t, handled, stop.Token)).ToList();

        // On a 200 m grid: far enough apart that none is taken for a second report of another.
        var incidents = Enumerable.Range(0, Incidents)
            .Select(i => NewIncident(IncidentCategory.Burglary, Priority.P2, Near(site, (i / 32 - 16) * 200.0, (i % 32 - 16) * 200.0)))
            .ToList();
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(incidents.Select(dispatch.ReportAsync));

        // Every incident is decided: both of its tiers have a decision on the timeline (a tier whose unit did not
        // acknowledge in time has a second one, for the replacement).
        // Patience is measured from the last progress: a slow machine takes longer, a stuck dispatcher fails.
        var records = new ConcurrentDictionary<string, IncidentRecord>();
        var lastProgress = (Count: 0, At: DateTime.UtcNow);
        while (records.Count < Incidents && DateTime.UtcNow - lastProgress.At < StallLimit)
        {
            if (records.Count > lastProgress.Count)
            {
                lastProgress = (records.Count, DateTime.UtcNow);
            }
            await Parallel.ForEachAsync(incidents.Where(i => !records.ContainsKey(i.IncidentId)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (incident, _) =>
            {
                try
                {
                    var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incident.IncidentId });
                    if (record.Timeline.Where(t => t.Kind == TimelineEntryKind.Decision && t.Tier > 0).Select(t => t.Tier).Distinct().Count() == 2)
                    {
                        records[incident.IncidentId] = record;
                    }
                }
                catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
                {
                }
            });
            await Task.Delay(500);
        }
        output.WriteLine($"{records.Count} decided after {started.Elapsed.TotalSeconds:F1} s");
        foreach (var undecided in incidents.Where(i => !records.ContainsKey(i.IncidentId)).Take(5))
        {
            var record = await dispatch.A.GetIncidentAsync(new GetIncidentRequest { IncidentId = undecided.IncidentId });
            output.WriteLine($"undecided {undecided.IncidentId}: {string.Join(" | ", record.Timeline.Select(t => $"{t.Kind} tier {t.Tier}: {t.Summary}"))}");
        }
        Assert.Equal(Incidents, records.Count);
        await Task.Delay(1_000); // let the last resolutions land
        await stop.CancelAsync();
        await Task.WhenAll(working);

        // The assignment history of every unit, from the stored assignments of every incident.
        var final = await Task.WhenAll(incidents.Select(i => dispatch.B.GetIncidentAsync(new GetIncidentRequest { IncidentId = i.IncidentId }).ResponseAsync));
        var assignments = final.SelectMany(r => r.Assignments).ToList();
        foreach (var history in assignments.GroupBy(a => a.UnitId))
        {
            var ordered = history.OrderBy(a => a.AssignedAt.ToDateTimeOffset()).ToList();
            foreach (var (before, after) in ordered.Zip(ordered.Skip(1)))
            {
                Assert.True(before.EndedAt is not null && before.EndedAt.ToDateTimeOffset() <= after.AssignedAt.ToDateTimeOffset(),
                    $"{history.Key} was given {after.AssignmentId} ({after.IncidentId}) at {after.AssignedAt} while still on {before.AssignmentId} ({before.IncidentId}, {before.Status}, ended {before.EndedAt})");
            }
        }
        Assert.All(final, r => Assert.Equal(r.Assignments.Select(a => a.SlotId).Distinct().Count(), r.Assignments.Count(a => a.ReplacesAssignmentId.Length == 0)));

        // Both replicas really took part.
        var published = dispatch.Kafka.ReadFromStart(Topics.Assignments, read => read.Count(r => KafkaHeaders.Get(r.Message.Headers, KafkaHeaders.Schema) == UnitAssigned.Descriptor.FullName) >= assignments.Count, TimeSpan.FromSeconds(60));
        var byReplica = published
            .Where(r => KafkaHeaders.Get(r.Message.Headers, KafkaHeaders.Schema) == UnitAssigned.Descriptor.FullName)
            .Select(r => UnitAssigned.Parser.ParseFrom(r.Message.Value))
            .Where(e => e.Assignment.UnitId.StartsWith("burst-", StringComparison.Ordinal))
            .GroupBy(e => e.Metadata.Producer).ToDictionary(g => g.Key, g => g.Select(e => e.Assignment.AssignmentId).Distinct().Count());
        output.WriteLine($"{Incidents} incidents, {assignments.Count} assignments of {assignments.Select(a => a.UnitId).Distinct().Count()} units " +
            $"({assignments.Count(a => a.Status == AssignmentStatus.Resolved)} resolved, {assignments.Count(a => a.Status == AssignmentStatus.Withdrawn)} withdrawn), " +
            $"{final.Sum(r => r.Timeline.Count(t => t.Kind == TimelineEntryKind.Shortfall))} shortfalls; by replica: {string.Join(", ", byReplica.Select(p => $"{p.Key} {p.Value}"))}; terminals handled {handled.Count} pushes");
        // The producer name is the client id plus the process id.
        Assert.True(byReplica.Any(p => p.Key.StartsWith("dispatch-a", StringComparison.Ordinal) && p.Value > 0)
            && byReplica.Any(p => p.Key.StartsWith("dispatch-b", StringComparison.Ordinal) && p.Value > 0), "both replicas dispatched");
        Assert.True(assignments.Count > Units * 2, "units were freed and claimed again");

        foreach (var terminal in terminals)
        {
            await terminal.DisposeAsync();
        }
    }

    /// <summary>A terminal that acknowledges and resolves whatever it is given, straight away.</summary>
    private static async Task WorkAsync(FieldTerminal terminal, ConcurrentBag<string> handled, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            DispatchMessage message;
            try
            {
                message = await terminal.NextAsync(TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException)
            {
                continue;
            }
            if (message.Assignment is { Redelivery: false } push)
            {
                handled.Add(push.Assignment.AssignmentId);
                await terminal.AcknowledgeAsync(push.Assignment.AssignmentId);
                await terminal.ProgressAsync(push.Assignment.AssignmentId, AssignmentStatus.Resolved);
            }
        }
    }
}
