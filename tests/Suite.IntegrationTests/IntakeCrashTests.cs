using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Embedded;
using Google.Protobuf;
using Intake.Domain;
using Messaging;
using TestData;
using Xunit.Abstractions;

namespace Suite.IntegrationTests;

/// <summary>
/// Intake killed (SIGKILL) while it works through a stream of partner records, then restarted:
/// nothing accepted is lost and no incident id is ever published for two different reports.
/// Intake runs as its own process here, so the kill is a real one.
/// </summary>
public sealed class IntakeCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Partitions = 3;
    private const int ValidCount = 20_000;
    private const int InvalidCount = 1_000;

    private EmbeddedKafka _kafka = null!;
    private EmbeddedRedis _redis = null!;
    private KafkaTestClient _client = null!;
    private readonly ServiceDefaults.Security.DevSigningKey _signingKey = ServiceDefaults.Security.DevSigningKey.Create();

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start();
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, Partitions);
        }
        _redis = EmbeddedRedis.Start();
        _client = new KafkaTestClient(_kafka.BootstrapServers);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Killed_mid_stream_and_restarted_Intake_loses_nothing_and_never_reuses_an_id()
    {
        var now = DateTimeOffset.UtcNow;
        var expected = new Dictionary<string, Report>();
        var produced = new List<Task>();
        for (var i = 0; i < ValidCount + InvalidCount; i++)
        {
            var report = ReportCases.Valid(now);
            report.Source = $"partner-{i % 7}";
            report.ExternalId = $"crash-{i}";
            if (i >= ValidCount)
            {
                report.Location.Latitude = 123; // dead-lettered
            }
            else
            {
                expected[IncidentFactory.IncidentId(report.Source, report.ExternalId)] = report;
            }
            produced.Add(_client.ProduceAsync(Topics.PartnerIncidents, report.Source, report.ToByteArray(),
                new Headers { { KafkaHeaders.ContentType, Encoding.UTF8.GetBytes(KafkaHeaders.ProtobufContentType) } }));
        }
        await Task.WhenAll(produced);

        using (var first = StartIntake())
        {
            // Kill it once it is well into the stream.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (_client.RecordCount(Topics.Incidents, Partitions) < ValidCount / 5 && DateTime.UtcNow < deadline && !first.HasExited)
            {
                await Task.Delay(10);
            }
            first.Kill();
            await first.WaitForExitAsync();
        }
        var atKill = _client.RecordCount(Topics.Incidents, Partitions);
        output.WriteLine($"killed with {atKill} of {ValidCount} incidents published");
        Assert.InRange(atKill, 1, ValidCount - 1); // the kill really landed mid-stream

        using var second = StartIntake();
        try
        {
            var records = _client.ReadFromStart(Topics.Incidents, read => read.Select(r => r.Message.Key).Distinct().Count() >= expected.Count, TimeSpan.FromSeconds(120));
            var dead = _client.ReadFromStart(Topics.PartnerIncidentsDeadLetter, read => read.Count >= InvalidCount, TimeSpan.FromSeconds(60));

            var byId = records.GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Select(r => IncidentReported.Parser.ParseFrom(r.Message.Value).Incident).ToList());
            Assert.Empty(expected.Keys.Except(byId.Keys));  // nothing lost
            Assert.Empty(byId.Keys.Except(expected.Keys));  // nothing invented
            foreach (var (id, incidents) in byId)
            {
                // A repeat after the crash is the same report under the same id, never another report.
                Assert.All(incidents, incident => Assert.Equal(expected[id].ExternalId, incident.Report.ExternalId));
                Assert.Single(incidents.Select(incident => incident.Report).Distinct());
            }
            var deadOffsets = dead.Select(r => KafkaHeaders.Get(r.Message.Headers, "dlq-source-partition") + "/" + KafkaHeaders.Get(r.Message.Headers, "dlq-source-offset")).Distinct().Count();
            Assert.Equal(InvalidCount, deadOffsets);
            output.WriteLine($"after restart: {byId.Count} incidents, {records.Count - byId.Count} repeated events, {dead.Count - deadOffsets} repeated dead letters");
        }
        finally
        {
            second.Kill();
        }
    }

    private Process StartIntake()
    {
        var start = new ProcessStartInfo("dotnet", [IntakeAssembly()])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(IntakeAssembly())!,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Kafka__BootstrapServers"] = _kafka.BootstrapServers;
        start.Environment["Redis__Configuration"] = _redis.ConnectionString;
        start.Environment["Kafka__SessionTimeoutMs"] = "3000"; // the restarted process takes over the dead one's partitions quickly
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // Only the partner topic is used here, but Intake does not start without a key to validate tokens with.
        foreach (var (key, value) in _signingKey.HostSettings())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine($"[intake] {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.WriteLine($"[intake] {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Intake's own build output, with its own appsettings.json, in the configuration these tests were built in.</summary>
    private static string IntakeAssembly()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testBin.Name;
        var configuration = testBin.Parent!.Name;
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Microservices.sln")))
        {
            root = root.Parent;
        }
        return Path.Combine(root!.FullName, "services", "Intake", "bin", configuration, framework, "Intake.dll");
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _signingKey.Dispose();
        _redis.Dispose();
        _kafka.Dispose();
        return Task.CompletedTask;
    }
}
