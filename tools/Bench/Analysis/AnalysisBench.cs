using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AnalysisEval.Scenario;
using Bench.Intake;
using Confluent.Kafka;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Grpc.Net.Client;
using Messaging;
using ServiceProcesses;

namespace Bench.Analysis;

/// <summary>
/// `analysis`: Analysis as a Release child process against the embedded broker and Garnet. A month of a megacity's
/// incidents is published to incidents.v1; Analysis works through the backlog with a fresh consumer group, and
/// writes a summary line every second (incidents analysed, duration percentiles) that this bench reads.
/// </summary>
internal static class AnalysisBench
{
    private const int Partitions = 6;
    private const double TargetPerSecond = 20_000;
    private static readonly TimeSpan NoProgressLimit = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var (options, error) = AnalysisBenchOptions.Parse(args);
        if (options is null)
        {
            return BenchCommandLine.Usage(error, AnalysisBenchOptions.Usage);
        }

        using var cancel = BenchSetup.CancelOnCtrlC();
        var dll = options.AnalysisDll ?? RepoLayout.Locate("tools/Bench").ServiceDll("Analysis");
        BenchSetup.DescribeMachine("Analysis", dll);

        var generation = Stopwatch.StartNew();
        var backlog = IncidentBacklog.Generate(options.Incidents, options.Seed);
        Console.WriteLine($"generated in {generation.Elapsed.TotalSeconds:F1} s: {backlog.Summary}");

        if (options.InProcess)
        {
            return AnalysisInProcess.Run(backlog);
        }
        using var backends = EmbeddedBackends.Start(Partitions);
        if (options.Floor)
        {
            return AnalysisFloor.Run(backlog, backends);
        }
        var (kafka, redis) = (backends.Kafka, backends.Redis);

