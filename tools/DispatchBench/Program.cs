using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Embedded;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Messaging;
using ServiceProcesses;

// Usage: DispatchBench [units=50000] [queries=10000] [positionsPerSecond=5000] [positionSeconds=30]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var units = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var queries = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var positionRate = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5_000;
var positionSeconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 30;
const int Partitions = 6;
const int StreamsPerChannel = 1_000;
// A megacity of about 86 x 86 km (7,434 km²) around one centre.
var centre = (Latitude: 30.25, Longitude: 120.15);
const double HalfSideDegrees = 0.39;

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
using var kafka = EmbeddedKafka.Start(brokers: 1);
kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
foreach (var topic in Topics.All)
{
    kafka.CreateTopic(topic.Name, Partitions);
}
using var redis = EmbeddedRedis.Start();
// Dispatch validates bearer tokens: a signing key for this run only, its public half for Dispatch.
using var signingKey = ServiceDefaults.Security.DevSigningKey.Create();
var tokens = new ServiceDefaults.Security.TokenIssuer(signingKey.Credentials);
Grpc.Core.Metadata Bearer(ServiceDefaults.Security.SuiteIdentity identity) => new() { { "authorization", $"Bearer {tokens.Issue(identity, TimeSpan.FromHours(12))}" } };
using var dispatch = ServiceProcess.Start(RepoLayout.Locate("tools/DispatchBench").ServiceDll("Dispatch"), new Dictionary<string, string>(signingKey.HostSettings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!))
{
    ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
    ["Redis__Configuration"] = redis.ConnectionString,
    ["Kestrel__Limits__Http2__MaxStreamsPerConnection"] = StreamsPerChannel.ToString(CultureInfo.InvariantCulture),
    ["Dispatch__TerminalQueue"] = "64",
}, new ServiceProcessOptions { DefaultLogLevel = "Warning" });
await dispatch.WaitHealthyAsync(TimeSpan.FromSeconds(60));

var random = new Random(42);
GeoPoint RandomPoint() => new()
{
    Latitude = centre.Latitude + (random.NextDouble() * 2 - 1) * HalfSideDegrees,
    Longitude = centre.Longitude + (random.NextDouble() * 2 - 1) * HalfSideDegrees,
};
// The mix of the reports: 23,000 minimal emergency units in a city of this size, then patrols, community police, volunteers ...
(UnitKind Kind, double Share, Capability[] Capabilities)[] mix =
[
    (UnitKind.MinimalEmergency, 0.46, []),
    (UnitKind.PatrolCar, 0.18, []),
    (UnitKind.FootPatrol, 0.12, []),
    (UnitKind.CommunityPolice, 0.09, [Capability.Mediation]),
    (UnitKind.Volunteer, 0.08, [Capability.Mediation]),
    (UnitKind.TrafficPolice, 0.04, []),
    (UnitKind.SpecialPolice, 0.025, [Capability.Armed, Capability.AntiRiot]),
    (UnitKind.Drone, 0.005, [Capability.Loudspeaker, Capability.AerialView]),
];
UnitKind KindOf(int i, out Capability[] capabilities)
{
    var x = (i + 0.5) / units;
    foreach (var (kind, share, caps) in mix)
    {
        if (x < share)
        {
            capabilities = caps;
            return kind;
        }
        x -= share;
    }
    capabilities = [];
    return UnitKind.PatrolCar;
}

// --- Phase 1: 50,000 terminals connect (Hello) and stay connected.
var channels = Enumerable.Range(0, (units + StreamsPerChannel - 1) / StreamsPerChannel)
    .Select(_ => GrpcChannel.ForAddress(dispatch.Address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests },
        MaxReceiveMessageSize = null,
    })).ToList();
