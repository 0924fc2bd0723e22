using System.Diagnostics;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;
using ServiceProcesses;
using StackExchange.Redis;

namespace Bench.Analysis;

/// <summary>
/// `analysis --floor`: what the embedded broker and Garnet cost per incident for the least work any Analysis must do,
/// measured in one process (no Analysis): publish the backlog, then (1) consume and parse every IncidentReported and
/// store its offset; (2) the same plus the two Redis writes every incident needs (the incident stored with its expiry,
/// added to a spatial cell's time-ordered set), pipelined; (3) those two writes as one Lua script. The CPU per incident
/// of each pass bounds what 2 cores can carry before any analysis runs, and (2) against (3) prices a round trip.
/// </summary>
internal static class AnalysisFloor
{
    /// <summary>What a pass writes to Redis per incident: nothing, two commands pipelined, or the same two in one script.</summary>
    private enum Writes
    {
        None,
        Pipelined,
        OneScript,
    }

    // The incident under its cell's hash tag, so the script's two keys share one slot, as every script here must.
    private const string StoreAndIndexScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
        return redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        """;

    private static readonly TimeSpan Expiry = TimeSpan.FromDays(30);

    public static int Run(IncidentBacklog backlog, EmbeddedBackends backends)
    {
        var produced = IncidentBacklog.Produce(backends.Kafka.BootstrapServers, backlog.Records());
        Console.WriteLine($"published {backlog.Count:N0} incidents in {produced.TotalSeconds:F1} s");
        using var redis = ConnectionMultiplexer.Connect(backends.Redis.ConnectionString);
        Pass("consume + parse + store offset", Writes.None, backlog.Count, backends.Kafka.BootstrapServers, redis.GetDatabase());
        Pass("consume + parse + store offset + 2 Redis writes (pipelined)", Writes.Pipelined, backlog.Count, backends.Kafka.BootstrapServers, redis.GetDatabase());
        Pass("consume + parse + store offset + the same 2 writes in one Lua script", Writes.OneScript, backlog.Count, backends.Kafka.BootstrapServers, redis.GetDatabase());
        return 0;
    }

    private static void Pass(string name, Writes writes, int expected, string bootstrapServers, IDatabase redis)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"floor-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false,
            FetchMaxBytes = 16 * 1024 * 1024,
            MaxPartitionFetchBytes = 4 * 1024 * 1024,
        }).Build();
        consumer.Subscribe(Topics.Incidents);
        var pending = new List<Task>(1024);
        var read = 0;
        var cpuStart = 0.0;
        var clock = new Stopwatch();
        while (read < expected)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is not { Message.Value: { } value } result)
            {
                continue;
            }
            if (read == 0)
            {
                cpuStart = ProcStat.ProcessCpuSeconds(Environment.ProcessId);
                clock.Start();
            }
            var incident = IncidentReported.Parser.ParseFrom(value).Incident;
            if (writes != Writes.None)
            {
                var location = incident.Report.Location;
                var cell = $"floor:{{{(int)(location?.Latitude * 100 ?? 0)}:{(int)(location?.Longitude * 100 ?? 0)}}}";
                var (incidentKey, occurred) = ($"{cell}:incident:{incident.IncidentId}", incident.Report.OccurredAt?.Seconds ?? 0);
                if (writes == Writes.Pipelined)
                {
                    pending.Add(redis.StringSetAsync(incidentKey, incident.ToByteArray(), Expiry));
                    pending.Add(redis.SortedSetAddAsync(cell, incident.IncidentId, occurred));
                }
                else
                {
                    pending.Add(redis.ScriptEvaluateAsync(StoreAndIndexScript, [incidentKey, cell],
                        [incident.ToByteArray(), (long)Expiry.TotalSeconds, occurred, incident.IncidentId]));
                }
                if (pending.Count >= 1000)
                {
                    Task.WaitAll(pending);
                    pending.Clear();
                }
            }
            consumer.StoreOffset(result);
            read++;
        }
        Task.WaitAll(pending);
        var cpu = ProcStat.ProcessCpuSeconds(Environment.ProcessId) - cpuStart;
        Console.WriteLine($"{name}: {read:N0} in {clock.Elapsed.TotalSeconds:F2} s = {read / clock.Elapsed.TotalSeconds:N0}/s; CPU {cpu:F2} s = {cpu * 1e6 / read:F0} us/incident ({cpu / clock.Elapsed.TotalSeconds:F2} cores)");
        consumer.Close();
    }
}
