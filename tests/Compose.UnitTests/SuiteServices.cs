using System.Reflection;
using Dispatch.Domain;
using Intake.Domain;
using Messaging;
using Redis;

namespace Compose.UnitTests;

/// <summary>What one .NET host reads from configuration: the options classes it binds, and whether it is the YARP gateway.</summary>
/// <param name="Name">The compose service name.</param>
/// <param name="ProjectDirectory">Relative to the repository root; its appsettings.json is the base the environment overrides.</param>
/// <param name="OptionsTypes">Classes bound with BindConfiguration; each has a <c>public const string Section</c>.</param>
/// <param name="MissingOptions">Sections the service binds whose class could not be found (a project not built yet): keys in them are reported.</param>
/// <param name="IsReverseProxy">Reads the "ReverseProxy" section (YARP).</param>
public sealed record ServiceConfiguration(
    string Name,
    string ProjectDirectory,
    IReadOnlyList<Type> OptionsTypes,
    IReadOnlyList<string> MissingOptions,
    bool IsReverseProxy = false);

/// <summary>The suite's hosts as compose names them, with the options each registers in its Add*Services.</summary>
public static class SuiteServices
{
    public static IReadOnlyList<ServiceConfiguration> All { get; } = Build();

    public static string SectionOf(Type optionsType)
        => optionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
           ?? throw new InvalidOperationException($"{optionsType.FullName} has no public const string Section");

    private static List<ServiceConfiguration> Build()
    {
        var (analysisOptions, analysisMissing) = FindOptions("Analysis", "Analysis");
        return
        [
            // IntakeServiceExtensions.AddIntakeServices: AddKafkaMessaging + IntakeOptions.
            new("intake", "services/Intake", [typeof(KafkaOptions), typeof(IntakeOptions)], []),
            // AnalysisServiceExtensions: AddKafkaMessaging + AddRedis + its own options (section "Analysis").
            new("analysis", "services/Analysis", [typeof(KafkaOptions), typeof(RedisOptions), .. analysisOptions], analysisMissing),
            // DispatchServiceExtensions.AddDispatchServices: AddKafkaMessaging + AddRedis + DispatchOptions.
            new("dispatch", "services/Dispatch", [typeof(KafkaOptions), typeof(RedisOptions), typeof(DispatchOptions)], []),
            // GatewayServiceExtensions.AddGatewayServices: YARP LoadFromConfig("ReverseProxy"); no options classes.
            new("gateway", "gateway", [], [], IsReverseProxy: true),
        ];
    }

    /// <summary>Finds the public options class of <paramref name="assemblyName"/> whose Section constant is <paramref name="section"/>.</summary>
    private static (Type[] Found, string[] Missing) FindOptions(string assemblyName, string section)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(assemblyName);
        }
        catch (FileNotFoundException)
        {
            return ([], [section]);
        }

        var types = assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } f
                        && string.Equals(f.GetRawConstantValue() as string, section, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        return types.Length == 1 ? (types, []) : ([], [section]);
    }
}