var terminals = new AsyncDuplexStreamingCall<TerminalMessage, DispatchMessage>[units];
// Each terminal with a token bound to its unit, made before the clock starts.
var unitTokens = Enumerable.Range(0, units).Select(i => Bearer(ServiceDefaults.Security.SuiteIdentity.Terminal($"u{i:00000}"))).ToArray();
var cpuBefore = ProcStat.ProcessCpuSeconds(dispatch.Pid);
var connecting = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, units), new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (i, _) =>
{
    var kind = KindOf(i, out var capabilities);
    var client = new DispatchService.DispatchServiceClient(channels[i / StreamsPerChannel]);
    var call = client.Connect(headers: unitTokens[i]);
    await call.RequestStream.WriteAsync(new TerminalMessage
    {
        Hello = new Hello { UnitId = $"u{i:00000}", CallSign = $"U{i}", Kind = kind, Capabilities = { capabilities }, Position = RandomPointFor(i) },
    });
    if (!await call.ResponseStream.MoveNext() || call.ResponseStream.Current.Welcome is null)
    {
        throw new InvalidOperationException($"u{i}: no welcome");
    }
    terminals[i] = call;
});
GeoPoint RandomPointFor(int i)
{
    var r = new Random(i);
    return new GeoPoint { Latitude = centre.Latitude + (r.NextDouble() * 2 - 1) * HalfSideDegrees, Longitude = centre.Longitude + (r.NextDouble() * 2 - 1) * HalfSideDegrees };
}
var connectSeconds = connecting.Elapsed.TotalSeconds;
Console.WriteLine($"phase 1: {units:N0} terminals connected in {connectSeconds:F1} s ({units / connectSeconds:N0}/s), dispatch used {ProcStat.ProcessCpuSeconds(dispatch.Pid) - cpuBefore:F1} CPU s");

var asOperator = Bearer(ServiceDefaults.Security.SuiteIdentity.Operator("bench-operator"));
var query = new DispatchService.DispatchServiceClient(channels[0].Intercept(metadata =>
{
    foreach (var entry in asOperator)
    {
        metadata.Add(entry);
    }
    return metadata;
}));
// The index fills from units.v1: wait until a city-wide question sees every kind.
await WaitIndexedAsync();
async Task WaitIndexedAsync()
{
    var waited = Stopwatch.StartNew();
    while (waited.Elapsed < TimeSpan.FromSeconds(120))
    {
        var probe = await query.RecommendUnitsAsync(new RecommendUnitsRequest { Location = new GeoPoint { Latitude = centre.Latitude, Longitude = centre.Longitude }, Kinds = { UnitKind.MinimalEmergency }, Count = 100 });
        if (probe.CandidatesConsidered > 0 && probe.Tiers[0].Units.Count == 100)
        {
            break;
        }
        await Task.Delay(200);
    }
    await Task.Delay(2_000); // the tail of units.v1
}