        // Analysis validates bearer tokens: a signing key for this run only; the watchlist is loaded by an administrator.
        using var signingKey = ServiceDefaults.Security.DevSigningKey.Create();
        var centre = ServiceDefaults.Security.ClientTokens.Centre(new ServiceDefaults.Security.TokenIssuer(signingKey.Credentials), TimeSpan.FromHours(12));
        var environment = new Dictionary<string, string>(ServiceDefaults.Security.ClientTokens.AsEnvironment(signingKey.HostSettings()))
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Redis__Configuration"] = redis.ConnectionString,
            ["Analysis__ConsumerGroup"] = $"bench-{Guid.NewGuid():N}",
            ["Analysis__Series__TimeZoneId"] = City.TimeZoneId,
            ["Analysis__StatsIntervalSeconds"] = "1",
            [$"Logging__LogLevel__{typeof(global::Analysis.Application.AnalysisStatsReporter).FullName}"] = "Information",
        };
        foreach (var (key, value) in options.AnalysisEnvironment)
        {
            environment[key] = value;
        }

        using var analysis = ServiceProcess.Start(dll, environment, new ServiceProcessOptions { DefaultLogLevel = "Warning" });
        var clock = Stopwatch.StartNew();
        var lines = new ConcurrentQueue<AnalysisStatsLine>();
        analysis.LineReceived += line =>
        {
            if (AnalysisStatsLine.TryParse(line, out var p))
            {
                lines.Enqueue(new AnalysisStatsLine(p.Count, p.Seconds, p.Total, p.P50Ms, p.P99Ms, p.MaxMs, p.GcPauseMs, p.AllocatedMiB)
                {
                    Cpu = CpuSnapshot.Take(analysis.Pid, options.Threads),
                    ReadAt = clock.Elapsed,
                });
            }
        };
        try
        {
            var cpuAtStart = ProcStat.ProcessCpuSeconds(analysis.Pid);
            await analysis.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            Console.WriteLine($"analysis used {ProcStat.ProcessCpuSeconds(analysis.Pid) - cpuAtStart:F1} CPU s to start");
            await LoadWatchlistAsync(analysis.Address, centre, backlog.Watchlist, cancel.Token);

            // Published while Analysis already consumes. A backlog: the clock starts only after the last record is
            // acknowledged. Paced: the whole intervals while the offered load lasted are measured.
            // Arriving: the warm-up as a backlog first, the rest paced once it is analysed (the measured stretch starts then).
            var publishStart = clock.Elapsed;
            var publishing = Task.Run(async () =>
            {
                if (options.ArrivalRate > 0)
                {
                    IncidentBacklog.Produce(kafka.BootstrapServers, backlog.Records(take: options.WarmUp));
                    var arriving = backlog.Records(skip: options.WarmUp);
                    while (lines.IsEmpty || lines.Last().Total < options.WarmUp)
                    {
                        await Task.Delay(50, cancel.Token);
                    }
                    SettleAfterWarmUp();
                    publishStart = clock.Elapsed;
                    var arrived = IncidentBacklog.Produce(kafka.BootstrapServers, arriving, options.ArrivalRate);
                    var analysedThen = lines.Last().Total;
                    Console.WriteLine($"published the {options.WarmUp:N0} warm-up incidents, then {backlog.Count - options.WarmUp:N0} at {options.ArrivalRate:N0}/s "
                        + $"in {arrived.TotalSeconds:F1} s; {backlog.Count - analysedThen:N0} not yet analysed when the last was published "
                        + (analysedThen < backlog.Count - options.ArrivalRate ? "(Analysis fell behind: saturated)" : "(Analysis kept up: the arrival rate, not its capacity)"));
                }
                else
                {
                    var produced = IncidentBacklog.Produce(kafka.BootstrapServers, backlog.Records(), options.Rate);
                    Console.WriteLine($"published {backlog.Count:N0} incidents in {produced.TotalSeconds:F1} s ({backlog.Count / produced.TotalSeconds:N0}/s)");
                }
                using var watermarks = new KafkaProbe(kafka.BootstrapServers, Partitions);
                if (watermarks.Dropped(Topics.Incidents) is > 0 and var dropped)
                {
                    throw new InvalidOperationException($"the embedded broker dropped the oldest {dropped:N0} incidents before they were analysed "
                        + "(it keeps about 5 MB of record batches per partition): run with fewer --incidents (150,000 fit)");
                }
                return clock.Elapsed;
            });
            var analysed = WaitAnalysedAsync(lines, backlog.Count, analysis, cancel.Token);
            // A failed publish (or a log the broker truncated) ends the run instead of waiting for incidents that never come.
            if (await Task.WhenAny(analysed, publishing) == publishing && publishing.IsFaulted)
            {
                await publishing;
            }
            await analysed;
            var producedAt = await publishing;
            var result = options.ArrivalRate > 0
                ? MeasureArriving([.. lines], options.WarmUp, backlog.Count, publishStart, producedAt)
                : Measure([.. lines], options.WarmUp, backlog.Count, producedAt, options.Rate > 0 ? (options.Rate, publishStart) : null);
            using var probe = new KafkaProbe(kafka.BootstrapServers, Partitions);
            Print(result, options, AlertsByKind(kafka.BootstrapServers, probe.Count(Topics.Alerts)));
            Console.WriteLine($"Analysis process CPU time in total (start-up included): {ProcStat.ProcessCpuSeconds(analysis.Pid):F1} s; peak resident memory {ProcStat.PeakResidentMiB(analysis.Pid):F0} MiB; "
                + $"bench process (broker, Garnet) peak resident {ProcStat.PeakResidentMiB(Environment.ProcessId):F0} MiB");
            return options.Rate > 0
                ? result.SteadyRate >= 0.95 * options.Rate ? 0 : 1 // kept up with the offered load
                : result.SteadyRate >= TargetPerSecond ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (InvalidOperationException e)
        {
            // Nothing to measure (too short a run, Analysis exited): say why, without a stack trace.
            Console.Error.WriteLine($"analysis bench: {e.Message}");
            return 1;
        }
        finally
        {
            await analysis.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// The machine counts as quiet after the warm-up below this share of its cores busy: what start-up left running (the
    /// JIT compiling hot methods, a collection) is then over, so the window measures the steady state (a profile caught
    /// the JIT at 30 % of Analysis's samples inside the window when it started right after a slow warm-up, 4 % in
    /// another). Waits at most <see cref="MaxSettle"/>.
    /// </summary>
    private const double QuietBusyShare = 0.08;

    private static readonly TimeSpan MaxSettle = TimeSpan.FromSeconds(20);

    private static void SettleAfterWarmUp()
    {
        var waited = Stopwatch.StartNew();
        double busy;
        while ((busy = Idle.Measure(TimeSpan.FromMilliseconds(500))) > QuietBusyShare && waited.Elapsed < MaxSettle)
        {
        }
        Console.WriteLine($"after the warm-up the machine was {busy:P0} busy {waited.Elapsed.TotalSeconds:F1} s later{(busy > QuietBusyShare ? " (not quiet: the window may hold start-up work)" : "")}");
    }

    private static async Task LoadWatchlistAsync(Uri address, Func<string, string> tokens, IReadOnlyList<WatchlistEntry> watchlist, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new AnalysisService.AnalysisServiceClient(ServiceDefaults.Security.ClientTokens.WithBearer(channel, tokens));
        foreach (var entry in watchlist)
        {
            await client.UpsertWatchlistEntryAsync(new UpsertWatchlistEntryRequest { Entry = entry }, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Until a summary line counts every incident, Analysis exits, or a minute passes without progress.</summary>
    private static async Task WaitAnalysedAsync(ConcurrentQueue<AnalysisStatsLine> lines, int expected, ServiceProcess analysis, CancellationToken cancellationToken)
    {
        long lastTotal = -1;
        var lastProgress = Stopwatch.StartNew();
        var lastPrint = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (analysis.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"analysis exited (code {analysis.Exited.Result}) before it analysed every incident.");
            }
            var total = lines.IsEmpty ? 0 : lines.Last().Total;
            if (total >= expected)
            {
                return;
            }
            if (total != lastTotal)
            {
                lastTotal = total;
                lastProgress.Restart();
            }
            else if (lastProgress.Elapsed > NoProgressLimit)
            {
                Console.WriteLine($"WARNING: {expected - total:N0} incidents still not analysed after {NoProgressLimit.TotalSeconds:F0} s without progress; measuring what was done");
                return;
            }
            if (lastPrint.Elapsed > TimeSpan.FromSeconds(10))
            {
                lastPrint.Restart();
                Console.WriteLine($"  {total:N0}/{expected:N0} analysed");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <param name="SteadyRate">Incidents per second over the whole intervals between the warm-up and the interval in which the backlog ran out.</param>
    /// <param name="TailRate">From the warm-up to the moment the last summary line was read: the last, partly idle interval included.</param>
    private sealed record BacklogResult(
        long Count, double Seconds, int Intervals, double SteadyRate, double TailRate, double P50Ms, double P99Ms, double WorstP99Ms, double MaxMs,
        CpuUse Cpu, (double PauseUsPerIncident, double KiBPerIncident)? Collector, long Analysed, int Expected, string Note);

    /// <param name="pace">The offered rate and when publishing started, when the incidents were paced: measured from the first
    /// line after the warm-up at which Analysis is no more than a second behind the offered load (so no catch-up is in the
    /// figures) until publishing ended. Null for a backlog: from the first line after the warm-up and after publishing.</param>
    private static BacklogResult Measure(IReadOnlyList<AnalysisStatsLine> lines, int warmUp, int expected, TimeSpan producedAt, (int Rate, TimeSpan Start)? pace)
    {
        // The first line after the warm-up (and, for a backlog, after publishing finished) starts the clock; whole
        // intervals up to the one before the backlog ran out are measured, so neither the start-up nor the idle end counts.
        var paced = pace is not null;
        bool CaughtUp(AnalysisStatsLine l) => pace is not { } p || l.Total >= p.Rate * ((l.ReadAt - p.Start).TotalSeconds - 1);
        var first = lines.Select((l, i) => (l, i)).FirstOrDefault(x => x.l.Total >= warmUp && (paced ? CaughtUp(x.l) : x.l.ReadAt >= producedAt));
        var last = paced ? lines.Select((l, i) => (l, i)).LastOrDefault(x => x.l.ReadAt <= producedAt).i : lines.Count - 1;
        if (first.l is null || last - 1 <= first.i)
        {
            throw new InvalidOperationException($"Too few summary lines after the warm-up{(paced ? " with Analysis keeping up" : "")} ({lines.Count} lines, last total {(lines.Count == 0 ? 0 : lines[^1].Total):N0}): raise --incidents or lower --warmup{(paced ? " or --rate" : "")}.");
        }
        // The interval in which the backlog ran out is partly idle: it is left out (paced: the offered load lasted through it).
        var end = lines[^1].Total >= expected && !paced ? last - 1 : last;
        return Summarise(lines, first.i, end, last, expected);
    }

    /// <summary>The whole intervals after the paced part started arriving, up to the last one ended while it still arrived.</summary>
    private static BacklogResult MeasureArriving(IReadOnlyList<AnalysisStatsLine> lines, int warmUp, int expected, TimeSpan arrivalStart, TimeSpan producedAt)
    {
        var first = lines.Select((l, i) => (l, i)).FirstOrDefault(x => x.l.Total >= warmUp && x.l.ReadAt >= arrivalStart);
        var last = lines.Select((l, i) => (l, i)).LastOrDefault(x => x.l.ReadAt <= producedAt).i;
        if (first.l is null || last - 1 <= first.i)
        {
            throw new InvalidOperationException($"Too few summary lines while incidents arrived ({lines.Count} lines): raise --incidents or lower --arrival-rate.");
        }
        return Summarise(lines, first.i, last, last, expected);
    }

    /// <summary>The intervals after line <paramref name="first"/> up to <paramref name="end"/>; the tail rate up to <paramref name="last"/>.</summary>
    private static BacklogResult Summarise(IReadOnlyList<AnalysisStatsLine> lines, int first, int end, int last, int expected)
    {
        var measured = lines.Skip(first + 1).Take(end - first).ToList();
        var count = measured.Sum(l => l.Count);
        var seconds = measured.Sum(l => l.Seconds);
        var byP50 = measured.OrderBy(l => l.P50Ms).ToList();
        var byP99 = measured.OrderBy(l => l.P99Ms).ToList();
        var cpu = lines[end].Cpu.Since(lines[first].Cpu, (lines[end].ReadAt - lines[first].ReadAt).TotalSeconds);
        var tailSeconds = (lines[last].ReadAt - lines[first].ReadAt).TotalSeconds;
        // Only when every measured line says (a build before session 13 does not).
        var collector = measured.All(l => l.GcPauseMs is not null && l.AllocatedMiB is not null)
            ? (measured.Sum(l => l.GcPauseMs!.Value) * 1000 / count, measured.Sum(l => l.AllocatedMiB!.Value) * 1024 / count)
            : ((double PauseUsPerIncident, double KiBPerIncident)?)null;
        return new BacklogResult(count, seconds, measured.Count, count / seconds, (lines[last].Total - lines[first].Total) / tailSeconds,
            WeightedMedian(byP50, l => l.P50Ms), WeightedMedian(byP99, l => l.P99Ms), byP99[^1].P99Ms, measured.Max(l => l.MaxMs),
            cpu, collector, lines[^1].Total, expected, lines[^1].Total >= expected ? "" : "NOT all analysed; ");
    }

    /// <summary>The value at which half the incidents (not half the intervals) lie in intervals with a lower value.</summary>
    private static double WeightedMedian(IReadOnlyList<AnalysisStatsLine> sorted, Func<AnalysisStatsLine, double> value)
    {
        var half = sorted.Sum(l => l.Count) / 2.0;
        double seen = 0;
        foreach (var line in sorted)
        {
            seen += line.Count;
            if (seen >= half)
            {
                return value(line);
            }
        }
        return value(sorted[^1]);
    }

    /// <summary>Alerts published during the run, by kind: shows the mix exercised every rule.</summary>
    private static IReadOnlyList<(AlertKind Kind, int Count)> AlertsByKind(string bootstrapServers, long expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"bench-alerts-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topics.Alerts, p, Offset.Beginning)));
        var counts = new Dictionary<AlertKind, int>();
        var deadline = Stopwatch.StartNew();
        long read = 0;
        while (read < expected && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false, Message.Value: { } value })
            {
                read++;
                var kind = AlertRaised.Parser.ParseFrom(value).Alert?.Kind ?? AlertKind.Unspecified;
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
            }
        }
        return [.. counts.OrderByDescending(c => c.Value).Select(c => (c.Key, c.Value))];
    }

    private static void Print(BacklogResult r, AnalysisBenchOptions options, IReadOnlyList<(AlertKind Kind, int Count)> alerts)
    {
        var usPerIncident = r.Cpu.ServiceSeconds * 1e6 / Math.Max(1, r.Count);
        Console.WriteLine();
        Console.WriteLine($"analysis {(options.Rate > 0 ? $"paced at {options.Rate:N0} offered/s" : options.ArrivalRate > 0 ? $"while arriving at {options.ArrivalRate:N0}/s" : "backlog")}: {r.SteadyRate:N0} incidents/s ({r.Count:N0} in {r.Seconds:F2} s over {r.Intervals} whole 1-s intervals after {options.WarmUp:N0} warm-up; "
            + $"{r.TailRate:N0}/s to the last line, idle tail included); {r.Note}{r.Analysed:N0}/{r.Expected:N0} analysed");
        Console.WriteLine($"  duration per incident (in Analysis, from the stored incident to its alerts published; per-interval percentiles, incident-weighted): "
            + $"p50 {r.P50Ms:F1} ms, p99 {r.P99Ms:F1} ms (worst interval {r.WorstP99Ms:F1} ms), max {r.MaxMs:F1} ms");
        Console.WriteLine($"  CPU: analysis {r.Cpu.ServiceSeconds:F1} s ({r.Cpu.ServiceSeconds / r.Cpu.WallSeconds:F2} cores, {usPerIncident:F0} us/incident), "
            + $"bench process (broker + Garnet) {r.Cpu.BenchSeconds:F1} s ({r.Cpu.BenchSeconds / r.Cpu.WallSeconds:F2} cores, {r.Cpu.BenchSeconds * 1e6 / Math.Max(1, r.Count):F0} us/incident), "
            + $"machine {r.Cpu.MachineBusy * 100:F0}% busy of {Environment.ProcessorCount} cores, irq/softirq {r.Cpu.InterruptSeconds:F1} s, other processes {r.Cpu.OtherSeconds:F1} s");
        if (r.Collector is { } collector)
        {
            // Unlike the rate and the CPU figures, these do not move with the machine's speed: they resolve changes to what
            // Analysis allocates and keeps (docs/PERFORMANCE.md, finding 26).
            Console.WriteLine($"  collector: Analysis paused {collector.PauseUsPerIncident:F1} us and allocated {collector.KiBPerIncident:F1} KiB per incident");
        }
        if (r.Cpu.OtherSeconds > 0.1 * r.Cpu.WallSeconds)
        {
            Console.WriteLine($"  WARNING: other processes used {r.Cpu.OtherSeconds / r.Cpu.WallSeconds * 100:F0}% of a core during the measurement; the numbers are not clean.");
        }
        PrintThreads("analysis CPU by thread name:", r.Cpu.Threads, r.Cpu.ServiceSeconds, 14);
        PrintThreads("bench process CPU by thread name (rdk:* = embedded broker, Garnet and .NET TP Worker = embedded Redis):", r.Cpu.BenchThreads, r.Cpu.BenchSeconds, 8);
        Console.WriteLine($"  alerts: {string.Join(", ", alerts.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Count:N0}"))}");
        Console.WriteLine();
        Console.WriteLine("| incidents/s | target | met | p50 ms | p99 ms | max ms | analysis us/incident | analysis cores | bench cores | machine busy | other CPU s |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {r.SteadyRate:N0} | {(options.Rate > 0 ? $"paced {options.Rate:N0}" : $">= {TargetPerSecond:N0}")} | {(options.Rate > 0 ? "-" : r.SteadyRate >= TargetPerSecond ? "yes" : "NO")} | {r.P50Ms:F1} | {r.P99Ms:F1} | {r.MaxMs:F1} | {usPerIncident:F0} | "
            + $"{r.Cpu.ServiceSeconds / r.Cpu.WallSeconds:F2} | {r.Cpu.BenchSeconds / r.Cpu.WallSeconds:F2} | {r.Cpu.MachineBusy * 100:F0}% | {r.Cpu.OtherSeconds:F1} |"));
    }

    private static void PrintThreads(string title, IReadOnlyList<(string Name, double Seconds)>? threads, double total, int top)
    {
        if (threads is null)
        {
            return;
        }
        Console.WriteLine($"  {title}");
        foreach (var (name, seconds) in threads.Take(top))
        {
            Console.WriteLine($"    {name,-18} {seconds,7:F2} s  {seconds / total * 100,5:F1}%");
        }
    }
}
