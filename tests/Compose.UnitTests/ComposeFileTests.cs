using Xunit.Abstractions;

namespace Compose.UnitTests;

/// <summary>
/// compose.yaml configures the hosts only by environment. A misspelt key is silently ignored at run time
/// (the option keeps its default), so these tests hold every key against the options classes the services bind.
/// </summary>
public sealed class ComposeFileTests(ITestOutputHelper output)
{
    private static readonly string[] Hosts = ["intake", "analysis", "dispatch", "gateway"];

    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Microservices.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Microservices.sln");
    });

    private static string RepoRoot => Root.Value;

    private static IReadOnlyList<ComposeService> Compose()
        => ComposeFile.Parse(File.ReadAllText(Path.Combine(RepoRoot, "compose.yaml")));

    [Fact]
    public void Compose_runs_every_host_built_from_source()
    {
        var compose = Compose();
        foreach (var host in Hosts)
        {
            var service = Assert.Single(compose, s => s.Name == host);
            Assert.NotNull(service.BuildContext);
            Assert.NotEmpty(service.Environment);
        }
    }

    [Fact]
    public void Every_environment_key_binds_to_configuration_the_service_reads()
    {
        var problems = ComposeValidator.CheckEnvironment(Compose(), SuiteServices.All, RepoRoot);

        Assert.True(problems.Count == 0, "compose.yaml:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_misspelt_key_is_reported_with_service_and_key()
    {
        const string yaml = """
            services:
              intake:
                build: { context: ., args: { PROJECT: services/Intake/Intake.csproj } }
                environment:
                  Kafka__BootstrapServer: kafka:9092
                  Intake__MaxAgeDays: "30"
              dispatch:
                build: { context: ., args: { PROJECT: services/Dispatch/Dispatch.csproj } }
                environment:
                  - Kafka__BootstrapServers=kafka:9092
                  - Redis__Configuraton=redis:6379
                  - Redis__Configuration=redis:6379
              analysis:
                build: { context: ., args: { PROJECT: services/Analysis/Analysis.csproj } }
                environment:
                  Analysis__Series__TimeZoneId: Asia/Shanghai
                  Analysis__Series__TimeZone: Asia/Shanghai
            """;

        var problems = ComposeValidator.CheckEnvironment(ComposeFile.Parse(yaml), SuiteServices.All, RepoRoot);
        problems.ForEach(output.WriteLine);

        Assert.Contains(problems, p => p.StartsWith("service 'intake': Kafka__BootstrapServer:", StringComparison.Ordinal) && p.Contains("KafkaOptions has no public property 'BootstrapServer'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("service 'dispatch': Redis__Configuraton:", StringComparison.Ordinal));
        // A nested section is its own options class's: SeriesOptions has TimeZoneId (a setting), and TimeZone only as a getter.
        Assert.Contains(problems, p => p.StartsWith("service 'analysis': Analysis__Series__TimeZone:", StringComparison.Ordinal) && p.Contains("SeriesOptions.TimeZone", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("Intake__MaxAgeDays", StringComparison.Ordinal) || p.Contains("Kafka__BootstrapServers", StringComparison.Ordinal)
                                             || p.Contains("TimeZoneId", StringComparison.Ordinal));
    }

    [Fact]
    public void Keys_the_service_does_not_read_bad_values_and_unknown_clusters_are_reported()
    {
        const string yaml = """
            services:
              intake:
                build: .
                environment:
                  Analysis__IncidentRetentionDays: "10"
                  Dispatch__MaxCandidates: "10"
                  Kafka__BootstrapServers: kafka:9092
                  Kafka__Partitions: many
                  LOGLEVEL: debug
                  ASPNETCORE_URLS: http://+:8080
              dispatch:
                build: .
                environment:
                  - Urls=http://+:8080
                  - Kafka__ReplicationFactor=0
              gateway:
                build: .
                environment:
                  Urls: http://+:8080
                  ReverseProxy__Clusters__billing__Destinations__primary__Address: http://intake:8080
                  ReverseProxy__Clusters__intake__Destinations__secondary__Address: http://intake:8080
                  ReverseProxy__Clusters__intake__Destinations__primary__Address: http://intake:8080
                  ReverseProxy__Clusters__dispatch__Destinations__primary__Address: http://dispatch:8080
                  ReverseProxy__Routes__intake__ClusterId: intake
            """;

        var problems = ComposeValidator.CheckEnvironment(ComposeFile.Parse(yaml), SuiteServices.All, RepoRoot);
        problems.ForEach(output.WriteLine);

        string[] expected =
        [
            "service 'intake': Analysis__IncidentRetentionDays: binds to 'Analysis:IncidentRetentionDays', but the service reads no section 'Analysis'",
            "service 'intake': Dispatch__MaxCandidates: binds to 'Dispatch:MaxCandidates', but the service reads no section 'Dispatch'",
            "service 'intake': Kafka__Partitions: value 'many' is not a valid Int32",
            "service 'intake': section 'Kafka' (appsettings.json + environment) does not bind to KafkaOptions",
            "service 'intake': LOGLEVEL: is not a configuration path",
            "service 'dispatch': section 'Kafka' (appsettings.json + environment) fails validation at start",
            // No host starts without a key to validate tokens with.
            "service 'intake': section 'Auth' (appsettings.json + environment) fails validation at start: Auth:SigningKeys needs at least one public key",
            "service 'dispatch': section 'Auth' (appsettings.json + environment) fails validation at start: Auth:SigningKeys needs at least one public key",
            "service 'gateway': section 'Auth' (appsettings.json + environment) fails validation at start: Auth:SigningKeys needs at least one public key",
            "service 'gateway': ReverseProxy__Clusters__billing__Destinations__primary__Address: cluster 'billing' is not in gateway/appsettings.json",
            "service 'gateway': ReverseProxy__Clusters__intake__Destinations__secondary__Address: destination 'secondary' is not in cluster 'intake'",
            "service 'gateway': ReverseProxy__Routes__intake__ClusterId: binds to 'ReverseProxy:Routes:intake:ClusterId'; only ReverseProxy__Clusters__",
        ];
        foreach (var prefix in expected)
        {
            Assert.True(problems.Any(p => p.StartsWith(prefix, StringComparison.Ordinal)), $"expected a problem starting '{prefix}', got:\n{string.Join("\n", problems)}");
        }

        Assert.Equal(expected.Length, problems.Count);
    }

    [Fact]
    public void Every_image_is_pinned_including_the_base_images_of_the_Dockerfiles()
    {
        var problems = ComposeValidator.CheckImagesPinned(Compose(), RepoRoot);

        Assert.True(problems.Count == 0, "compose.yaml:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Every_Dockerfile_copies_the_projects_its_service_references()
    {
        var problems = ComposeValidator.CheckDockerfilesCopyReferencedProjects(Compose(), RepoRoot);

        Assert.True(problems.Count == 0, "Dockerfiles:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void A_Dockerfile_missing_a_referenced_project_is_reported()
    {
        var dockerfile = Path.Combine(Path.GetTempPath(), $"compose-tests-{Guid.NewGuid():N}.Dockerfile");
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "Dockerfile")).Where(l => !l.StartsWith("COPY libs/", StringComparison.Ordinal));
        File.WriteAllLines(dockerfile, lines);
        try
        {
            var yaml = $$"""
                services:
                  intake:
                    build: { context: ., dockerfile: "{{dockerfile}}", args: { PROJECT: services/Intake/Intake.csproj } }
                """;

            var problems = ComposeValidator.CheckDockerfilesCopyReferencedProjects(ComposeFile.Parse(yaml), RepoRoot);
            problems.ForEach(output.WriteLine);

            Assert.Contains($"service 'intake': {Path.GetRelativePath(RepoRoot, dockerfile)} does not COPY libs/Messaging", problems);
            Assert.All(problems, p => Assert.Contains(" does not COPY libs/", p, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(dockerfile);
        }
    }

    [Fact]
    public void A_service_that_does_not_name_its_project_is_reported()
    {
        const string yaml = """
            services:
              intake:
                build: { context: . }
            """;

        var problems = ComposeValidator.CheckDockerfilesCopyReferencedProjects(ComposeFile.Parse(yaml), RepoRoot);

        Assert.Equal(["service 'intake': publishes '${PROJECT}', not a .csproj (is build.args missing the project?)"], problems);
    }

    [Fact]
    public void Unpinned_images_are_reported()
    {
        const string yaml = """
            services:
              a: { image: "redis" }
              b: { image: "redis:latest" }
              c: { image: "registry.example.com:5000/team/redis" }
              d: { image: "redis:7.4.2-alpine" }
              e: { image: "redis@sha256:0000000000000000000000000000000000000000000000000000000000000000" }
            """;

        var problems = ComposeValidator.CheckImagesPinned(ComposeFile.Parse(yaml), RepoRoot);

        Assert.Equal(
            ["service 'a': image 'redis' has no tag", "service 'b': image 'redis:latest' uses the 'latest' tag", "service 'c': image 'registry.example.com:5000/team/redis' has no tag"],
            problems);
    }

    [Fact]
    public void Every_service_has_a_healthcheck_and_waits_for_healthy_dependencies()
    {
        var problems = ComposeValidator.CheckHealth(Compose());

        Assert.True(problems.Count == 0, "compose.yaml:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Missing_healthchecks_and_unhealthy_waits_are_reported()
    {
        const string yaml = """
            services:
              kafka:
                image: apache/kafka:3.9.1
                healthcheck: { disable: true }
              intake:
                build: .
                healthcheck: { test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"] }
                depends_on: [kafka]
            """;

        var problems = ComposeValidator.CheckHealth(ComposeFile.Parse(yaml));

        Assert.Equal(
            ["service 'kafka': has no healthcheck", "service 'intake': depends on 'kafka' with condition 'service_started', not service_healthy"],
            problems);
    }

    [Fact]
    public void Only_the_gateway_publishes_a_port()
    {
        var published = Compose().Where(s => s.Ports.Count > 0).ToDictionary(s => s.Name, s => s.Ports);

        var gateway = Assert.Single(published);
        Assert.Equal("gateway", gateway.Key);
        Assert.Equal(["5100:8080"], gateway.Value);
    }
}