// --- Phase 2: recommendation latency, per incident (all tiers of its plan), as measured inside Dispatch and by the caller.
(IncidentCategory Category, Priority Priority)[] incidentMix =
[
    (IncidentCategory.Robbery, Priority.P1), (IncidentCategory.Medical, Priority.P1), (IncidentCategory.Crowd, Priority.P1),
    (IncidentCategory.Burglary, Priority.P2), (IncidentCategory.Traffic, Priority.P2), (IncidentCategory.Theft, Priority.P3),
    (IncidentCategory.Dispute, Priority.P3), (IncidentCategory.Other, Priority.P4),
];
var server = new List<double>();
var roundTrip = new List<double>();
var considered = 0L;
for (var i = 0; i < queries + 1_000; i++)
{
    var (category, priority) = incidentMix[i % incidentMix.Length];
    var started = Stopwatch.GetTimestamp();
    var response = await query.RecommendUnitsAsync(new RecommendUnitsRequest { Location = RandomPoint(), Category = category, Priority = priority });
    var elapsed = Stopwatch.GetElapsedTime(started);
    if (i >= 1_000) // warm-up first
    {
        server.Add(response.ComputeMicros / 1000.0);
        roundTrip.Add(elapsed.TotalMilliseconds);
        considered += response.CandidatesConsidered;
    }
}
static double Percentile(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
Console.WriteLine($"phase 2: {queries:N0} recommendations over {units:N0} units, {considered / (double)queries:F0} candidates considered per incident");
Console.WriteLine($"  in Dispatch (ranking every tier):  p50 {Percentile(server, 0.5):F3} ms  p99 {Percentile(server, 0.99):F3} ms  max {server.Max():F3} ms");
Console.WriteLine($"  caller round trip (gRPC, loopback): p50 {Percentile(roundTrip, 0.5):F3} ms  p99 {Percentile(roundTrip, 0.99):F3} ms");

// --- Phase 3: sustained position updates from the open streams, paced at the target rate.
using var watermarks = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "bench-watermarks" }).Build();
long Processed() => Enumerable.Range(0, Partitions).Sum(p => watermarks.QueryWatermarkOffsets(new TopicPartition(Topics.UnitPositions, p), TimeSpan.FromSeconds(5)).High.Value);
var movers = Math.Min(units, positionRate); // every mover sends about once a second
var locks = Enumerable.Range(0, movers).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
var processedBefore = Processed();
cpuBefore = ProcStat.ProcessCpuSeconds(dispatch.Pid);
var sent = 0L;
var clock = Stopwatch.StartNew();
var ticks = positionSeconds * 10;
var perTick = positionRate / 10;
var sends = new List<Task>();
for (var tick = 0; tick < ticks; tick++)
{
    for (var k = 0; k < perTick; k++)
    {
        var i = (int)(sent % movers);
        sent++;
        sends.Add(SendAsync(i));
    }
    var next = TimeSpan.FromMilliseconds((tick + 1) * 100);
    if (next > clock.Elapsed)
    {
        await Task.Delay(next - clock.Elapsed);
    }
    sends.RemoveAll(t => t.IsCompleted);
}
async Task SendAsync(int i)
{
    await locks[i].WaitAsync();
    try
    {
        var at = RandomPointFor(i);
        await terminals[i].RequestStream.WriteAsync(new TerminalMessage
        {
            Position = new PositionUpdate { Position = new GeoPoint { Latitude = at.Latitude + random.NextDouble() * 0.001, Longitude = at.Longitude }, At = Timestamp.FromDateTime(DateTime.UtcNow) },
        });
    }
    finally
    {
        locks[i].Release();
    }
}
await Task.WhenAll(sends);
var sendSeconds = clock.Elapsed.TotalSeconds;
// Processed = published to unit-positions.v1 by Dispatch after storing the position in Redis and its index.
while (Processed() - processedBefore < sent && clock.Elapsed.TotalSeconds < sendSeconds + 60)
{
    await Task.Delay(100);
}
var processed = Processed() - processedBefore;
var drainSeconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"phase 3: {sent:N0} position updates sent from {movers:N0} streams in {sendSeconds:F1} s ({sent / sendSeconds:N0}/s); " +
    $"{processed:N0} processed by {drainSeconds:F1} s ({processed / drainSeconds:N0}/s, last one {drainSeconds - sendSeconds:F2} s after the last send); " +
    $"dispatch used {ProcStat.ProcessCpuSeconds(dispatch.Pid) - cpuBefore:F1} CPU s ({(ProcStat.ProcessCpuSeconds(dispatch.Pid) - cpuBefore) / drainSeconds * 100:F0} % of one core)");
Console.WriteLine($"dispatch peak resident memory {ProcStat.PeakResidentMiB(dispatch.Pid):N0} MiB");

foreach (var terminal in terminals)
{
    terminal?.Dispose();
}
foreach (var channel in channels)
{
    channel.Dispose();
}
await dispatch.StopAsync(TimeSpan.FromSeconds(10));
return 0;
