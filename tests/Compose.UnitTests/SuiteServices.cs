using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Compose.UnitTests;

/// <summary>What one .NET host reads from configuration: the options classes it binds, and whether it is the YARP gateway.</summary>
/// <param name="Name">The compose service name.</param>
/// <param name="ProjectDirectory">Relative to the repository root; its appsettings.json is the base the environment overrides.</param>
/// <param name="OptionsTypes">Classes bound with BindConfiguration; each has a <c>public const string Section</c>.</param>
/// <param name="IsReverseProxy">Reads the "ReverseProxy" section (YARP).</param>
public sealed record ServiceConfiguration(
    string Name,
    string ProjectDirectory,
    IReadOnlyList<Type> OptionsTypes,
    bool IsReverseProxy = false);

/// <summary>The suite's hosts as compose names them, with the options each registers in its Add*Services.</summary>
public static class SuiteServices
{
    public static IReadOnlyList<ServiceConfiguration> All { get; } = Build();

    public static string SectionOf(Type optionsType)
        => optionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
           ?? throw new InvalidOperationException($"{optionsType.FullName} has no public const string Section");

    private static List<ServiceConfiguration> Build() =>
        [
            // Every host also binds what AddServiceDefaults registers (the "Auth" section).
            new("intake", "services/Intake", OptionsRegisteredBy(b => b.AddServiceDefaults().AddIntakeServices())),
            new("analysis", "services/Analysis", OptionsRegisteredBy(b => b.AddServiceDefaults().AddAnalysisServices())),
            new("dispatch", "services/Dispatch", OptionsRegisteredBy(b => b.AddServiceDefaults().AddDispatchServices())),
            // The gateway: "Auth", "Gateway", and YARP's LoadFromConfig("ReverseProxy").
            new("gateway", "gateway", OptionsRegisteredBy(b => b.AddServiceDefaults().AddGatewayServices()), IsReverseProxy: true),
        ];

    /// <summary>
    /// The options classes a service really binds: read from what its Add*Services registers
    /// (options validated on start), so a new options class cannot be forgotten here.
    /// </summary>
    private static List<Type> OptionsRegisteredBy(Action<WebApplicationBuilder> addServices)
    {
        var builder = WebApplication.CreateBuilder();
        addServices(builder);
        return builder.Services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is not null)
            .Distinct()
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
    }
}
