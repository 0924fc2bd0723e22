using System.Diagnostics;
using Contracts.Intake.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Messaging;
using ServiceProcesses;

namespace Bench.Intake;

internal static class IntakePhases
{
    /// <summary>Per stream, before the measured round (8 streams: 40,000 reports).</summary>
    private const int BulkWarmUpItems = 5_000;

    private static readonly TimeSpan UnaryWarmUp = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Partner topic: <paramref name="warmUp"/> + <paramref name="expected"/> records were produced before
    /// Intake started. The clock runs from the moment incidents.v1 holds <paramref name="warmUp"/> records
    /// from this run (start-up, group join and JIT warm-up are behind us) until it holds all of them. The
    /// cold rate, from the first incident to the last, is reported alongside.
    /// </summary>
    public static async Task<PhaseResult> PartnerAsync(KafkaProbe kafka, int warmUp, int expected, long baseline, ServiceProcess intake, bool threads, Stopwatch sinceHealthy, CancellationToken cancellationToken)
    {
        var total = warmUp + expected;
        var timeout = TimeSpan.FromSeconds(Math.Max(120, total / 1_000));
        CpuSnapshot? startCpu = null;
        var clock = new Stopwatch();
        var cold = new Stopwatch();
        long atStart = 0, atColdStart = 0, seen = 0;
        var firstAfter = TimeSpan.Zero;
        var deadline = Stopwatch.StartNew();
        while (seen < total)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (intake.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"intake exited (code {intake.Exited.Result}) during the partner phase.");
            }
            if (deadline.Elapsed > timeout)
            {
                break;
            }
            seen = kafka.Count(Topics.Incidents) - baseline;
            if (seen > 0 && !cold.IsRunning)
            {
                cold.Start();
                atColdStart = seen;
                firstAfter = sinceHealthy.Elapsed;
            }
            if (seen >= warmUp && !clock.IsRunning)
            {
                clock.Start();
                startCpu = CpuSnapshot.Take(intake.Pid, threads);
                atStart = seen;
            }
            if (seen < total)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
        clock.Stop();
        cold.Stop();
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = CpuSnapshot.Take(intake.Pid, threads).Since(startCpu ?? CpuSnapshot.Take(intake.Pid, threads), seconds);
        var dlq = kafka.Count(Topics.PartnerIncidentsDeadLetter);
        var detail = $"{seen:N0}/{total:N0} in incidents.v1 ({warmUp:N0} warm-up), {dlq:N0} dead-lettered; first incident {firstAfter.TotalSeconds:F1} s after healthy; " +
            $"cold rate (first to last incident, warm-up included) {(seen - atColdStart) / Math.Max(cold.Elapsed.TotalSeconds, 1e-3):N0} msg/s";
        if (seen < total)
        {
            detail += $"; TIMED OUT after {timeout.TotalSeconds:F0} s";
        }
        return new PhaseResult("partner topic", "msg/s", seen - atStart, seconds, 50_000, cpu, detail);
    }

    /// <summary>Bulk: <paramref name="streams"/> concurrent SubmitReports calls of <paramref name="items"/> reports each, one connection per call.</summary>
    public static async Task<PhaseResult> BulkAsync(Uri address, string token, BenchReports reports, int streams, int items, ServiceProcess intake, bool threads, CancellationToken cancellationToken)
    {
        // Requests are built before the clock starts; their serialisation is part of the measured client work.
        var batches = Enumerable.Range(0, streams)
            .Select(s => Enumerable.Range(0, items).Select(i => reports.Request("bulk", (long)s * items + i)).ToArray())
            .ToArray();
        var channels = Enumerable.Range(0, streams).Select(_ => Channel(address, token)).ToArray();
        try
        {
            // Connect every channel first so connection setup is not timed, and warm up the streaming path (JIT) with a
            // smaller round of the same shape.
            await Task.WhenAll(channels.Select(c => c.ConnectAsync(cancellationToken)));
            await Task.WhenAll(channels.Select((channel, s) => SendBulkAsync(new IntakeService.IntakeServiceClient(channel),
                Enumerable.Range(0, BulkWarmUpItems).Select(i => reports.Request("bulk-warmup", (long)s * BulkWarmUpItems + i)).ToArray(), cancellationToken)));
            var startCpu = CpuSnapshot.Take(intake.Pid, threads);
            var clock = Stopwatch.StartNew();
            var responses = await Task.WhenAll(batches.Select((batch, s) => SendBulkAsync(new IntakeService.IntakeServiceClient(channels[s]), batch, cancellationToken)));
            clock.Stop();
            var cpu = CpuSnapshot.Take(intake.Pid, threads).Since(startCpu, clock.Elapsed.TotalSeconds);
            var accepted = responses.Sum(r => r.Accepted);
            var detail = $"{streams} streams x {items:N0}: accepted {accepted:N0}, duplicate {responses.Sum(r => r.Duplicates):N0}, " +
                $"invalid {responses.Sum(r => r.Invalid):N0}, unavailable {responses.Sum(r => r.Unavailable):N0}";
            return new PhaseResult("bulk SubmitReports", "reports/s", accepted, clock.Elapsed.TotalSeconds, 50_000, cpu, detail);
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static async Task<SubmitReportsResponse> SendBulkAsync(IntakeService.IntakeServiceClient client, SubmitReportRequest[] batch, CancellationToken cancellationToken)
    {
        using var call = client.SubmitReports(cancellationToken: cancellationToken);
        foreach (var request in batch)
        {
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>Unary: <paramref name="callers"/> concurrent SubmitReport loops on one connection for <paramref name="duration"/>.</summary>
    public static async Task<PhaseResult> UnaryAsync(Uri address, string token, BenchReports reports, int callers, int connections, TimeSpan duration, ServiceProcess intake, bool threads, CancellationToken cancellationToken)
    {
        var channels = Enumerable.Range(0, connections).Select(_ => Channel(address, token)).ToArray();
        try
        {
            await Task.WhenAll(channels.Select(c => c.ConnectAsync(cancellationToken)));
            // Caller i uses connection i % connections.
            var clients = channels.Select(c => new IntakeService.IntakeServiceClient(c)).ToArray();
            long sequence = 0;

            // Warm-up (not measured): JIT of the unary path on both sides.
            await RunCallersAsync(clients, reports, callers, UnaryWarmUp, () => Interlocked.Increment(ref sequence), cancellationToken);

            var startCpu = CpuSnapshot.Take(intake.Pid, threads);
            var clock = Stopwatch.StartNew();
            var outcomes = await RunCallersAsync(clients, reports, callers, duration, () => Interlocked.Increment(ref sequence), cancellationToken);
            clock.Stop();
            var cpu = CpuSnapshot.Take(intake.Pid, threads).Since(startCpu, clock.Elapsed.TotalSeconds);

            var latencies = outcomes.SelectMany(o => o.Latencies).ToArray();
            Array.Sort(latencies);
            double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p * latencies.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
            var ok = outcomes.Sum(o => o.Ok);
            var errors = outcomes.SelectMany(o => o.Errors).GroupBy(e => e).Select(g => $"{g.Key} x{g.Count()}").ToList();
            var detail = $"{callers} callers on {connections} connection(s), {duration.TotalSeconds:F0} s: p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms, max {Percentile(1.0):F1} ms; " +
                $"ok {ok:N0}, duplicate answers {outcomes.Sum(o => o.Duplicates):N0}" + (errors.Count > 0 ? $", errors: {string.Join(", ", errors)}" : ", no errors");
            return new PhaseResult("unary SubmitReport", "reports/s", ok - outcomes.Sum(o => o.Duplicates), clock.Elapsed.TotalSeconds, 10_000, cpu, detail);
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private sealed record CallerOutcome(long Ok, long Duplicates, List<long> Latencies, List<StatusCode> Errors);

    private static async Task<CallerOutcome[]> RunCallersAsync(IntakeService.IntakeServiceClient[] clients, BenchReports reports, int callers, TimeSpan duration, Func<long> next, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var client = clients[caller % clients.Length];
            long ok = 0, duplicates = 0;
            var latencies = new List<long>(1 << 16);
            var errors = new List<StatusCode>();
            while (Stopwatch.GetTimestamp() < end)
            {
                var request = reports.Request("unary", next());
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await client.SubmitReportAsync(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
                    ok++;
                    duplicates += response.Duplicate ? 1 : 0;
                }
                catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
                {
                    errors.Add(e.StatusCode);
                }
                latencies.Add(Stopwatch.GetTimestamp() - started);
            }
            return new CallerOutcome(ok, duplicates, latencies, errors);
        }, cancellationToken)));
    }

    private static GrpcChannel Channel(Uri address, string token) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        // Loopback h2c to a process of our own: the token may travel without TLS here.
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
        MaxReceiveMessageSize = 64 * 1024 * 1024, // a bulk response of 50,000 results is a few MB
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });
}
