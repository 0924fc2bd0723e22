using System.Diagnostics;
using Messaging;
using ServiceProcesses;

namespace Bench.Intake;

/// <summary>`intake`: Intake as a Release child process against the embedded broker and Redis; partner, bulk and unary phases.</summary>
internal static class IntakeBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (options, error) = IntakeBenchOptions.Parse(args);
        if (options is null)
        {
            return BenchCommandLine.Usage(error, IntakeBenchOptions.Usage);
        }

        const int Partitions = 6;
        using var cancel = BenchSetup.CancelOnCtrlC();
        var dll = options.IntakeDll ?? RepoLayout.Locate("tools/Bench").ServiceDll("Intake");
        BenchSetup.DescribeMachine("Intake", dll);
        using var backends = EmbeddedBackends.Start(Partitions);
        var (kafka, redis) = (backends.Kafka, backends.Redis);

        using var probe = new KafkaProbe(kafka.BootstrapServers, Partitions);
        var reports = new BenchReports();
        var results = new List<PhaseResult>();

        if (options.Phases.Contains("partner"))
        {
            var produced = probe.ProducePartnerBacklog(reports, options.PartnerWarmUp + options.PartnerCount);
            Console.WriteLine($"pre-produced {options.PartnerWarmUp:N0} + {options.PartnerCount:N0} partner records in {produced.TotalSeconds:F1} s ({probe.Count(Topics.PartnerIncidents):N0} in {Topics.PartnerIncidents})");
        }

        // Intake validates bearer tokens: a signing key for this run only, its public half for Intake, a terminal's token for the callers.
        using var signingKey = ServiceDefaults.Security.DevSigningKey.Create();
        var token = new ServiceDefaults.Security.TokenIssuer(signingKey.Credentials).Issue(ServiceDefaults.Security.SuiteIdentity.Terminal("bench"), TimeSpan.FromHours(12));
        var environment = new Dictionary<string, string>(signingKey.HostSettings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!))
        {
            ["Kafka__BootstrapServers"] = kafka.BootstrapServers,
            ["Redis__Configuration"] = redis.ConnectionString,
            ["Intake__PartnerConsumerGroup"] = $"bench-{reports.RunId}",
        };
        foreach (var (key, value) in options.IntakeEnvironment)
        {
            environment[key] = value;
        }

        var baseline = probe.Count(Topics.Incidents);
        using var intake = ServiceProcess.Start(dll, environment, new ServiceProcessOptions { DefaultLogLevel = "Warning" });
        try
        {
            var cpuAtStart = ProcStat.ProcessCpuSeconds(intake.Pid);
            await intake.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            var sinceHealthy = Stopwatch.StartNew();
            Console.WriteLine($"intake used {ProcStat.ProcessCpuSeconds(intake.Pid) - cpuAtStart:F1} CPU s to start");

            foreach (var phase in options.Phases)
            {
                Console.WriteLine($"--- {phase} ...");
                var result = phase switch
                {
                    "partner" => await IntakePhases.PartnerAsync(probe, options.PartnerWarmUp, options.PartnerCount, baseline, intake, options.Threads, sinceHealthy, cancel.Token),
                    "bulk" => await IntakePhases.BulkAsync(intake.Address, token, reports, options.BulkStreams, options.BulkItems, intake, options.Threads, cancel.Token),
                    _ => await IntakePhases.UnaryAsync(intake.Address, token, reports, options.UnaryCallers, options.UnaryConnections, TimeSpan.FromSeconds(options.Seconds), intake, options.Threads, cancel.Token),
                };
                results.Add(result);
                Output.Phase(result);
            }

            Output.Table(results, ProcStat.ProcessCpuSeconds(intake.Pid), ProcStat.PeakResidentMiB(intake.Pid));
            Console.WriteLine($"incidents.v1 holds {probe.Count(Topics.Incidents) - baseline:N0} records from this run (includes warm-up calls).");
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        finally
        {
            await intake.StopAsync(TimeSpan.FromSeconds(10));
        }
        return results.All(r => r.Rate >= r.Target) ? 0 : 1;
    }
}
