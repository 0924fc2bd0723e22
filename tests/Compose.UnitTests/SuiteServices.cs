using System.Reflection;
using Analysis.Domain;
using Dispatch.Domain;
using Intake.Domain;
using Messaging;
using Redis;

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
            // IntakeServiceExtensions.AddIntakeServices: AddKafkaMessaging + IntakeOptions.
            new("intake", "services/Intake", [typeof(KafkaOptions), typeof(IntakeOptions)]),
            // AnalysisServiceExtensions.AddAnalysisServices: AddKafkaMessaging + AddRedis + AnalysisOptions.
            new("analysis", "services/Analysis", [typeof(KafkaOptions), typeof(RedisOptions), typeof(AnalysisOptions)]),
            // DispatchServiceExtensions.AddDispatchServices: AddKafkaMessaging + AddRedis + DispatchOptions.
            new("dispatch", "services/Dispatch", [typeof(KafkaOptions), typeof(RedisOptions), typeof(DispatchOptions)]),
            // GatewayServiceExtensions.AddGatewayServices: YARP LoadFromConfig("ReverseProxy"); no options classes.
            new("gateway", "gateway", [], IsReverseProxy: true),
        ];
}
