using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Compose.UnitTests;

/// <summary>
/// Checks a compose file against what the suite's hosts really read. Every method returns problems as
/// "service 'name': ..." lines; none means the file is fine.
/// </summary>
public static partial class ComposeValidator
{
    /// <summary>
    /// Keys outside any options section that a host still reads. Everything else must bind to an options class
    /// the service registers, or (gateway) to an existing YARP cluster destination.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item><c>ASPNETCORE_ENVIRONMENT</c>: the host's environment name (ASPNETCORE_-prefixed host configuration).</item>
    /// <item><c>ASPNETCORE_URLS</c>: the server URLs, as host configuration "urls". It ranks BELOW appsettings.json, so it is
    /// reported when the service's appsettings.json sets "Urls" (see <see cref="ListenUrls"/>).</item>
    /// <item><c>Urls</c>: the same "urls" key as an unprefixed variable, which ranks above appsettings.json.</item>
    /// <item><c>OTEL_*</c>: the OpenTelemetry SDK's own variables; ServiceDefaults exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set.</item>
    /// <item><c>DOTNET_*</c>: the .NET runtime's own knobs (e.g. the GC's), read from the environment only.</item>
    /// </list>
    /// </remarks>
    public static bool IsAllowListed(string key)
        => key.Equals("ASPNETCORE_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
           || key.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase)
           || key.Equals("Urls", StringComparison.OrdinalIgnoreCase)
           || key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
           || key.StartsWith("DOTNET_", StringComparison.Ordinal);

    /// <summary>ASP.NET Core images set ASPNETCORE_HTTP_PORTS=8080, used when nothing else sets the URLs.</summary>
    public const string ImageDefaultUrls = "http://+:8080";

    /// <summary>Every environment key of every suite host binds to configuration that host reads, with a value it accepts.</summary>
    public static List<string> CheckEnvironment(IReadOnlyList<ComposeService> compose, IReadOnlyList<ServiceConfiguration> hosts, string repoRoot)
    {
        var problems = new List<string>();
        var listenPorts = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new List<(ComposeService Service, ServiceConfiguration Host, string Path, string Key, string? Value)>();

        foreach (var service in compose)
        {
            var host = hosts.FirstOrDefault(h => h.Name == service.Name);
            if (host is null)
            {
                if (service.BuildContext is not null)
                {
                    problems.Add($"service '{service.Name}': built from source but unknown to this test; add it to {nameof(SuiteServices)} so its keys are checked");
                }

                continue;
            }

            var appSettingsPath = Path.Combine(repoRoot, host.ProjectDirectory, "appsettings.json");
            var environment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, raw) in service.Environment)
            {
                var value = raw is null ? null : ComposeFile.Interpolate(raw);
                if (IsAllowListed(key))
                {
                    environment[key] = value;
                    continue;
                }

                var path = key.Replace("__", ":", StringComparison.Ordinal);
                if (host.IsReverseProxy && path.StartsWith("ReverseProxy:", StringComparison.OrdinalIgnoreCase))
                {
                    environment[path] = value;
                    continue; // checked below, once every service's listening port is known
                }

                var problem = CheckOptionsKey(host, path, value);
                if (problem is not null)
                {
                    problems.Add($"service '{service.Name}': {key}: {problem}");
                }

                environment[path] = value;
            }

            var settings = new ConfigurationBuilder()
                .AddJsonFile(appSettingsPath, optional: true)
                .AddInMemoryCollection(environment)
                .Build();
            problems.AddRange(BindAndValidate(service.Name, host, settings));

            var (urls, urlProblem) = ListenUrls(settings, environment, File.Exists(appSettingsPath));
            if (urlProblem is not null)
            {
                problems.Add($"service '{service.Name}': {urlProblem}");
            }

            if (urls.Select(ParseUrl).FirstOrDefault(u => u is not null) is { } listen)
            {
                if (IsLoopback(listen.Host))
                {
                    problems.Add($"service '{service.Name}': listens on {string.Join(";", urls)}, loopback inside its container, so no other container reaches it; set Urls=http://+:8080");
                }

                listenPorts[service.Name] = listen.Port;
            }

