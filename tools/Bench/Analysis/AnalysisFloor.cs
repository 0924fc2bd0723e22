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
    private const string OneScript = "consume + parse + store offset + the same 2 writes in one Lua script";

    public static int Run(IncidentBacklog backlog, EmbeddedBackends backends)
    {
        var produced = backlog.Produce(backends.Kafka.BootstrapServers);
        Console.WriteLine($"published {backlog.Incidents.Count:N0} incidents in {produced.TotalSeconds:F1} s");
        using var redis = ConnectionMultiplexer.Connect(backends.Redis.ConnectionString);
        Pass("consume + parse + store offset", backlog.Incidents.Count, backends.Kafka.BootstrapServers, null);
        Pass("consume + parse + store offset + 2 Redis writes (pipelined)", backlog.Incidents.Count, backends.Kafka.BootstrapServers, redis.GetDatabase());
        Pass(OneScript, backlog.Incidents.Count, backends.Kafka.BootstrapServers, redis.GetDatabase());
        return 0;
    }

    private static void Pass(string name, int expected, string bootstrapServers, IDatabase? redis)
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
        var expiry = TimeSpan.FromDays(30);
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
            if (redis is not null && name == OneScript)
            {
                var id = incident.IncidentId;
                pending.Add(redis.ScriptEvaluateAsync("redis.call('SET', KEYS[1], ARGV[1], 'EX', 2592000) return redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])",
                    [$"incident:{{{id}}}x", $"cell:{{{id}}}"], [incident.ToByteArray(), incident.Report.OccurredAt?.Seconds ?? 0, id]));
                if (pending.Count >= 1000)
                {
                    Task.WaitAll(pending);
                    pending.Clear();
                }
            }
            else if (redis is not null)
            {
                var id = incident.IncidentId;
                pending.Add(redis.StringSetAsync($"incident:{{{id}}}", incident.ToByteArray(), expiry));
                var cell = $"cell:{{{(int)(incident.Report.Location?.Latitude * 100 ?? 0)}:{(int)(incident.Report.Location?.Longitude * 100 ?? 0)}}}";
                pending.Add(redis.SortedSetAddAsync(cell, id, incident.Report.OccurredAt?.Seconds ?? 0));
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