            foreach (var (key, raw) in service.Environment)
            {
                var path = key.Replace("__", ":", StringComparison.Ordinal);
                if (host.IsReverseProxy && path.StartsWith("ReverseProxy:", StringComparison.OrdinalIgnoreCase))
                {
                    pending.Add((service, host, path, key, raw is null ? null : ComposeFile.Interpolate(raw)));
                }
            }
        }

        foreach (var (service, host, path, key, value) in pending)
        {
            var problem = CheckReverseProxyKey(Path.Combine(repoRoot, host.ProjectDirectory, "appsettings.json"), path, value, compose, listenPorts);
            if (problem is not null)
            {
                problems.Add($"service '{service.Name}': {key}: {problem}");
            }
        }

        return problems;
    }

    /// <summary>Every image has a tag that is not "latest" (or a digest), including the FROM lines of the Dockerfiles compose builds.</summary>
    public static List<string> CheckImagesPinned(IReadOnlyList<ComposeService> compose, string composeDirectory)
    {
        var problems = new List<string>();
        foreach (var service in compose)
        {
            if (service.Image is null && service.BuildContext is null)
            {
                problems.Add($"service '{service.Name}': has neither image nor build");
            }

            if (service.Image is not null && PinProblem(service.Image) is { } imageProblem)
            {
                problems.Add($"service '{service.Name}': image '{service.Image}' {imageProblem}");
            }

            if (service.BuildContext is null)
            {
                continue;
            }

            var dockerfile = Path.GetFullPath(Path.Combine(composeDirectory, service.BuildContext, service.Dockerfile ?? "Dockerfile"));
            if (!File.Exists(dockerfile))
            {
                problems.Add($"service '{service.Name}': Dockerfile {dockerfile} does not exist");
                continue;
            }

            var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in File.ReadLines(dockerfile))
            {
                var from = FromLine().Match(line);
                if (!from.Success)
                {
                    continue;
                }

                var image = from.Groups["image"].Value;
                if (!stages.Contains(image) && !image.Equals("scratch", StringComparison.OrdinalIgnoreCase) && PinProblem(image) is { } problem)
                {
                    problems.Add($"service '{service.Name}': {Path.GetRelativePath(composeDirectory, dockerfile)} FROM '{image}' {problem}");
                }

                if (from.Groups["stage"].Success)
                {
                    stages.Add(from.Groups["stage"].Value);
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Every Dockerfile compose builds copies what `dotnet publish` of its project needs: the repository-wide build files, each
    /// project of the ProjectReference closure (the project's folder or a folder above it), and protos/ when a project compiles them.
    /// The published project may be a build argument (`dotnet publish "${PROJECT}"`) that compose sets in build.args.
    /// </summary>
    public static List<string> CheckDockerfilesCopyReferencedProjects(IReadOnlyList<ComposeService> compose, string composeDirectory)
    {
        var problems = new List<string>();
        foreach (var service in compose.Where(s => s.BuildContext is not null))
        {
            var context = Path.GetFullPath(Path.Combine(composeDirectory, service.BuildContext!));
            var dockerfile = Path.Combine(context, service.Dockerfile ?? "Dockerfile");
            if (!File.Exists(dockerfile))
            {
                continue; // reported by CheckImagesPinned
            }

            var lines = File.ReadAllLines(dockerfile);
            var copied = lines.Select(l => CopyLine().Match(l)).Where(m => m.Success)
                .SelectMany(m => m.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(source => source.TrimEnd('/'))
                .ToHashSet(StringComparer.Ordinal);
            var published = lines.Select(l => PublishLine().Match(l)).FirstOrDefault(m => m.Success);
            if (published is null)
            {
                problems.Add($"service '{service.Name}': {Path.GetRelativePath(composeDirectory, dockerfile)} has no 'RUN dotnet publish <project>.csproj'");
                continue;
            }

            var publishedProject = BuildArgument().Replace(published.Groups["project"].Value.Trim('"'),
                m => service.BuildArgs.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value);
            if (!publishedProject.EndsWith(".csproj", StringComparison.Ordinal))
            {
                problems.Add($"service '{service.Name}': publishes '{publishedProject}', not a .csproj (is build.args missing the project?)");
                continue;
            }

            var required = new List<string> { "global.json", "Directory.Build.props", "Directory.Packages.props" };
            var pending = new Stack<string>([Path.GetFullPath(Path.Combine(context, publishedProject))]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryPop(out var project))
            {
                if (!seen.Add(project))
                {
                    continue;
                }

                if (!File.Exists(project))
                {
                    problems.Add($"service '{service.Name}': project {Path.GetRelativePath(context, project)} does not exist");
                    continue;
                }

                var relative = Path.GetRelativePath(context, project).Replace('\\', '/');
                required.Add(Path.GetDirectoryName(relative)!.Replace('\\', '/'));
                var xml = System.Xml.Linq.XDocument.Load(project);
                if (xml.Descendants("Protobuf").Any())
                {
                    required.Add("protos");
                }

                foreach (var reference in xml.Descendants("ProjectReference"))
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value)));
                }
            }

            static IEnumerable<string> SelfAndParents(string path)
            {
                for (var current = path; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current)?.Replace('\\', '/'))
                {
                    yield return current;
                }
            }

            foreach (var path in required.Distinct().Where(r => !SelfAndParents(r).Any(copied.Contains)))
            {
                problems.Add($"service '{service.Name}': {Path.GetRelativePath(composeDirectory, dockerfile)} does not COPY {path}");
            }
        }

        return problems;
    }

    /// <summary>Every service has a healthcheck and waits for its dependencies with condition service_healthy.</summary>
    public static List<string> CheckHealth(IReadOnlyList<ComposeService> compose)
    {
        var problems = new List<string>();
        var byName = compose.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in compose)
        {
            if (!service.HasHealthcheck)
            {
                problems.Add($"service '{service.Name}': has no healthcheck");
            }

            foreach (var (dependency, condition) in service.DependsOn)
            {
                if (!byName.ContainsKey(dependency))
                {
                    problems.Add($"service '{service.Name}': depends on '{dependency}', which is not a service");
                }
                else if (condition != "service_healthy")
                {
                    problems.Add($"service '{service.Name}': depends on '{dependency}' with condition '{condition}', not service_healthy");
                }
            }
        }

        return problems;
    }

    private static string? PinProblem(string image)
    {
        if (image.Contains('$', StringComparison.Ordinal))
        {
            return "is interpolated; pin it literally";
        }

        if (image.Contains("@sha256:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        if (colon < 0 || colon == name.Length - 1)
        {
            return "has no tag";
        }

        return name[(colon + 1)..].Equals("latest", StringComparison.OrdinalIgnoreCase) ? "uses the 'latest' tag" : null;
    }

    /// <summary>Whether the configuration path is the section or lies below it (segment by segment, ignoring case).</summary>
    private static bool IsUnder(string path, string section)
        => path.Equals(section, StringComparison.OrdinalIgnoreCase) || path.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>A key under an options section: each segment names a public settable property, and the value converts to its type.</summary>
    private static string? CheckOptionsKey(ServiceConfiguration host, string path, string? value)
    {
        var segments = path.Split(':');
        var sections = host.OptionsTypes.Select(SuiteServices.SectionOf).ToList();
        var readable = sections.Count == 0 ? "none" : string.Join(", ", sections);
        if (segments.Length < 2 || segments.Any(string.IsNullOrEmpty))
        {
            return $"is not a configuration path the service reads (sections it binds: {readable}; host keys: ASPNETCORE_ENVIRONMENT, ASPNETCORE_URLS, Urls, OTEL_*)";
        }

        // The most specific section wins: "Analysis:Series:TimeZoneId" is SeriesOptions' (section "Analysis:Series"), not AnalysisOptions'.
        var type = host.OptionsTypes
            .Where(t => IsUnder(path, SuiteServices.SectionOf(t)))
            .OrderByDescending(t => SuiteServices.SectionOf(t).Length)
            .FirstOrDefault();
        if (type is null)
        {
            return $"binds to '{path}', but the service reads no section '{segments[0]}' (sections it binds: {readable})";
        }

        var sectionDepth = SuiteServices.SectionOf(type).Split(':').Length;
        return segments.Length <= sectionDepth
            ? $"binds to '{path}', which is the section of {type.Name} itself; set its members instead"
            : CheckMember(type, segments.AsSpan(sectionDepth), value, path);
    }

    private static string? CheckMember(Type type, ReadOnlySpan<string> rest, string? value, string path)
    {
        var name = rest[0];
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var property = properties.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && p.GetIndexParameters().Length == 0);
        if (property is null)
        {
            return $"binds to '{path}', but {type.Name} has no public property '{name}' (it has: {string.Join(", ", properties.Select(p => p.Name))})";
        }

        var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var converter = TypeDescriptor.GetConverter(propertyType);
        if (converter.CanConvertFrom(typeof(string)))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                return $"binds to '{path}', but {type.Name}.{property.Name} has no public setter, so the binder ignores it";
            }

            if (rest.Length > 1)
            {
                return $"goes below {type.Name}.{property.Name}, which is a {propertyType.Name}";
            }

            if (value is not null)
            {
                try
                {
                    converter.ConvertFromInvariantString(value);
                }
                catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException || e.InnerException is FormatException or OverflowException)
                {
                    return $"value '{value}' is not a valid {propertyType.Name} for {type.Name}.{property.Name}";
                }
            }

            return null;
        }

        if (rest.Length == 1)
        {
            return $"{type.Name}.{property.Name} is an object; set its members instead";
        }

        var isCollection = propertyType != typeof(string) && propertyType.IsAssignableTo(typeof(System.Collections.IEnumerable));
        return isCollection ? null : CheckMember(propertyType, rest[1..], value, path);
    }

    /// <summary>Binds each options class like BindConfiguration does (failing on unknown keys), then runs its data annotations like ValidateDataAnnotations.</summary>
    private static IEnumerable<string> BindAndValidate(string serviceName, ServiceConfiguration host, IConfiguration settings)
    {
        foreach (var type in host.OptionsTypes)
        {
            var section = SuiteServices.SectionOf(type);
            var options = Activator.CreateInstance(type)!;
            // Keys of sections nested in this one belong to their own options class (Analysis:Series is SeriesOptions').
            var nested = host.OptionsTypes.Select(SuiteServices.SectionOf).Where(s => s.Length > section.Length && IsUnder(s, section)).ToList();
            var own = new ConfigurationBuilder().AddInMemoryCollection(settings.GetSection(section).AsEnumerable(makePathsRelative: true)
                .Where(kv => kv.Value is not null && !nested.Any(n => IsUnder($"{section}:{kv.Key}", n)))).Build();
            string? failure = null;
            try
            {
                own.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException e)
            {
                failure = e.Message;
            }

            if (failure is not null)
            {
                yield return $"service '{serviceName}': section '{section}' (appsettings.json + environment) does not bind to {type.Name}: {failure}";
                continue;
            }

            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return $"service '{serviceName}': section '{section}' (appsettings.json + environment) fails validation at start: {result.ErrorMessage}";
                }
            }
        }
    }

    /// <summary>
    /// The URLs Kestrel will use. Precedence in WebApplication.CreateBuilder: ASPNETCORE_URLS (prefixed host variables) &lt;
    /// "Urls" in appsettings.json &lt; Urls as an unprefixed variable; with none set, the image's ASPNETCORE_HTTP_PORTS.
    /// </summary>
    private static (string[] Urls, string? Problem) ListenUrls(IConfiguration settings, Dictionary<string, string?> environment, bool hasAppSettings)
    {
        environment.TryGetValue("Urls", out var urlsVariable);
        environment.TryGetValue("ASPNETCORE_URLS", out var aspnetcoreUrls);
        var fromAppSettings = hasAppSettings && urlsVariable is null ? settings["Urls"] : null;
        string? problem = null;
        if (aspnetcoreUrls is not null && urlsVariable is null && fromAppSettings is not null)
        {
            problem = $"ASPNETCORE_URLS={aspnetcoreUrls} is shadowed by \"Urls\": \"{fromAppSettings}\" in appsettings.json (host variables rank below it); set Urls instead";
        }

        var effective = urlsVariable ?? fromAppSettings ?? aspnetcoreUrls ?? ImageDefaultUrls;
        return (effective.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), problem);
    }

    /// <summary>Only ReverseProxy:Clusters:{cluster}:Destinations:{destination}:Address of a cluster and destination in gateway/appsettings.json.</summary>
    private static string? CheckReverseProxyKey(string appSettingsPath, string path, string? value, IReadOnlyList<ComposeService> compose, Dictionary<string, int> listenPorts)
    {
        var s = path.Split(':');
        if (s.Length != 6 || !s[1].Equals("Clusters", StringComparison.OrdinalIgnoreCase)
                          || !s[3].Equals("Destinations", StringComparison.OrdinalIgnoreCase)
                          || !s[5].Equals("Address", StringComparison.OrdinalIgnoreCase))
        {
            return $"binds to '{path}'; only ReverseProxy__Clusters__<cluster>__Destinations__<destination>__Address is expected from the environment";
        }

        var gateway = new ConfigurationBuilder().AddJsonFile(appSettingsPath, optional: true).Build();
        var clusters = gateway.GetSection("ReverseProxy:Clusters").GetChildren().ToList();
        var cluster = clusters.FirstOrDefault(c => c.Key.Equals(s[2], StringComparison.OrdinalIgnoreCase));
        if (cluster is null)
        {
            return $"cluster '{s[2]}' is not in gateway/appsettings.json (clusters: {string.Join(", ", clusters.Select(c => c.Key))}); the key would add a cluster no route uses";
        }

        var destinations = cluster.GetSection("Destinations").GetChildren().ToList();
        if (!destinations.Any(d => d.Key.Equals(s[4], StringComparison.OrdinalIgnoreCase)))
        {
            return $"destination '{s[4]}' is not in cluster '{cluster.Key}' of gateway/appsettings.json (destinations: {string.Join(", ", destinations.Select(d => d.Key))}); the key would add a second destination instead of replacing it";
        }

        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            return $"value '{value}' is not an absolute http(s) address";
        }

        if (compose.All(c => c.Name != address.Host))
        {
            return $"address '{value}' names host '{address.Host}', which is not a compose service";
        }

        if (listenPorts.TryGetValue(address.Host, out var port) && port != address.Port)
        {
            return $"address '{value}' uses port {address.Port}, but '{address.Host}' listens on {port}";
        }

        return null;
    }

    private static (string Host, int Port)? ParseUrl(string url)
    {
        var m = ListenUrl().Match(url);
        return m.Success ? (m.Groups["host"].Value, int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    private static bool IsLoopback(string host) => host is "127.0.0.1" or "localhost" or "[::1]";

    [GeneratedRegex(@"^\s*FROM\s+(?:--\S+\s+)*(?<image>\S+)(?:\s+AS\s+(?<stage>\S+))?", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^\s*COPY\s+(?!--from)(?:--\S+\s+)*(?<sources>.+)\s+\S+\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex CopyLine();

    [GeneratedRegex(@"^\s*(?:RUN\s+(?:--\S+\s+)*)?dotnet\s+publish\s+(?<project>""?[^\s""]+""?)", RegexOptions.IgnoreCase)]
    private static partial Regex PublishLine();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex BuildArgument();

    [GeneratedRegex(@"^https?://(?<host>\[[^\]]+\]|[^:/]+):(?<port>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ListenUrl();
}
